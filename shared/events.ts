import type { JobInfo } from './jobs';

/** Every event pushed from the main side to the renderer. Add domain events here. */
export type AppEvent =
  | { type: 'job'; job: JobInfo }
  | { type: 'job.log'; jobId: string; level: 'info' | 'warn' | 'error'; message: string; time: string }
  | { type: 'job.event'; jobId: string; kind: string; payload: unknown }
  | { type: 'log'; level: 'info' | 'warn' | 'error'; message: string; time: string }
  | { type: 'engine.token'; requestId: string; row: number; token: number; text: string }
  | { type: 'engine.status'; loaded: import('./api/engine').LoadedModel | null };
