// Rotary position embedding frequencies (one implementation for every graph that needs them).

export type RopeScaling =
  | { type: 'default' }
  | { type: 'linear'; factor: number }
  | { type: 'llama3'; factor: number; lowFreqFactor: number; highFreqFactor: number; originalMaxPos: number };

export interface RopeSpec {
  theta: number;
  /** rotary dims (= headDim; partial rotary is refused at resolve time) */
  dim: number;
  scaling: RopeScaling;
}

/** inv_freq[j] for j in [0, dim/2): the angle of position p on pair j is p · inv_freq[j]. */
export function ropeInvFreq(r: RopeSpec): Float64Array {
  const half = r.dim / 2;
  const inv = new Float64Array(half); // [headDim / 2]
  for (let j = 0; j < half; j++) inv[j] = 1 / r.theta ** ((2 * j) / r.dim);
  const s = r.scaling;
  if (s.type === 'linear') for (let j = 0; j < half; j++) inv[j] /= s.factor;
  if (s.type === 'llama3') {
    const lowWavelen = s.originalMaxPos / s.lowFreqFactor;
    const highWavelen = s.originalMaxPos / s.highFreqFactor;
    for (let j = 0; j < half; j++) {
      const wavelen = (2 * Math.PI) / inv[j];
      if (wavelen > lowWavelen) inv[j] /= s.factor;
      else if (wavelen >= highWavelen) {
        const smooth = (s.originalMaxPos / wavelen - s.lowFreqFactor) / (s.highFreqFactor - s.lowFreqFactor);
        inv[j] = ((1 - smooth) * inv[j]) / s.factor + smooth * inv[j];
      }
    }
  }
  return inv;
}

/** cos/sin tables for positions [0, n): each [n, headDim/2] row-major, float32. */
export function ropeTables(r: RopeSpec, n: number): { cos: Float32Array; sin: Float32Array } {
  const inv = ropeInvFreq(r);
  const half = inv.length;
  const cos = new Float32Array(n * half); // [n, headDim/2]
  const sin = new Float32Array(n * half); // [n, headDim/2]
  for (let p = 0; p < n; p++)
    for (let j = 0; j < half; j++) {
      const a = p * inv[j];
      cos[p * half + j] = Math.cos(a);
      sin[p * half + j] = Math.sin(a);
    }
  return { cos, sin };
}
