// Step 1 of DINM: locate the toxic layer of one case from the hidden states of its safe and unsafe responses.
// Always per case (never reused from another case); the per-layer distance vector is returned with the choice.
//
// easyedit: [safe, unsafe] as one left-padded batch (pad = EOS, positions 0..S−1 for both rows), transformers'
// hidden_states[1..L] (the last one after the final norm), Frobenius distance over [S, hidden] including pad rows,
// first maximum, layer = k − 1. See docs/dinm.md §2.
import type { Feed } from '../engine/generate/generate';
import { emptyCache } from '../engine/generate/generate';
import { hiddenName } from '../engine/decoder/graph';
import type { EditModel } from './model';

export interface Located {
  /** index = 0-based decoder block */
  distances: number[];
  /** first maximum */
  layer: number;
  /** the batch as fed (for diagnostics / goldens) */
  inputIds: number[][];
  attentionMask: number[][];
}

/** First index of the maximum (strict >, as EasyEdit's loop). */
export function firstArgmax(xs: number[]): number {
  let best = 0;
  for (let i = 1; i < xs.length; i++) if (xs[i] > xs[best]) best = i;
  return best;
}

/** Left-pads rows with `pad`; positions are 0..S−1 on every row (a plain forward without position ids). */
export function leftPadBatch(rows: number[][], pad: number): { ids: number[][]; mask: number[][]; feeds: Record<string, Feed> } {
  const S = Math.max(...rows.map((r) => r.length));
  const ids = rows.map((r) => [...new Array<number>(S - r.length).fill(pad), ...r]);
  const mask = rows.map((r) => [...new Array<number>(S - r.length).fill(0), ...new Array<number>(r.length).fill(1)]);
  const B = rows.length;
  return {
    ids,
    mask,
    feeds: {
      input_ids: { dtype: 'int64', dims: [B, S], data: BigInt64Array.from(ids.flat().map(BigInt)) }, // [batch, seq]
      attention_mask: { dtype: 'int64', dims: [B, S], data: BigInt64Array.from(mask.flat().map(BigInt)) }, // [batch, seq]
      position_ids: { dtype: 'int64', dims: [B, S], data: BigInt64Array.from(ids.flatMap(() => [...Array(S).keys()].map(BigInt))) }, // [batch, seq]
    },
  };
}

/** EasyEdit's locate: Frobenius distance between the two rows' hidden states at k = 1..L. */
export async function locateEasyEdit(m: EditModel, safeIds: number[], unsafeIds: number[], pad: number): Promise<Located> {
  const s = m.locateSession;
  const batch = leftPadBatch([safeIds, unsafeIds], pad);
  const out = await s.run({ ...batch.feeds, ...emptyCache(s, 2) });
  const L = m.spec.layers;
  const distances: number[] = [];
  for (let k = 1; k <= L; k++) {
    const h = out[hiddenName(k)].data as Float32Array; // [2, seq, hidden]
    const half = h.length / 2;
    let ss = 0;
    for (let i = 0; i < half; i++) {
      const d = h[i] - h[half + i];
      ss += d * d;
    }
    distances.push(Math.sqrt(ss));
  }
  return { distances, layer: firstArgmax(distances), inputIds: batch.ids, attentionMask: batch.mask };
}
