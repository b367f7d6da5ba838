// A classifier that runs in its own worker thread (worker.ts, bundled as out/main/judge-worker.mjs), for callers
// on the main thread (the app's request handlers, the CLI). Code already off the main thread (job workers) uses
// ClassifierSession directly: see openClassifier.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { isMainThread, Worker } from 'node:worker_threads';
import { AppError, type ApiErrorShape } from '../../../shared/errors';
import { ClassifierSession, type ClassifierInfo } from './session';

export interface ClassifierOpenArgs {
  path: string;
  dataDir: string;
  provider?: string;
  threads?: number;
}

export type ClassifierRequest =
  | { id: number; op: 'open'; args: ClassifierOpenArgs }
  | { id: number; op: 'probabilities'; texts: string[]; batchSize?: number }
  | { id: number; op: 'close' }
  | { op: 'cancel'; target: number };

export type ClassifierMessage = { type: 'result'; id: number; ok: true; result: unknown } | { type: 'result'; id: number; ok: false; error: ApiErrorShape };

/** The batched classifier interface both implementations share. */
export interface Classifier {
  readonly info: ClassifierInfo;
  /** class probabilities per text, in order */
  probabilities(texts: string[], opts?: { batchSize?: number; signal?: AbortSignal }): Promise<number[][]>;
  close(): Promise<void>;
}

export function resolveClassifierWorkerScript(): string {
  const here = path.dirname(fileURLToPath(import.meta.url));
  const candidates = [path.join(here, 'judge-worker.mjs'), path.resolve(here, '../../../out/main/judge-worker.mjs'), path.resolve(here, '../../out/main/judge-worker.mjs')];
  for (const c of candidates) if (fs.existsSync(c)) return c.replace('app.asar' + path.sep, 'app.asar.unpacked' + path.sep);
  throw new AppError('not_built', `classifier worker not found (looked in ${candidates.join(', ')}); run "npm run build"`);
}

type Pending = { resolve: (v: unknown) => void; reject: (e: unknown) => void };

export class RemoteClassifier implements Classifier {
  private nextId = 1;
  private pending = new Map<number, Pending>();
  private dead: string | null = null;

  private constructor(
    private readonly worker: Worker,
    public info: ClassifierInfo,
  ) {}

  static async open(args: ClassifierOpenArgs): Promise<RemoteClassifier> {
    const w = new Worker(resolveClassifierWorkerScript());
    const rc = new RemoteClassifier(w, null as unknown as ClassifierInfo);
    w.on('message', (m: ClassifierMessage) => {
      const p = rc.pending.get(m.id);
      if (!p) return;
      rc.pending.delete(m.id);
      if (rc.pending.size === 0) w.unref(); // an idle worker does not keep a CLI process alive
      if (m.ok) p.resolve(m.result);
      else p.reject(new AppError(m.error.code, m.error.message, m.error.details));
    });
    const fail = (why: string) => {
      rc.dead = why;
      for (const p of rc.pending.values()) p.reject(new AppError('engine_crashed', `the classifier worker stopped: ${why}`));
      rc.pending.clear();
    };
    w.on('error', (e) => fail(e.message));
    w.on('exit', (code) => fail(`exit code ${code}`));
    try {
      rc.info = (await rc.request({ op: 'open', args })) as ClassifierInfo;
    } catch (e) {
      await w.terminate();
      throw e;
    }
    return rc;
  }

  private request(m: { op: 'open'; args: ClassifierOpenArgs } | { op: 'probabilities'; texts: string[]; batchSize?: number } | { op: 'close' }, signal?: AbortSignal): Promise<unknown> {
    if (this.dead) return Promise.reject(new AppError('engine_crashed', `the classifier worker stopped: ${this.dead}`));
    if (signal?.aborted) return Promise.reject(new AppError('cancelled', 'cancelled'));
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const onAbort = () => this.worker.postMessage({ op: 'cancel', target: id } satisfies ClassifierRequest);
      const done = () => signal?.removeEventListener('abort', onAbort);
      this.pending.set(id, { resolve: (v) => (done(), resolve(v)), reject: (e) => (done(), reject(e)) });
      this.worker.ref();
      signal?.addEventListener('abort', onAbort, { once: true });
      this.worker.postMessage({ ...m, id } as ClassifierRequest);
    });
  }

  async probabilities(texts: string[], opts: { batchSize?: number; signal?: AbortSignal } = {}): Promise<number[][]> {
    return (await this.request({ op: 'probabilities', texts, batchSize: opts.batchSize }, opts.signal)) as number[][];
  }

  async close(): Promise<void> {
    if (!this.dead) await this.request({ op: 'close' }).catch(() => undefined);
    await this.worker.terminate();
  }
}

/** A classifier in this thread (ClassifierSession) wearing the Classifier interface. */
class LocalClassifier implements Classifier {
  constructor(private readonly s: ClassifierSession) {}
  get info(): ClassifierInfo {
    return this.s.info;
  }
  probabilities(texts: string[], opts?: { batchSize?: number; signal?: AbortSignal }): Promise<number[][]> {
    return this.s.probabilities(texts, opts);
  }
  close(): Promise<void> {
    return this.s.release();
  }
}

/**
 * Opens a classifier where it may block: in this thread when it is a worker (a job), else in a classifier worker
 * thread. `inThread` forces one or the other.
 */
export async function openClassifier(args: ClassifierOpenArgs, inThread: boolean = !isMainThread): Promise<Classifier> {
  if (!inThread) return RemoteClassifier.open(args);
  return new LocalClassifier(await ClassifierSession.open(args.path, { dataDir: args.dataDir, provider: args.provider, threads: args.threads }));
}
