import { core } from './001_core';
import { dataset } from './002_dataset';

export interface Migration {
  /** Strictly increasing; never renumber a shipped migration. */
  version: number;
  name: string;
  sql: string;
}

/** Every schema change, in order. Append a file per change; never edit one that has shipped. */
export const migrations: Migration[] = [core, dataset];
