// Decoder-only transformer as an engine Graph, built from a DecoderSpec (data-driven: norm kind, activation,
// biases, rope vs learned positions, Linear vs Conv1D layout, fused qkv, GQA, tied head). One graph serves
// prefill and decode: the past length is dynamic (0 for prefill).
//
// Inputs:  input_ids [batch, seq] int64, attention_mask [batch, total] int64 (total = past + seq, 0 = padding),
//          position_ids [batch, seq] int64, past.{i}.key / past.{i}.value [batch, kvHeads, past, headDim],
//          and every editable weight under its checkpoint name.
// Outputs: logits [batch, 1 | seq, vocab] f32, present.{i}.key / .value [batch, kvHeads, total, headDim],
//          optionally hidden.{j} [batch, seq, hidden] f32 for j = 0..layers (0 = embeddings, last = after the
//          final norm, as Hugging Face reports hidden_states).
import { GraphBuilder } from '../graph/builder';
import type { DType, Graph, Value } from '../graph/ir';
import { ropeInvFreq } from '../arch/rope';
import { f32ToF16 } from '../safetensors/dtype';
import type { LayerRole } from '../arch/profiles';
import type { DecoderSpec, WeightSource } from './spec';

export interface DecoderVariant {
  /** compute/weight dtype: float32 (CPU) or float16 (GPU providers) */
  dtype: 'float32' | 'float16';
  /** output hidden.{0..layers} */
  hiddenStates: boolean;
  /** logits for every position (else the last position only) */
  allLogits: boolean;
  /** checkpoint tensor names that become graph inputs fed on every run instead of initializers */
  editable: string[];
  /** the graph only runs in ORT, never differentiated or cut (the engine's and evaluation's sessions), and is
   *  written in the form ORT runs faster, computing the same forward: norms square with Pow(x, 2), the form ORT's
   *  (Simplified)LayerNormFusion matches, so each norm is one kernel instead of six. Absent = the plain ops the
   *  autodiff graphs (editing, training) are cut from. (Tried and dropped: q/k/v and gate/up as one Gemm over
   *  constant-folded concatenated weights — no faster at batch 1, slower at batch 8.) */
  inference?: boolean;
}

export const DEFAULT_VARIANT: DecoderVariant = { dtype: 'float32', hiddenStates: false, allLogits: false, editable: [] };
/** The engine's generation graph (core.ts, the benchmark): DEFAULT_VARIANT in the inference form. Its logits differ
 *  from DEFAULT_VARIANT's in the last float bits (another norm kernel), so code comparing sessions bit for bit
 *  (patched vs exported models) keeps one form on both sides. */
export const INFERENCE_VARIANT: DecoderVariant = { ...DEFAULT_VARIANT, inference: true };

export function variantKey(v: DecoderVariant): string {
  return [v.dtype, v.hiddenStates ? 'h' : '', v.allLogits ? 'all' : 'last', ...(v.inference ? ['inf'] : []), ...[...v.editable].sort()].join('_');
}

/** Names of the graph's cache inputs/outputs for layer i. */
export const pastName = (i: number, kind: 'key' | 'value') => `past.${i}.${kind}`;
export const presentName = (i: number, kind: 'key' | 'value') => `present.${i}.${kind}`;
export const hiddenName = (j: number) => `hidden.${j}`;

const INT64_MAX = 2 ** 62; // Slice "to the end"

