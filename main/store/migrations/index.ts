import { core } from './001_core';
import { dataset } from './002_dataset';
import { models } from './003_models';
import { editingMigration } from './004_editing';
import { evalMigration } from './005_eval';
import { experimentsMigration } from './006_experiments';

export interface Migration {
  /** Strictly increasing; never renumber a shipped migration. */
  version: number;
  name: string;
  sql: string;
}

/** Every schema change, in order. Append a file per change; never edit one that has shipped. */
export const migrations: Migration[] = [core, dataset, models, editingMigration, evalMigration, experimentsMigration];
