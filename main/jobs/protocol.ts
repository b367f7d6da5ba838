import type { ApiErrorShape } from '../../shared/errors';

/** What the main side sends to a job worker. */
export type ToWorker = { type: 'cancel' };

/** What a job worker sends back. */
export type FromWorker =
  | { type: 'progress'; fraction: number; stage?: string }
  | { type: 'log'; level: 'info' | 'warn' | 'error'; message: string }
  | { type: 'event'; kind: string; payload: unknown }
  | { type: 'done'; result: unknown }
  | { type: 'error'; error: ApiErrorShape };

export interface WorkerData {
  jobId: string;
  kind: string;
  input: unknown;
  dataDir: string;
}
