import type { ParseArgsConfig } from 'node:util';
import type { AppContext } from '../context';

export interface CliIO {
  out(s: string): void;
  err(s: string): void;
}

export interface CliCommand {
  /** Words that select it, e.g. "dataset import". */
  name: string;
  usage: string;
  summary: string;
  options?: NonNullable<ParseArgsConfig['options']>;
  /** Which transport the context reports (the host command serves HTTP). Default 'cli'. */
  transport?: 'cli' | 'http';
  run(
    args: {
      values: Record<string, string | boolean | (string | boolean)[] | undefined>;
      positionals: string[];
      /** options in command-line order (parseArgs tokens) */
      tokens?: { kind: string; name?: string; value?: string }[];
    },
    ctx: AppContext,
    io: CliIO,
  ): Promise<number>;
}
