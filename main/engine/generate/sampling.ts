// Next-token choice from one row of logits, in Hugging Face's processor order: repetition penalty, then
// (sampling only) temperature, top-k, top-p, and a seeded draw. Greedy = argmax (first index on ties).

export interface SamplingOptions {
  /** false = greedy */
  doSample: boolean;
  temperature: number;
  topK: number; // 0 = off
  topP: number; // 1 = off
  repetitionPenalty: number; // 1 = off
  seed: number;
}

export const GREEDY: SamplingOptions = { doSample: false, temperature: 1, topK: 0, topP: 1, repetitionPenalty: 1, seed: 0 };

/** Small seeded PRNG (mulberry32): same seed → same draws on every platform. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** HF RepetitionPenaltyLogitsProcessor: each token already in the sequence has its logit divided (or, if negative, multiplied) by the penalty. */
export function applyRepetitionPenalty(logits: Float32Array, seen: Iterable<number>, penalty: number): void {
  if (penalty === 1) return;
  for (const t of new Set(seen)) {
    const v = logits[t];
    logits[t] = v < 0 ? v * penalty : v / penalty;
  }
}

export function argmax(x: Float32Array): number {
  let best = 0;
  for (let i = 1; i < x.length; i++) if (x[i] > x[best]) best = i;
  return best;
}

const IDX_BITS = 2 ** 21; // index field of a sort key: vocabularies up to 2M tokens
const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** Token ids ordered by logit, descending, the lower id first on ties (the order HF's sort gives here).
 *  Sorting 150 k ids with a comparator costs ~100 ms per row per step, as much as the forward pass; instead each
 *  id becomes one exactly representable float64 key — the logit's f32 bits made order-preserving as an unsigned
 *  32-bit integer (−0 counted as +0), times 2^21, plus (2^21 − 1 − id) — and a Float64Array is sorted natively. */
export function sortedByLogit(logits: Float32Array): Int32Array {
  const V = logits.length;
  const out = new Int32Array(V);
  if (V > IDX_BITS) {
    const idx = Array.from({ length: V }, (_, i) => i);
    idx.sort((a, b) => logits[b] - logits[a] || a - b);
    out.set(idx);
    return out;
  }
  const keys = new Float64Array(V);
  for (let i = 0; i < V; i++) {
    f32[0] = logits[i] === 0 ? 0 : logits[i];
    const bits = u32[0];
    const ord = bits & 0x80000000 ? ~bits >>> 0 : (bits | 0x80000000) >>> 0; // ascending with the float
    keys[i] = ord * IDX_BITS + (IDX_BITS - 1 - i);
  }
  keys.sort();
  for (let r = 0; r < V; r++) out[r] = IDX_BITS - 1 - (keys[V - 1 - r] % IDX_BITS);
  return out;
}

/** Picks the next token. `logits` [vocab] is modified in place. */
export function chooseToken(logits: Float32Array, seen: number[], o: SamplingOptions, random: () => number): number {
  applyRepetitionPenalty(logits, seen, o.repetitionPenalty);
  if (!o.doSample) return argmax(logits);
  const V = logits.length;
  const t = o.temperature > 0 ? o.temperature : 1;
  // Candidates sorted by logit, descending.
  let idx = sortedByLogit(logits);
  if (o.topK > 0 && o.topK < V) idx = idx.subarray(0, o.topK);
  const max = logits[idx[0]] / t;
  let n = idx.length;
  const probs = new Float64Array(n);
  let z = 0;
  for (let i = 0; i < n; i++) probs[i] = Math.exp(logits[idx[i]] / t - max);
  for (let i = 0; i < n; i++) z += probs[i];
  for (let i = 0; i < n; i++) probs[i] /= z;
  if (o.topP < 1) {
    // Keep the smallest prefix whose mass reaches top_p (at least one token).
    let cum = 0;
    let keep = 0;
    while (keep < n) {
      cum += probs[keep++];
      if (cum >= o.topP) break;
    }
    n = keep;
    z = 0;
    for (let i = 0; i < n; i++) z += probs[i];
    for (let i = 0; i < n; i++) probs[i] /= z;
  }
  const r = random();
  let acc = 0;
  for (let i = 0; i < n; i++) {
    acc += probs[i];
    if (r < acc) return idx[i];
  }
  return idx[n - 1];
}
