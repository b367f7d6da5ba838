import { Worker } from 'node:worker_threads';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Db } from '../store/db';
import type { EventBus } from '../util/events';
import type { FromWorker, WorkerData } from './protocol';
import { type JobInfo, type JobLogLine, type JobStatus, isTerminal } from '../../shared/jobs';
import { AppError } from '../../shared/errors';

interface JobRow {
  id: string;
  kind: string;
  title: string;
  status: JobStatus;
  progress: number;
  stage: string | null;
  eta_seconds: number | null;
  input_json: string;
  result_json: string | null;
  error: string | null;
  owner_pid: number | null;
  created_at: string;
  started_at: string | null;
  finished_at: string | null;
}

function rowToInfo(r: JobRow): JobInfo {
  return {
    id: r.id,
    kind: r.kind,
    title: r.title,
    status: r.status,
    progress: r.progress,
    stage: r.stage,
    etaSeconds: r.eta_seconds,
    createdAt: r.created_at,
    startedAt: r.started_at,
    finishedAt: r.finished_at,
    error: r.error,
    result: r.result_json ? JSON.parse(r.result_json) : null,
  };
}

/** Path of the bundled job worker, from source (vitest) or from the bundle in out/main. */
export function resolveWorkerScript(): string {
  const here = path.dirname(fileURLToPath(import.meta.url));
  const candidates = [path.join(here, 'worker.mjs'), path.resolve(here, '../../out/main/worker.mjs')];
  for (const c of candidates) if (fs.existsSync(c)) return c.replace('app.asar' + path.sep, 'app.asar.unpacked' + path.sep);
  throw new AppError('not_built', `job worker not found (looked in ${candidates.join(', ')}); run "npm run build"`);
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

interface Running {
  worker: Worker | null;
  cancelling: boolean;
  startedMs: number;
  lastWrite: number;
  lastEmit: number;
  resolveWaiters: ((j: JobInfo) => void)[];
}

/**
 * Runs jobs in worker threads, persists their state in SQLite and pushes progress to the EventBus.
 * Jobs left 'running' or 'queued' by a process that no longer exists are marked 'interrupted' at start.
 */
export class JobRunner {
  private running = new Map<string, Running>();
  private queue: string[] = [];
  private waiters = new Map<string, ((j: JobInfo) => void)[]>();
  private closed = false;

  constructor(
    private db: Db,
    private dataDir: string,
    private events: EventBus,
    private options: { maxConcurrent?: number; workerScript?: string } = {},
  ) {}

  /** Marks jobs whose owning process died as interrupted. Returns how many. */
  recoverInterrupted(): number {
    const rows = this.db
      .prepare(`SELECT * FROM jobs WHERE status IN ('running','queued')`)
      .all() as JobRow[];
    let n = 0;
    const now = new Date().toISOString();
    for (const r of rows) {
      if (r.owner_pid && r.owner_pid !== process.pid && pidAlive(r.owner_pid)) continue;
      if (r.owner_pid === process.pid && this.running.has(r.id)) continue;
      this.db
        .prepare(`UPDATE jobs SET status='interrupted', finished_at=?, error=?, eta_seconds=NULL WHERE id=?`)
        .run(now, 'the process running this job stopped before it finished', r.id);
      n++;
    }
    return n;
  }

  list(limit = 200): JobInfo[] {
    return (this.db.prepare('SELECT * FROM jobs ORDER BY created_at DESC, rowid DESC LIMIT ?').all(limit) as JobRow[]).map(rowToInfo);
  }

  get(id: string): JobInfo {
    const r = this.db.prepare('SELECT * FROM jobs WHERE id=?').get(id) as JobRow | undefined;
    if (!r) throw new AppError('not_found', `no job with id ${id}`);
    return rowToInfo(r);
  }

  logs(id: string, afterId = 0): JobLogLine[] {
    this.get(id);
    return this.db
      .prepare('SELECT id, time, level, message FROM job_logs WHERE job_id=? AND id>? ORDER BY id LIMIT 5000')
      .all(id, afterId) as JobLogLine[];
  }

  start(kind: string, input: unknown, title: string): JobInfo {
    if (this.closed) throw new AppError('closed', 'the job runner is shutting down');
    const id = randomUUID();
    this.db
      .prepare(
        `INSERT INTO jobs(id, kind, title, status, progress, input_json, owner_pid, created_at) VALUES (?,?,?,'queued',0,?,?,?)`,
      )
      .run(id, kind, title, JSON.stringify(input ?? null), process.pid, new Date().toISOString());
    this.queue.push(id);
    this.publish(id);
    this.pump();
    return this.get(id);
  }

  /** Resolves when the job reaches a terminal state. */
  wait(id: string): Promise<JobInfo> {
    const j = this.get(id);
    if (isTerminal(j.status)) return Promise.resolve(j);
    return new Promise((resolve) => {
      const list = this.waiters.get(id) ?? [];
      list.push(resolve);
      this.waiters.set(id, list);
    });
  }

  cancel(id: string): JobInfo {
    const j = this.get(id);
    if (isTerminal(j.status)) return j;
    const qi = this.queue.indexOf(id);
    if (qi >= 0) {
      this.queue.splice(qi, 1);
      this.finish(id, 'cancelled', null, null);
      return this.get(id);
    }
    const r = this.running.get(id);
    if (r && r.worker && !r.cancelling) {
      r.cancelling = true;
      r.worker.postMessage({ type: 'cancel' });
      this.db.prepare(`UPDATE jobs SET stage=? WHERE id=?`).run('cancelling…', id);
      this.publish(id);
      const w = r.worker;
      // A task that does not notice the cancel within 3 s is terminated.
      setTimeout(() => {
        if (this.running.get(id)?.worker === w) void w.terminate();
      }, 3000).unref();
    }
    return this.get(id);
  }

  async shutdown(): Promise<void> {
    this.closed = true;
    for (const id of this.queue.splice(0)) this.finish(id, 'cancelled', null, 'the application closed');
    await Promise.all(
      [...this.running.entries()].map(async ([id, r]) => {
        r.cancelling = true;
        await r.worker?.terminate();
        this.finish(id, 'interrupted', null, 'the application closed while this job ran');
      }),
    );
  }

  private pump() {
    const max = this.options.maxConcurrent ?? 2;
    while (this.running.size < max && this.queue.length) {
      const id = this.queue.shift()!;
      this.launch(id);
    }
  }

  private launch(id: string) {
    const row = this.db.prepare('SELECT * FROM jobs WHERE id=?').get(id) as JobRow;
    const now = Date.now();
    const r: Running = { worker: null, cancelling: false, startedMs: now, lastWrite: 0, lastEmit: 0, resolveWaiters: [] };
    this.running.set(id, r);
    this.db
      .prepare(`UPDATE jobs SET status='running', started_at=?, owner_pid=? WHERE id=?`)
      .run(new Date(now).toISOString(), process.pid, id);
    this.publish(id);
    let script: string;
    try {
      script = this.options.workerScript ?? resolveWorkerScript();
    } catch (e) {
      this.finish(id, 'failed', null, (e as Error).message);
      return;
    }
    const data: WorkerData = { jobId: id, kind: row.kind, input: JSON.parse(row.input_json), dataDir: this.dataDir };
    const worker = new Worker(script, { workerData: data });
    r.worker = worker;
    let settled = false;
    worker.on('message', (m: FromWorker) => {
      if (settled) return;
      switch (m.type) {
        case 'progress':
          this.onProgress(id, r, m.fraction, m.stage);
          break;
        case 'log':
          this.db
            .prepare('INSERT INTO job_logs(job_id, time, level, message) VALUES (?,?,?,?)')
            .run(id, new Date().toISOString(), m.level, m.message);
          this.events.emit({ type: 'job.log', jobId: id, level: m.level, message: m.message, time: new Date().toISOString() });
          break;
        case 'event':
          this.events.emit({ type: 'job.event', jobId: id, kind: m.kind, payload: m.payload });
          break;
        case 'done':
          settled = true;
          this.finish(id, 'done', m.result, null);
          void worker.terminate();
          break;
        case 'error':
          settled = true;
          if (r.cancelling || m.error.code === 'cancelled') this.finish(id, 'cancelled', null, null);
          else this.finish(id, 'failed', null, m.error.message);
          void worker.terminate();
          break;
      }
    });
    worker.on('error', (e) => {
      if (settled) return;
      settled = true;
      this.finish(id, r.cancelling ? 'cancelled' : 'failed', null, r.cancelling ? null : `worker crashed: ${e.message}`);
    });
    worker.on('exit', (code) => {
      if (!settled) {
        settled = true;
        this.finish(id, r.cancelling ? 'cancelled' : 'failed', null, r.cancelling ? null : `worker exited with code ${code}`);
      }
    });
  }

  private onProgress(id: string, r: Running, fraction: number, stage?: string) {
    const now = Date.now();
    const elapsed = (now - r.startedMs) / 1000;
    const eta = fraction > 0.001 && fraction < 1 ? (elapsed * (1 - fraction)) / fraction : fraction >= 1 ? 0 : null;
    if (now - r.lastWrite > 250 || fraction >= 1) {
      r.lastWrite = now;
      if (r.cancelling) {
        this.db.prepare('UPDATE jobs SET progress=?, eta_seconds=? WHERE id=?').run(fraction, eta, id);
      } else {
        this.db.prepare('UPDATE jobs SET progress=?, stage=?, eta_seconds=? WHERE id=?').run(fraction, stage ?? null, eta, id);
      }
    }
    if (now - r.lastEmit > 100 || fraction >= 1) {
      r.lastEmit = now;
      const info = this.get(id);
      this.events.emit({ type: 'job', job: { ...info, progress: fraction, stage: r.cancelling ? info.stage : (stage ?? null), etaSeconds: eta } });
    }
  }

  private finish(id: string, status: JobStatus, result: unknown, error: string | null) {
    this.running.delete(id);
    const cur = this.db.prepare('SELECT status FROM jobs WHERE id=?').get(id) as { status: JobStatus } | undefined;
    if (cur && !isTerminal(cur.status)) {
      this.db
        .prepare(
          `UPDATE jobs SET status=?, result_json=?, error=?, finished_at=?, eta_seconds=NULL,
             progress=CASE WHEN ?='done' THEN 1 ELSE progress END,
             stage=CASE WHEN ? IN ('done','cancelled') THEN NULL ELSE stage END WHERE id=?`,
        )
        .run(status, result === null || result === undefined ? null : JSON.stringify(result), error, new Date().toISOString(), status, status, id);
    }
    const info = this.get(id);
    this.events.emit({ type: 'job', job: info });
    for (const w of this.waiters.get(id) ?? []) w(info);
    this.waiters.delete(id);
    if (!this.closed) this.pump();
  }

  private publish(id: string) {
    this.events.emit({ type: 'job', job: this.get(id) });
  }
}
