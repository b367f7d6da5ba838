import type { Db } from '../store/db';
import { AppError } from '../../shared/errors';

/** What a task sees while it runs inside a job worker (or inline in tests). */
export interface TaskContext {
  readonly jobId: string;
  readonly dataDir: string;
  readonly signal: AbortSignal;
  /** fraction in [0,1]; stage is a short human label ("prefill", "case 3/50"). */
  progress(fraction: number, stage?: string): void;
  log(message: string, level?: 'info' | 'warn' | 'error'): void;
  /** Streams a domain event (e.g. generated tokens) to the UI as a 'job.event'. */
  emit(kind: string, payload: unknown): void;
  /** This worker's own SQLite connection (WAL allows it beside the main one). */
  db(): Db;
}

export type Task<I = unknown, O = unknown> = (input: I, ctx: TaskContext) => Promise<O>;

export function throwIfCancelled(ctx: Pick<TaskContext, 'signal'>): void {
  if (ctx.signal.aborted) throw new AppError('cancelled', 'cancelled by the user');
}
