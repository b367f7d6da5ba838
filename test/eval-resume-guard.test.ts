import { describe, it, expect, afterAll } from 'vitest';
import { seedRun } from './support/seed-runs';
import { resumeRun } from '../main/eval/service';
import { tempContext } from './helpers';
import type { AppContext } from '../main/context';

let ctx: AppContext;
afterAll(async () => ctx?.close());

describe('eval resume guard', () => {
  it('refuses a second job for a pending run whose job is still queued', async () => {
    ctx = await tempContext();
    const runId = seedRun(ctx.db, { cases: 4, unsafeRate: 0.5, status: 'interrupted', doneFraction: 0.5 });
    // The run's job is still queued (e.g. behind another job): a pending run with a live job.
    const now = new Date().toISOString();
    ctx.db
      .prepare(`INSERT INTO jobs(id, kind, title, status, progress, input_json, owner_pid, created_at) VALUES ('q1','eval.run','queued run','queued',0,'{}',?,?)`)
      .run(process.pid, now);
    ctx.db.prepare(`UPDATE eval_runs SET status='pending', job_id='q1' WHERE id=?`).run(runId);
    expect(() => resumeRun(ctx.db, ctx.jobs, runId)).toThrow(/already queued/);
    // Once that job is over (here: cancelled), resuming is allowed again: the guard does not block for good.
    ctx.db.prepare(`UPDATE jobs SET status='cancelled' WHERE id='q1'`).run();
    let err: unknown = null;
    try {
      const r = resumeRun(ctx.db, ctx.jobs, runId);
      if (r.job) ctx.jobs.cancel(r.job.id);
    } catch (e) {
      err = e;
    }
    expect(String((err as Error | null)?.message ?? '')).not.toMatch(/already queued/);
  });
});