export function buildDecoderGraph(spec: DecoderSpec, weights: WeightSource, variant: DecoderVariant = DEFAULT_VARIANT): Graph {
  const b = new GraphBuilder('decoder');
  const dt: DType = variant.dtype;
  const { hidden: H, heads, kvHeads, headDim: hd, vocab: V } = spec;
  if (heads % kvHeads !== 0) throw new Error(`heads (${heads}) must be a multiple of kv heads (${kvHeads})`);
  const rep = heads / kvHeads;
  const editable = new Set(variant.editable);

  // --- constants and weights -------------------------------------------------------------------------------
  const fconst = (values: number[], dims: number[], hint: string): Value =>
    dt === 'float16'
      ? b.constant(f32ToF16(Float32Array.from(values)), dims, 'float16', hint)
      : b.constant(Float32Array.from(values), dims, 'float32', hint);
  const i64 = (values: number[], hint = 'i64') => b.constInt64(values, hint);
  const weightValues = new Map<string, Value>();
  const weight = (name: string): Value => {
    const have = weightValues.get(name);
    if (have) return have;
    const ref = weights(name);
    const wdt: DType = ref.data instanceof Float32Array ? 'float32' : ref.data instanceof Uint16Array ? 'float16' : dt;
    if (wdt !== dt) throw new Error(`weight '${name}' is ${wdt}, the graph computes in ${dt}`);
    const v = editable.has(name) ? b.input(name, dt, ref.dims) : b.initializer(name, dt, ref.dims, ref.data);
    weightValues.set(name, v);
    return v;
  };
  const opt = (name: string | undefined): Value | null => (name ? weight(name) : null);
  for (const e of editable) {
    const known = Object.values(spec.globals).includes(e) || spec.layerTensors.some((l) => Object.values(l).includes(e));
    if (!known) throw new Error(`editable tensor '${e}' is not a weight of this model`);
  }

  // --- inputs ----------------------------------------------------------------------------------------------
  const ids = b.input('input_ids', 'int64', ['batch', 'seq']); // [batch, seq]
  const mask = b.input('attention_mask', 'int64', ['batch', 'total']); // [batch, total]
  const pos = b.input('position_ids', 'int64', ['batch', 'seq']); // [batch, seq]
  const past: { key: Value; value: Value }[] = [];
  for (let i = 0; i < spec.layers; i++) {
    past.push({
      key: b.input(pastName(i, 'key'), dt, ['batch', kvHeads, 'past', hd]), // [batch, kvHeads, past, headDim]
      value: b.input(pastName(i, 'value'), dt, ['batch', kvHeads, 'past', hd]), // [batch, kvHeads, past, headDim]
    });
  }

  // --- dynamic sizes and shape vectors ---------------------------------------------------------------------
  const B1 = b.op1('Shape', [ids], { start: 0, end: 1 }); // [1] = batch
  const S1 = b.op1('Shape', [ids], { start: 1, end: 2 }); // [1] = seq
  const T1 = b.op1('Shape', [mask], { start: 1, end: 2 }); // [1] = total
  const shapeBSH = b.op1('Concat', [B1, S1, i64([H])], { axis: 0 }); // [3]
  const shapeQ = b.op1('Concat', [B1, S1, i64([kvHeads, rep, hd])], { axis: 0 }); // [5]
  const shapeKV = b.op1('Concat', [B1, S1, i64([kvHeads, hd])], { axis: 0 }); // [4]
  const rows = i64([-1, H]);

  // --- attention bias from the padding mask, causality (and the sliding window) -----------------------------
  const zeroAx = i64([0]);
  const T0 = b.op1('Squeeze', [T1, zeroAx]); // [] total
  const P0 = b.op1('Squeeze', [b.op1('Sub', [T1, S1]), zeroAx]); // [] past
  const one = b.scalar(1, 'int64');
  const keyIdx = b.op1('Range', [b.scalar(0, 'int64'), T0, one]); // [total]
  const qIdx = b.op1('Range', [P0, T0, one]); // [seq] absolute positions of the queries
  const k2 = b.op1('Unsqueeze', [keyIdx, zeroAx]); // [1, total]
  const q2 = b.op1('Unsqueeze', [qIdx, i64([1])]); // [seq, 1]
  let allowed = b.op1('LessOrEqual', [k2, q2]); // [seq, total]
  if (spec.slidingWindow !== null) {
    const lo = b.op1('Sub', [q2, b.scalar(spec.slidingWindow, 'int64')]); // [seq, 1]
    allowed = b.op1('And', [allowed, b.op1('Greater', [k2, lo])]); // [seq, total]
  }
  const padOk = b.op1('Unsqueeze', [b.op1('Cast', [mask], { to: 9 }), i64([1, 2, 3])]); // [batch, 1, 1, 1, total]
  allowed = b.op1('And', [allowed, padOk]); // [batch, 1, 1, seq, total]
  const negBig = dt === 'float16' ? -65504 : -3.4028234663852886e38;
  const attnBias = b.op1('Where', [allowed, fconst([0], [], 'zero'), fconst([negBig], [], 'neg')]); // [batch, 1, 1, seq, total]

  // --- rotary tables ---------------------------------------------------------------------------------------
  let rope: { cos4: Value; sin4: Value; cos5: Value; sin5: Value } | null = null;
  if (spec.position === 'rope') {
    if (!spec.rope) throw new Error('rope position encoding needs spec.rope');
    const inv = Array.from(ropeInvFreq(spec.rope), (x) => Math.fround(x));
    const invV = b.constant(Float32Array.from(inv), [inv.length], 'float32', 'inv_freq'); // [headDim/2]
    const posF = b.op1('Unsqueeze', [b.op1('Cast', [pos], { to: 1 }), i64([-1])]); // [batch, seq, 1]
    const freqs = b.op1('Mul', [posF, invV]); // [batch, seq, headDim/2]
    const emb = b.op1('Concat', [freqs, freqs], { axis: -1 }); // [batch, seq, headDim]
    let cos = b.op1('Cos', [emb]); // [batch, seq, headDim]
    let sin = b.op1('Sin', [emb]); // [batch, seq, headDim]
    if (dt === 'float16') {
      cos = b.op1('Cast', [cos], { to: 10 });
      sin = b.op1('Cast', [sin], { to: 10 });
    }
    rope = {
      cos4: b.op1('Unsqueeze', [cos, i64([1])]), // [batch, 1, seq, headDim]
      sin4: b.op1('Unsqueeze', [sin, i64([1])]),
      cos5: b.op1('Unsqueeze', [cos, i64([1, 2])]), // [batch, 1, 1, seq, headDim]
      sin5: b.op1('Unsqueeze', [sin, i64([1, 2])]),
    };
  }
  const half = hd / 2;
  const rotate = (x: Value, cos: Value, sin: Value): Value => {
    const x1 = b.op1('Slice', [x, i64([0]), i64([half]), i64([-1])]); // [..., headDim/2]
    const x2 = b.op1('Slice', [x, i64([half]), i64([hd]), i64([-1])]); // [..., headDim/2]
    const rot = b.op1('Concat', [b.op1('Neg', [x2]), x1], { axis: -1 }); // [..., headDim]
    return b.op1('Add', [b.op1('Mul', [x, cos]), b.op1('Mul', [rot, sin])]);
  };

  // --- building blocks -------------------------------------------------------------------------------------
  const transB = spec.linearLayout === 'out_in' ? 1 : 0;
  /** x [rows, in] → [rows, out] */
  const linear = (x: Value, w: string, bias?: string): Value => b.op1('Gemm', [x, weight(w), opt(bias)], { transB });
  const eps = fconst([spec.eps], [], 'eps');
  const two = variant.inference ? fconst([2], [], 'two') : null;
  const square = (x: Value): Value => (two ? b.op1('Pow', [x, two]) : b.op1('Mul', [x, x]));
  /** x [rows, hidden] → [rows, hidden]; statistics in the compute dtype as HF does for f32 */
  const norm = (x: Value, w: string, bias?: string): Value => {
    const ax = { axes: [-1], keepdims: 1 };
    let y: Value;
    if (spec.norm === 'rms') {
      const ms = b.op1('ReduceMean', [square(x)], ax); // [rows, 1]
      y = b.op1('Div', [x, b.op1('Sqrt', [b.op1('Add', [ms, eps])])]);
    } else {
      const d = b.op1('Sub', [x, b.op1('ReduceMean', [x], ax)]); // [rows, hidden]
      const varr = b.op1('ReduceMean', [square(d)], ax); // [rows, 1]
      y = b.op1('Div', [d, b.op1('Sqrt', [b.op1('Add', [varr, eps])])]);
    }
    y = b.op1('Mul', [y, weight(w)]);
    return bias ? b.op1('Add', [y, weight(bias)]) : y;
  };
  const act = (x: Value): Value => {
    if (spec.activation === 'silu') return b.op1('Mul', [x, b.op1('Sigmoid', [x])]);
    // gelu (tanh approximation): 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³)))
    const x3 = b.op1('Mul', [b.op1('Mul', [x, x]), x]);
    const inner = b.op1('Mul', [b.op1('Add', [x, b.op1('Mul', [x3, fconst([0.044715], [], 'c')])]), fconst([Math.sqrt(2 / Math.PI)], [], 'c')]);
    const t = b.op1('Add', [b.op1('Tanh', [inner]), fconst([1], [], 'one')]);
    return b.op1('Mul', [b.op1('Mul', [x, t]), fconst([0.5], [], 'half')]);
  };
  const toF32 = (x: Value) => (dt === 'float32' ? x : b.op1('Cast', [x], { to: 1 }));
  const hiddenOut = (x: Value, j: number) => {
    if (variant.hiddenStates) b.output(b.op1('Reshape', [toF32(x), shapeBSH]), hiddenName(j)); // [batch, seq, hidden]
  };

  // --- embeddings ------------------------------------------------------------------------------------------
  const g = spec.globals;
  if (!g.embed) throw new Error('the model has no token embedding');
  let h = b.op1('Gather', [weight(g.embed), ids], { axis: 0 }); // [batch, seq, hidden]
  if (spec.position === 'learned') {
    if (!g.posEmbed) throw new Error('learned positions need a position embedding');
    h = b.op1('Add', [h, b.op1('Gather', [weight(g.posEmbed), pos], { axis: 0 })]);
  }
  let x = b.op1('Reshape', [h, rows]); // [batch·seq, hidden]
  hiddenOut(x, 0);
  const scale = fconst([1 / Math.sqrt(hd)], [], 'scale');

  // --- layers ----------------------------------------------------------------------------------------------
  for (let i = 0; i < spec.layers; i++) {
    const t = spec.layerTensors[i];
    const need = (r: LayerRole): string => {
      const n = t[r];
      if (!n) throw new Error(`layer ${i}: the model has no '${r}' tensor`);
      return n;
    };
    x = b.withScope(`layer${i}`, () => {
      const n1 = norm(x, need('attnNorm'), t.attnNormBias);
      let q: Value, k: Value, v: Value; // [batch·seq, heads·headDim], [batch·seq, kvHeads·headDim] ×2
      if (spec.fusedQkv) {
        [q, k, v] = b.op('Split', [linear(n1, need('qkv'), t.qkvBias), i64([heads * hd, kvHeads * hd, kvHeads * hd])], { axis: 1 }, 3);
      } else {
        q = linear(n1, need('q'), t.qBias);
        k = linear(n1, need('k'), t.kBias);
        v = linear(n1, need('v'), t.vBias);
      }
      let q5 = b.op1('Transpose', [b.op1('Reshape', [q, shapeQ])], { perm: [0, 2, 3, 1, 4] }); // [batch, kvHeads, rep, seq, headDim]
      let k4 = b.op1('Transpose', [b.op1('Reshape', [k, shapeKV])], { perm: [0, 2, 1, 3] }); // [batch, kvHeads, seq, headDim]
      const v4 = b.op1('Transpose', [b.op1('Reshape', [v, shapeKV])], { perm: [0, 2, 1, 3] }); // [batch, kvHeads, seq, headDim]
      if (rope) {
        q5 = rotate(q5, rope.cos5, rope.sin5);
        k4 = rotate(k4, rope.cos4, rope.sin4);
      }
      const presK = b.op('Concat', [past[i].key, k4], { axis: 2 }, 1, presentName(i, 'key'))[0]; // [batch, kvHeads, total, headDim]
      const presV = b.op('Concat', [past[i].value, v4], { axis: 2 }, 1, presentName(i, 'value'))[0]; // [batch, kvHeads, total, headDim]
      b.output(presK);
      b.output(presV);
      const kT = b.op1('Transpose', [b.op1('Unsqueeze', [presK, i64([2])])], { perm: [0, 1, 2, 4, 3] }); // [batch, kvHeads, 1, headDim, total]
      const scores = b.op1('Add', [b.op1('MatMul', [b.op1('Mul', [q5, scale]), kT]), attnBias]); // [batch, kvHeads, rep, seq, total]
      const probs = b.op1('Softmax', [scores], { axis: -1 }); // [batch, kvHeads, rep, seq, total]
      const ctx = b.op1('MatMul', [probs, b.op1('Unsqueeze', [presV, i64([2])])]); // [batch, kvHeads, rep, seq, headDim]
      const ctx2 = b.op1('Reshape', [b.op1('Transpose', [ctx], { perm: [0, 3, 1, 2, 4] }), i64([-1, heads * hd])]); // [batch·seq, heads·headDim]
      const x1 = b.op1('Add', [x, linear(ctx2, need('o'), t.oBias)]); // [batch·seq, hidden]
      const n2 = norm(x1, need('mlpNorm'), t.mlpNormBias);
      const up = linear(n2, need('up'), t.upBias); // [batch·seq, inter]
      const inner = spec.gatedMlp ? b.op1('Mul', [act(linear(n2, need('gate'))), up]) : act(up); // [batch·seq, inter]
      return b.op1('Add', [x1, linear(inner, need('down'), t.downBias)]); // [batch·seq, hidden]
    });
    if (i < spec.layers - 1) hiddenOut(x, i + 1);
  }

  // --- final norm and head ---------------------------------------------------------------------------------
  if (!g.finalNorm) throw new Error('the model has no final norm');
  const xf = norm(x, g.finalNorm, g.finalNormBias); // [batch·seq, hidden]
  hiddenOut(xf, spec.layers);
  let headIn = xf;
  if (!variant.allLogits) {
    const last = b.op1('Slice', [b.op1('Reshape', [xf, shapeBSH]), i64([-1]), i64([INT64_MAX]), i64([1])]); // [batch, 1, hidden]
    headIn = b.op1('Reshape', [last, rows]); // [batch, hidden]
  }
  // The head is stored [vocab, hidden] in every profile (Linear layout, or the tied token embedding).
  const logits2 = b.op1('Gemm', [headIn, weight(g.lmHead ?? g.embed)], { transB: 1 }); // [rows, vocab]
  b.output(b.op1('Reshape', [toF32(logits2), b.op1('Concat', [B1, i64([-1, V])], { axis: 0 })]), 'logits'); // [batch, 1 | seq, vocab]
  return b.build();
}
