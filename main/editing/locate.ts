// Step 1 of DINM: locate the toxic layer of one case from the hidden states of its safe and unsafe responses.
// Always per case (never reused from another case); the per-layer distance vector is returned with the choice.
//
// easyedit: [safe, unsafe] as one left-padded batch (pad = EOS, positions 0..S−1 for both rows), transformers'
// hidden_states[1..L] (the last one after the final norm), Frobenius distance over [S, hidden] including pad rows,
// first maximum, layer = k − 1. See docs/dinm.md §2.
// paper: [X; Y_safe] and [X; Y_unsafe] each run alone (no padding), block outputs h_1..h_L before the final norm
// (paper Eq. 5), each mean-pooled over its response positions, L2 distance of the pooled vectors, first maximum,
// layer = 0-based block. See docs/dinm.md "paper mode".
import type { Feed } from '../engine/generate/generate';
import { emptyCache } from '../engine/generate/generate';
import { hiddenName, pastName } from '../engine/decoder/graph';
import { blockOutputName } from './graphs';
import { runSession, type EditModel } from './model';

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

/** One unpadded sequence as a batch of 1 for the edit graphs (ids, mask, positions 0..S−1, empty cache). */
export function seqFeeds(ids: number[], m: EditModel): Record<string, Feed> {
  const S = ids.length;
  const feeds: Record<string, Feed> = {
    input_ids: { dtype: 'int64', dims: [1, S], data: BigInt64Array.from(ids.map(BigInt)) }, // [1, seq]
    attention_mask: { dtype: 'int64', dims: [1, S], data: new BigInt64Array(S).fill(1n) }, // [1, seq]
    position_ids: { dtype: 'int64', dims: [1, S], data: BigInt64Array.from(ids.map((_, i) => BigInt(i))) }, // [1, seq]
  };
  const sp = m.spec;
  for (let i = 0; i < sp.layers; i++)
    for (const kind of ['key', 'value'] as const) feeds[pastName(i, kind)] = { dtype: 'float32', dims: [1, sp.kvHeads, 0, sp.headDim], data: new Float32Array(0) }; // [1, kvHeads, 0, headDim]
  return feeds;
}

/** One locate sequence of the paper mode: prompt + response token ids, the response starting at `start`. */
export interface ResponseSeq {
  ids: number[];
  start: number;
}

/** Mean over the response positions of each block's output, [layers][hidden] (block outputs before the final norm). */
export async function pooledBlockOutputs(m: EditModel, seq: ResponseSeq): Promise<Float32Array[]> {
  const S = seq.ids.length;
  if (!(seq.start >= 0 && seq.start < S)) throw new Error(`response start ${seq.start} is outside the ${S}-token sequence`);
  const sp = m.spec;
  const out = await runSession(await m.blockOutputsSession(), seqFeeds(seq.ids, m));
  const H = sp.hidden;
  const n = S - seq.start;
  const pooled: Float32Array[] = [];
  for (let l = 0; l < sp.layers; l++) {
    const h = out[blockOutputName(l)].data as Float32Array; // [seq, hidden]
    const acc = new Float64Array(H);
    for (let p = seq.start; p < S; p++) for (let j = 0; j < H; j++) acc[j] += h[p * H + j];
    pooled.push(Float32Array.from(acc, (x) => x / n)); // [hidden]
  }
  return pooled;
}

/** The paper's locate: per block, ‖mean_resp(h_l(safe)) − mean_resp(h_l(unsafe))‖₂; first maximum. */
export async function locatePaper(m: EditModel, safe: ResponseSeq, unsafe: ResponseSeq): Promise<Located> {
  const a = await pooledBlockOutputs(m, safe);
  const b = await pooledBlockOutputs(m, unsafe);
  const distances = a.map((x, l) => {
    let ss = 0;
    for (let j = 0; j < x.length; j++) {
      const d = x[j] - b[l][j];
      ss += d * d;
    }
    return Math.sqrt(ss);
  });
  return {
    distances,
    layer: firstArgmax(distances),
    inputIds: [safe.ids, unsafe.ids],
    attentionMask: [safe.ids.map(() => 1), unsafe.ids.map(() => 1)],
  };
}
