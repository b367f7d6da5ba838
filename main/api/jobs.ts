import type { HandlersFor } from './types';

export const jobsHandlers: HandlersFor<'jobs.list' | 'jobs.get' | 'jobs.cancel' | 'jobs.logs' | 'jobs.startDiagnostics'> = {
  'jobs.list': (input, ctx) => ctx.jobs.list(input.limit ?? 200),
  'jobs.get': (input, ctx) => ctx.jobs.get(input.id),
  'jobs.cancel': (input, ctx) => ctx.jobs.cancel(input.id),
  'jobs.logs': (input, ctx) => ctx.jobs.logs(input.id, input.afterId ?? 0),
  'jobs.startDiagnostics': (input, ctx) =>
    ctx.jobs.start('system.diagnostics', input, `Diagnostics (${input.steps} × ${input.stepMs} ms)`),
};
