// The training loop shared by the decoder and the classifier: one ORT session over a step graph (loss + the
// gradient of every trained tensor), the weights kept in JS as float32 and fed on every step, gradients clipped by
// their global norm, and Adam (editing/adam.ts, the same optimizer DINM uses) over all tensors. The learning rate
// warms up linearly and decays with a cosine. Batches come from a seeded shuffle, so a run is reproducible.
import type * as OrtTypes from 'onnxruntime-node';
import { AppError } from '../../shared/errors';
import { Adam, ADAM_DEFAULTS } from '../editing/adam';
import type { Feed } from '../engine/generate/generate';
import { encodeModel } from '../engine/graph/onnx';
import { ort } from '../engine/runtime/session';
import type { StepGraphInfo } from './decoder';

/** mulberry32: small, fast, deterministic. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Fisher–Yates with the given random source (returns a new array). */
export function shuffled<T>(xs: readonly T[], rand: () => number): T[] {
  const a = [...xs];
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [a[i], a[j]] = [a[j], a[i]];
  }
  return a;
}

export interface TrainSettings {
  steps: number;
  batchSize: number;
  lr: number;
  /** fraction of the steps spent warming up (default 0.05) */
  warmup?: number;
  /** final learning rate as a fraction of lr (default 0.1) */
  minLrFraction?: number;
  /** clip the global gradient norm to this (default 1; 0 = off) */
  clipNorm?: number;
  weightDecay?: number;
  seed: number;
  /** ORT intra-op threads (default: ORT's choice) */
  threads?: number;
}

export interface TrainHooks {
  signal?: AbortSignal;
  /** fraction in [0,1] and a short label */
  progress?(fraction: number, stage: string): void;
  log?(message: string): void;
}

export interface TrainResult {
  steps: number;
  /** loss of every step */
  losses: number[];
  seconds: number;
}

/** Learning rate at step t (0-based) of n: linear warm-up, then cosine decay to minLrFraction·lr. */
export function lrAt(t: number, s: Pick<TrainSettings, 'steps' | 'lr' | 'warmup' | 'minLrFraction'>): number {
  const warm = Math.max(1, Math.round((s.warmup ?? 0.05) * s.steps));
  if (t < warm) return (s.lr * (t + 1)) / warm;
  const p = Math.min(1, (t - warm) / Math.max(1, s.steps - warm));
  const lo = s.lr * (s.minLrFraction ?? 0.1);
  return lo + (s.lr - lo) * 0.5 * (1 + Math.cos(Math.PI * p));
}

/** An ORT session over a step graph, with the trained weights held in JS. */
export class StepSession {
  private constructor(
    readonly info: StepGraphInfo,
    private readonly session: OrtTypes.InferenceSession,
    readonly weights: Map<string, { dims: number[]; data: Float32Array }>,
  ) {}

  static async open(info: StepGraphInfo, weights: Map<string, { dims: number[]; data: Float32Array }>, threads?: number): Promise<StepSession> {
    for (const p of info.params) if (!weights.has(p)) throw new AppError('internal', `training: no initial value for '${p}'`);
    const session = await ort().InferenceSession.create(encodeModel(info.graph), {
      executionProviders: ['cpu'],
      graphOptimizationLevel: 'all',
      ...(threads ? { intraOpNumThreads: threads, interOpNumThreads: 1 } : {}),
    });
    return new StepSession(info, session, weights);
  }

  /** Loss and gradients for a batch at the current weights. */
  async run(batch: Record<string, Feed>): Promise<{ loss: number; grads: Record<string, Float32Array> }> {
    const O = ort();
    const feeds: Record<string, OrtTypes.Tensor> = {};
    for (const [k, f] of Object.entries(batch)) feeds[k] = new O.Tensor(f.dtype, f.data, f.dims);
    for (const p of this.info.params) {
      const w = this.weights.get(p)!;
      feeds[p] = new O.Tensor('float32', w.data, w.dims);
    }
    const out = await this.session.run(feeds, [this.info.loss, ...this.info.params.map((p) => this.info.grads[p])]);
    const grads: Record<string, Float32Array> = {};
    for (const p of this.info.params) grads[p] = out[this.info.grads[p]].data as Float32Array;
    return { loss: Number((out[this.info.loss].data as Float32Array)[0]), grads };
  }

  async release(): Promise<void> {
    await this.session.release();
  }
}

/**
 * Trains every tensor of `session` for `settings.steps` steps; `batchAt(step, rand)` returns the feeds of a step
 * (it draws examples with `rand`, the run's seeded source). Updates session.weights in place.
 */
export async function trainLoop(
  session: StepSession,
  batchAt: (step: number, rand: () => number) => Record<string, Feed>,
  settings: TrainSettings,
  hooks: TrainHooks = {},
  label = 'training',
): Promise<TrainResult> {
  const t0 = performance.now();
  const rand = seededRandom(settings.seed);
  const adam = new Adam({ lr: settings.lr, ...ADAM_DEFAULTS, weightDecay: settings.weightDecay ?? 0 });
  const params: Record<string, Float32Array> = {};
  for (const p of session.info.params) params[p] = session.weights.get(p)!.data;
  const clip = settings.clipNorm ?? 1;
  const losses: number[] = [];
  const every = Math.max(1, Math.floor(settings.steps / 20));
  for (let t = 0; t < settings.steps; t++) {
    if (hooks.signal?.aborted) throw new AppError('cancelled', 'cancelled by the user');
    const { loss, grads } = await session.run(batchAt(t, rand));
    if (!Number.isFinite(loss)) throw new AppError('training_failed', `${label}: the loss became ${loss} at step ${t + 1}`);
    losses.push(loss);
    if (clip > 0) {
      let sq = 0;
      for (const g of Object.values(grads)) for (let i = 0; i < g.length; i++) sq += g[i] * g[i];
      const norm = Math.sqrt(sq);
      if (norm > clip) {
        const s = clip / norm;
        for (const g of Object.values(grads)) for (let i = 0; i < g.length; i++) g[i] *= s;
      }
    }
    adam.o.lr = lrAt(t, settings);
    adam.step(params, grads);
    if ((t + 1) % every === 0 || t === settings.steps - 1) {
      const recent = losses.slice(-every);
      const mean = recent.reduce((a, b) => a + b, 0) / recent.length;
      hooks.progress?.((t + 1) / settings.steps, `${label}: step ${t + 1}/${settings.steps}, loss ${mean.toFixed(3)}`);
      hooks.log?.(`${label}: step ${t + 1}/${settings.steps} loss ${mean.toFixed(4)} lr ${adam.o.lr.toExponential(2)}`);
    }
  }
  return { steps: settings.steps, losses, seconds: (performance.now() - t0) / 1000 };
}
