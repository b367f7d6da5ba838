import type { AppContext } from '../context';
import { dispatch } from '../api/index';
import type { Input, Output, RequestName } from '../../shared/contract';
import { AppError } from '../../shared/errors';
import type { CliIO } from './types';
import type { JobInfo } from '../../shared/jobs';

/** Calls a contract request exactly as the UI would (validation included); throws AppError on failure. */
export async function call<N extends RequestName>(ctx: AppContext, name: N, input: Input<N>): Promise<Output<N>> {
  const env = await dispatch(ctx, name, input);
  if (!env.ok) throw new AppError(env.error.code, env.error.message, env.error.details);
  return env.result as Output<N>;
}

function fmtEta(s: number | null): string {
  if (s === null) return '';
  if (s < 60) return ` ETA ${Math.round(s)}s`;
  return ` ETA ${Math.floor(s / 60)}m${Math.round(s % 60)}s`;
}

/** Waits for a job, drawing its progress on stderr; Ctrl-C cancels it. Throws if it did not finish. */
export async function followJob(ctx: AppContext, job: JobInfo, io: CliIO, quiet = false): Promise<JobInfo> {
  const tty = process.stderr.isTTY;
  let last = '';
  const unsub = ctx.events.subscribe((e) => {
    if (quiet) return;
    if (e.type === 'job' && e.job.id === job.id && e.job.status === 'running') {
      const line = `[${(e.job.progress * 100).toFixed(0).padStart(3)}%] ${e.job.stage ?? ''}${fmtEta(e.job.etaSeconds)}`;
      if (line === last) return;
      last = line;
      if (tty) process.stderr.write(`\r\x1b[K${line}`);
    }
    if (e.type === 'job.log' && e.jobId === job.id) io.err(`${tty ? '\r\x1b[K' : ''}${e.message}`);
  });
  const onSigint = () => {
    io.err('\ncancelling…');
    ctx.jobs.cancel(job.id);
  };
  process.once('SIGINT', onSigint);
  try {
    const done = await ctx.jobs.wait(job.id);
    if (tty && !quiet) process.stderr.write('\r\x1b[K');
    if (done.status !== 'done') throw new AppError(`job_${done.status}`, `${done.title}: ${done.status}${done.error ? `: ${done.error}` : ''}`);
    return done;
  } finally {
    unsub();
    process.off('SIGINT', onSigint);
  }
}
