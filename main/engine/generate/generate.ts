// The decoding loop: left-padded batch prefill, then one token per step with the KV cache. Runs wherever the
// session lives (engine worker, job worker, tests) through the DecoderRunner interface.
import { chooseToken, GREEDY, rng, type SamplingOptions } from './sampling';

export type Feed =
  | { dtype: 'float32'; dims: number[]; data: Float32Array }
  | { dtype: 'float16'; dims: number[]; data: Uint16Array }
  | { dtype: 'int64'; dims: number[]; data: BigInt64Array };

/** One forward of the decoder graph (names as in decoder/graph.ts). */
export interface DecoderRunner {
  readonly layers: number;
  readonly kvHeads: number;
  readonly headDim: number;
  readonly vocab: number;
  readonly cacheDtype: 'float32' | 'float16';
  run(feeds: Record<string, Feed>): Promise<Record<string, Feed>>;
}

export interface GenerateOptions {
  maxNewTokens: number;
  sampling?: SamplingOptions;
  eosTokenIds: number[];
  padTokenId: number;
  /** called with each row's new ids after every step; true = this row is done (stop strings) */
  shouldStop?: (row: number, newIds: number[]) => boolean;
  /** streamed tokens (step-major: every still-running row gets one per step) */
  onToken?: (row: number, token: number, step: number) => void;
  signal?: AbortSignal;
}

export interface GenerateResult {
  ids: number[][];
  newIds: number[][];
  /** prefill seconds and decode seconds (for benchmarks / the UI) */
  timing: { prefillS: number; decodeS: number; decodeSteps: number };
}

/** Left-padded batch: ids/mask [batch, maxLen], position ids = cumsum(mask) − 1 clamped at 0 (as HF). */
export function leftPad(prompts: number[][], padId: number): { ids: BigInt64Array; mask: BigInt64Array; pos: BigInt64Array; len: number } {
  const len = Math.max(...prompts.map((p) => p.length));
  const B = prompts.length;
  const ids = new BigInt64Array(B * len); // [batch, len]
  const mask = new BigInt64Array(B * len); // [batch, len]
  const pos = new BigInt64Array(B * len); // [batch, len]
  prompts.forEach((p, r) => {
    const off = len - p.length;
    for (let j = 0; j < len; j++) {
      const real = j >= off;
      ids[r * len + j] = BigInt(real ? p[j - off] : padId);
      mask[r * len + j] = real ? 1n : 0n;
      pos[r * len + j] = BigInt(real ? j - off : 0);
    }
  });
  return { ids, mask, pos, len };
}

export function emptyCache(r: DecoderRunner, batch: number): Record<string, Feed> {
  const feeds: Record<string, Feed> = {};
  const dims = [batch, r.kvHeads, 0, r.headDim];
  for (let i = 0; i < r.layers; i++)
    for (const kind of ['key', 'value'] as const)
      feeds[`past.${i}.${kind}`] = r.cacheDtype === 'float32' ? { dtype: 'float32', dims, data: new Float32Array(0) } : { dtype: 'float16', dims, data: new Uint16Array(0) };
  return feeds;
}

export async function generate(r: DecoderRunner, prompts: number[][], o: GenerateOptions): Promise<GenerateResult> {
  if (prompts.length === 0) throw new Error('no prompts');
  for (const [i, p] of prompts.entries()) {
    if (p.length === 0) throw new Error(`prompt ${i + 1} is empty`);
    for (const t of p) if (!Number.isInteger(t) || t < 0 || t >= r.vocab) throw new Error(`prompt ${i + 1}: token id ${t} is outside the vocabulary (0..${r.vocab - 1})`);
  }
  const sampling = o.sampling ?? GREEDY;
  const random = rng(sampling.seed);
  const B = prompts.length;
  const V = r.vocab;
  const pad = leftPad(prompts, o.padTokenId);
  const eos = new Set(o.eosTokenIds);
  const newIds: number[][] = prompts.map(() => []);
  const done = prompts.map(() => false);
  const nextPos = prompts.map((p) => p.length); // position id of each row's next token
  let mask = pad.mask; // [batch, total]
  let total = pad.len;
  let feeds: Record<string, Feed> = {
    input_ids: { dtype: 'int64', dims: [B, pad.len], data: pad.ids },
    attention_mask: { dtype: 'int64', dims: [B, total], data: mask },
    position_ids: { dtype: 'int64', dims: [B, pad.len], data: pad.pos },
    ...emptyCache(r, B),
  };
  const t0 = performance.now();
  let prefillS = 0;
  let step = 0;
  for (; step < o.maxNewTokens; step++) {
    if (o.signal?.aborted) throw Object.assign(new Error('cancelled'), { code: 'cancelled' });
    const out = await r.run(feeds);
    if (step === 0) prefillS = (performance.now() - t0) / 1000;
    const logits = out.logits.data as Float32Array; // [batch, 1, vocab]
    const next = new BigInt64Array(B); // [batch, 1]
    for (let b = 0; b < B; b++) {
      if (done[b]) {
        next[b] = BigInt(o.padTokenId);
        continue;
      }
      const row = logits.slice(b * V, (b + 1) * V); // [vocab]
      const tok = chooseToken(row, [...prompts[b], ...newIds[b]], sampling, random);
      newIds[b].push(tok);
      next[b] = BigInt(tok);
      o.onToken?.(b, tok, step);
      if (eos.has(tok) || o.shouldStop?.(b, newIds[b])) done[b] = true;
    }
    if (done.every(Boolean) || step + 1 === o.maxNewTokens) {
      step++;
      break;
    }
    const m2 = new BigInt64Array(B * (total + 1)); // [batch, total + 1]
    for (let b = 0; b < B; b++) {
      m2.set(mask.subarray(b * total, (b + 1) * total), b * (total + 1));
      m2[b * (total + 1) + total] = 1n;
    }
    mask = m2;
    total++;
    const pos = BigInt64Array.from(nextPos.map((p) => BigInt(p))); // [batch, 1]
    for (let b = 0; b < B; b++) nextPos[b]++;
    feeds = {
      input_ids: { dtype: 'int64', dims: [B, 1], data: next },
      attention_mask: { dtype: 'int64', dims: [B, total], data: mask },
      position_ids: { dtype: 'int64', dims: [B, 1], data: pos },
    };
    for (let i = 0; i < r.layers; i++)
      for (const kind of ['key', 'value'] as const) feeds[`past.${i}.${kind}`] = out[`present.${i}.${kind}`];
  }
  const decodeS = (performance.now() - t0) / 1000 - prefillS;
  return {
    ids: prompts.map((p, b) => [...p, ...newIds[b]]),
    newIds,
    timing: { prefillS, decodeS, decodeSteps: Math.max(0, step - 1) },
  };
}
