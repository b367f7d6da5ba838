// Main-side session manager: one engine worker per data dir (module singleton), started on first use,
// holding at most one loaded model. Requests are routed to it by message; token events come back and are
// published on the app's EventBus as 'engine.token'. The worker is unref'd while idle so a CLI process exits.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { AppError } from '../../../shared/errors';
import type { EngineMessage, EngineRequest } from './protocol';
import type { TokenEvent } from './core';
import type { LoadedModel } from '../../../shared/api/engine';

type Pending = { resolve: (v: unknown) => void; reject: (e: unknown) => void; onToken?: (e: TokenEvent) => void };
type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

export function resolveEngineWorkerScript(): string {
  const here = path.dirname(fileURLToPath(import.meta.url));
  const candidates = [path.join(here, 'engine-worker.mjs'), path.resolve(here, '../../../out/main/engine-worker.mjs'), path.resolve(here, '../../out/main/engine-worker.mjs')];
  for (const c of candidates) if (fs.existsSync(c)) return c.replace('app.asar' + path.sep, 'app.asar.unpacked' + path.sep);
  throw new AppError('not_built', `engine worker not found (looked in ${candidates.join(', ')}); run "npm run build"`);
}

export class EngineClient {
  private worker: Worker | null = null;
  private nextId = 1;
  private pending = new Map<number, Pending>();
  /** the loaded model as last reported (kept here so system.info can answer synchronously) */
  loaded: LoadedModel | null = null;

  constructor(
    public onLog: (message: string) => void = () => {},
    public onToken: (e: TokenEvent) => void = () => {},
  ) {}

  private start(): Worker {
    if (this.worker) return this.worker;
    const w = new Worker(resolveEngineWorkerScript());
    w.on('message', (m: EngineMessage) => {
      if (m.type === 'log') return this.onLog(m.message);
      const p = this.pending.get(m.id);
      if (!p) return;
      if (m.type === 'token') {
        p.onToken?.(m.event);
        this.onToken(m.event);
        return;
      }
      this.pending.delete(m.id);
      if (this.pending.size === 0) w.unref();
      if (m.ok) p.resolve(m.result);
      else p.reject(new AppError(m.error.code, m.error.message, m.error.details));
    });
    const fail = (why: string) => {
      this.worker = null;
      this.loaded = null;
      for (const p of this.pending.values()) p.reject(new AppError('engine_crashed', `the engine worker stopped: ${why}`));
      this.pending.clear();
    };
    w.on('error', (e) => fail(e.message));
    w.on('exit', (code) => fail(`exit code ${code}`));
    w.unref();
    this.worker = w;
    return w;
  }

  request<T>(req: DistributiveOmit<EngineRequest, 'id'>, onToken?: (e: TokenEvent) => void, signal?: AbortSignal): Promise<T> {
    const w = this.start();
    const id = this.nextId++;
    w.ref();
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject, onToken });
      signal?.addEventListener('abort', () => w.postMessage({ id: this.nextId++, op: 'cancel', target: id } satisfies EngineRequest), { once: true });
      w.postMessage({ ...req, id } as EngineRequest);
    });
  }

  async close(): Promise<void> {
    const w = this.worker;
    this.worker = null;
    this.loaded = null;
    if (w) await w.terminate();
  }
}

const clients = new Map<string, EngineClient>();

/** The engine of a data dir (created on first use). */
export function engineFor(dataDir: string, hooks?: { onLog?: (m: string) => void; onToken?: (e: TokenEvent) => void }): EngineClient {
  let c = clients.get(dataDir);
  if (!c) {
    c = new EngineClient(hooks?.onLog, hooks?.onToken);
    clients.set(dataDir, c);
  }
  if (hooks?.onLog) c.onLog = hooks.onLog;
  if (hooks?.onToken) c.onToken = hooks.onToken;
  return c;
}

/** Provider of the loaded session of a data dir's engine, if a model is loaded. */
export function loadedProvider(dataDir: string): string | null {
  return clients.get(dataDir)?.loaded?.provider ?? null;
}

export async function closeEngine(dataDir: string): Promise<void> {
  const c = clients.get(dataDir);
  clients.delete(dataDir);
  await c?.close();
}
