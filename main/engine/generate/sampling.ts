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

/** Picks the next token. `logits` [vocab] is modified in place. */
export function chooseToken(logits: Float32Array, seen: number[], o: SamplingOptions, random: () => number): number {
  applyRepetitionPenalty(logits, seen, o.repetitionPenalty);
  if (!o.doSample) return argmax(logits);
  const V = logits.length;
  const t = o.temperature > 0 ? o.temperature : 1;
  // Candidates sorted by logit, descending.
  let idx = Array.from({ length: V }, (_, i) => i);
  idx.sort((a, b) => logits[b] - logits[a] || a - b);
  if (o.topK > 0 && o.topK < V) idx = idx.slice(0, o.topK);
  const max = logits[idx[0]] / t;
  let probs = idx.map((i) => Math.exp(logits[i] / t - max));
  let z = probs.reduce((a, b) => a + b, 0);
  probs = probs.map((p) => p / z);
  if (o.topP < 1) {
    // Keep the smallest prefix whose mass reaches top_p (at least one token).
    let cum = 0;
    let keep = 0;
    while (keep < probs.length) {
      cum += probs[keep++];
      if (cum >= o.topP) break;
    }
    idx = idx.slice(0, keep);
    probs = probs.slice(0, keep);
    z = probs.reduce((a, b) => a + b, 0);
    probs = probs.map((p) => p / z);
  }
  const r = random();
  let acc = 0;
  for (let i = 0; i < probs.length; i++) {
    acc += probs[i];
    if (r < acc) return idx[i];
  }
  return idx[idx.length - 1];
}
