import { describe, it, expect, afterEach } from 'vitest';
import { spawn } from 'node:child_process';
import { tempContext, tempDir } from './helpers';
import { createContext, type AppContext } from '../main/context';
import type { AppEvent } from '../shared/events';

let ctx: AppContext | null = null;
afterEach(async () => {
  await ctx?.close();
  ctx = null;
});

describe('job runner', () => {
  it('runs a job in a worker to completion with progress events and persists the result', async () => {
    ctx = await tempContext();
    const events: AppEvent[] = [];
    ctx.events.subscribe((e) => events.push(e));
    const job = ctx.jobs.start('system.diagnostics', { steps: 5, stepMs: 30 }, 'diag');
    expect(['queued', 'running']).toContain(job.status);
    const done = await ctx.jobs.wait(job.id);
    expect(done.status).toBe('done');
    expect(done.progress).toBe(1);
    expect((done.result as { steps: number }).steps).toBe(5);
    const progress = events.filter((e) => e.type === 'job' && e.job.id === job.id && e.job.status === 'running').map((e) => (e as { job: { progress: number } }).job.progress);
    expect(progress.some((p) => p > 0 && p < 1)).toBe(true);
    // persisted
    const row = ctx.db.prepare('SELECT status, result_json FROM jobs WHERE id=?').get(job.id) as { status: string; result_json: string };
    expect(row.status).toBe('done');
    expect(JSON.parse(row.result_json).steps).toBe(5);
  });

  it('cancels a running job', async () => {
    ctx = await tempContext();
    const job = ctx.jobs.start('system.diagnostics', { steps: 1000, stepMs: 50 }, 'long');
    await new Promise((r) => setTimeout(r, 400));
    ctx.jobs.cancel(job.id);
    const done = await ctx.jobs.wait(job.id);
    expect(done.status).toBe('cancelled');
    expect(done.progress).toBeLessThan(1);
  });

  it('cancels a queued job without running it', async () => {
    ctx = await createContext({ dataDir: tempDir(), transport: 'cli', maxConcurrentJobs: 1 });
    const a = ctx.jobs.start('system.diagnostics', { steps: 1000, stepMs: 50 }, 'a');
    const b = ctx.jobs.start('system.diagnostics', { steps: 2, stepMs: 10 }, 'b');
    expect(ctx.jobs.get(b.id).status).toBe('queued');
    expect(ctx.jobs.cancel(b.id).status).toBe('cancelled');
    expect(ctx.jobs.get(b.id).startedAt).toBeNull();
    ctx.jobs.cancel(a.id);
    await ctx.jobs.wait(a.id);
  });

  it('an unknown job kind fails with a clear error', async () => {
    ctx = await tempContext();
    const job = ctx.jobs.start('no.such.kind', {}, 'x');
    const done = await ctx.jobs.wait(job.id);
    expect(done.status).toBe('failed');
    expect(done.error).toContain("unknown job kind 'no.such.kind'");
  });

  it('a job left running by a dead process is marked interrupted at the next start; a live owner is left alone', async () => {
    const dir = tempDir();
    ctx = await createContext({ dataDir: dir, transport: 'cli' });
    // A pid that surely is dead: a child that has exited.
    const child = spawn(process.execPath, ['-e', '0']);
    const deadPid = await new Promise<number>((r) => child.on('exit', () => r(child.pid!)));
    const now = new Date().toISOString();
    const ins = ctx.db.prepare(`INSERT INTO jobs(id, kind, title, status, progress, input_json, owner_pid, created_at, started_at) VALUES (?,?,?,?,?,?,?,?,?)`);
    ins.run('dead', 'system.diagnostics', 'dead owner', 'running', 0.4, '{}', deadPid, now, now);
    ins.run('alive', 'system.diagnostics', 'live owner', 'running', 0.4, '{}', process.ppid, now, now);
    await ctx.close();
    ctx = await createContext({ dataDir: dir, transport: 'cli' });
    expect(ctx.jobs.get('dead').status).toBe('interrupted');
    expect(ctx.jobs.get('dead').progress).toBeCloseTo(0.4);
    expect(ctx.jobs.get('alive').status).toBe('running');
  });
});
