// Neural-network composites built from primitive ONNX ops through the builder, so that autodiff differentiates them
// with the primitive rules in ops.ts (no fused training kernels needed). Decoder graphs use these same functions.
// Every function works in the dtype of its input (float32, float16 or float64); scalars are made in that dtype.
import type { GraphBuilder } from './builder';
import type { Value } from './ir';
import { ONNX_DTYPE, scalarOf, shapeOf } from './ops';

const axesOf = (axis: number) => [axis];

/** x @ w (+ bias): x [..., in], w [in, out], bias [out] → [..., out]. */
export function linear(b: GraphBuilder, x: Value, w: Value, bias?: Value | null): Value {
  const y = b.op1('MatMul', [x, w]); // [..., out]
  return bias ? b.op1('Add', [y, bias]) : y;
}

/**
 * LayerNorm over the last axis: (x - mean) / sqrt(var + eps) * gamma + beta.
 * x [..., H], gamma/beta [H] (either may be null) → [..., H]
 */
export function layerNorm(b: GraphBuilder, x: Value, gamma: Value | null, beta: Value | null, eps: number): Value {
  const mean = b.op1('ReduceMean', [x], { axes: axesOf(-1), keepdims: 1 }); // [..., 1]
  const xc = b.op1('Sub', [x, mean]); // [..., H]
  const variance = b.op1('ReduceMean', [b.op1('Mul', [xc, xc])], { axes: axesOf(-1), keepdims: 1 }); // [..., 1]
  const inv = b.op1('Reciprocal', [b.op1('Sqrt', [b.op1('Add', [variance, scalarOf(b, eps, x.dtype, 'eps')])])]); // [..., 1]
  let y = b.op1('Mul', [xc, inv]); // [..., H]
  if (gamma) y = b.op1('Mul', [y, gamma]);
  if (beta) y = b.op1('Add', [y, beta]);
  return y;
}

export interface RmsNormOptions {
  /** Scale by (1 + weight) instead of weight (Gemma-style). */
  unitOffset?: boolean;
}

/** RMSNorm over the last axis: x / sqrt(mean(x^2) + eps) * weight. x [..., H], weight [H] → [..., H] */
export function rmsNorm(b: GraphBuilder, x: Value, weight: Value | null, eps: number, options: RmsNormOptions = {}): Value {
  const ms = b.op1('ReduceMean', [b.op1('Mul', [x, x])], { axes: axesOf(-1), keepdims: 1 }); // [..., 1]
  const inv = b.op1('Reciprocal', [b.op1('Sqrt', [b.op1('Add', [ms, scalarOf(b, eps, x.dtype, 'eps')])])]); // [..., 1]
  let y = b.op1('Mul', [x, inv]); // [..., H]
  if (weight) {
    const scale = options.unitOffset ? b.op1('Add', [weight, scalarOf(b, 1, weight.dtype)]) : weight; // [H]
    y = b.op1('Mul', [y, scale]);
  }
  return y;
}

/** GELU with erf: 0.5 x (1 + erf(x / sqrt 2)). */
export function gelu(b: GraphBuilder, x: Value): Value {
  const e = b.op1('Erf', [b.op1('Mul', [x, scalarOf(b, Math.SQRT1_2, x.dtype)])]);
  return b.op1('Mul', [b.op1('Mul', [x, scalarOf(b, 0.5, x.dtype)]), b.op1('Add', [e, scalarOf(b, 1, x.dtype)])]);
}

/** GELU, tanh approximation: 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))). */
export function geluTanh(b: GraphBuilder, x: Value): Value {
  const x3 = b.op1('Mul', [x, b.op1('Mul', [x, x])]);
  const inner = b.op1('Mul', [b.op1('Add', [x, b.op1('Mul', [x3, scalarOf(b, 0.044715, x.dtype)])]), scalarOf(b, Math.sqrt(2 / Math.PI), x.dtype)]);
  const t = b.op1('Tanh', [inner]);
  return b.op1('Mul', [b.op1('Mul', [x, scalarOf(b, 0.5, x.dtype)]), b.op1('Add', [t, scalarOf(b, 1, x.dtype)])]);
}

/** SiLU / swish: x * sigmoid(x). */
export function silu(b: GraphBuilder, x: Value): Value {
  return b.op1('Mul', [x, b.op1('Sigmoid', [x])]);
}

/** Activation functions by their Hugging Face config name (hidden_act); one table shared by every decoder. */
export const ACTIVATIONS: Record<string, (b: GraphBuilder, x: Value) => Value> = {
  silu,
  swish: silu,
  gelu,
  gelu_new: geluTanh,
  gelu_pytorch_tanh: geluTanh,
  gelu_fast: geluTanh,
  relu: (b, x) => b.op1('Relu', [x]),
};

/** sum(x * mask) / sum(mask) over all elements; x and mask broadcast-compatible, mask a float 0/1 tensor. */
export function maskedMean(b: GraphBuilder, x: Value, mask: Value | null): Value {
  if (!mask) return b.op1('ReduceMean', [x], { keepdims: 0 }); // []
  const num = b.op1('ReduceSum', [b.op1('Mul', [x, mask])], { keepdims: 0 }); // []
  const den = b.op1('ReduceSum', [b.op1('Expand', [mask, shapeOf(b, x)])], { keepdims: 0 }); // []
  return b.op1('Div', [num, b.op1('Max', [den, scalarOf(b, 1, x.dtype)])]); // []
}

export interface CrossEntropyOptions {
  /** Float 0/1 weights per position [...]; positions with 0 are ignored. */
  mask?: Value | null;
  /** Label value to ignore (e.g. -100); those positions are masked and their label replaced by 0. */
  ignoreIndex?: number;
  /** 'mean' over (unmasked) positions (default), 'sum', or 'none' (per-position NLL [...]). */
  reduction?: 'mean' | 'sum' | 'none';
}

/**
 * Softmax cross-entropy (negative log-likelihood of the labels): logits [..., V], labels int64 [...].
 * Gradient flows to the logits only.
 */
export function softmaxCrossEntropy(b: GraphBuilder, logits: Value, labels: Value, options: CrossEntropyOptions = {}): Value {
  const dt = logits.dtype;
  let mask = options.mask ?? null;
  let lab = labels;
  if (options.ignoreIndex !== undefined) {
    const keep = b.op1('Not', [b.op1('Equal', [labels, b.constInt64([options.ignoreIndex], 'ignore')])]); // [...] bool
    lab = b.op1('Where', [keep, labels, b.constInt64([0], 'zero')]);
    const km = b.op1('Cast', [keep], { to: ONNX_DTYPE[dt] });
    mask = mask ? b.op1('Mul', [mask, km]) : km;
  }
  const logp = b.op1('LogSoftmax', [logits], { axis: -1 }); // [..., V]
  const idx = b.op1('Unsqueeze', [lab, b.constInt64([-1], 'axes')]); // [..., 1]
  const picked = b.op1('GatherElements', [logp, idx], { axis: -1 }); // [..., 1]
  const nll = b.op1('Neg', [b.op1('Squeeze', [picked, b.constInt64([-1], 'axes')])]); // [...]
  return reduce(b, nll, mask, options.reduction ?? 'mean');
}

export interface KlOptions {
  mask?: Value | null;
  reduction?: 'mean' | 'sum' | 'none';
}

/**
 * KL(P || Q) over the last axis with P = softmax(pLogits), Q = softmax(qLogits): sum_v P (log P - log Q).
 * pLogits/qLogits [..., V] → reduced over positions. For a frozen reference, pass stopGradient(b, pLogits).
 */
export function klDivergence(b: GraphBuilder, pLogits: Value, qLogits: Value, options: KlOptions = {}): Value {
  const logp = b.op1('LogSoftmax', [pLogits], { axis: -1 }); // [..., V]
  const logq = b.op1('LogSoftmax', [qLogits], { axis: -1 }); // [..., V]
  const p = b.op1('Exp', [logp]); // [..., V]
  const kl = b.op1('ReduceSum', [b.op1('Mul', [p, b.op1('Sub', [logp, logq])]), b.constInt64([-1], 'axes')], { keepdims: 0 }); // [...]
  return reduce(b, kl, options.mask ?? null, options.reduction ?? 'mean');
}

function reduce(b: GraphBuilder, x: Value, mask: Value | null, how: 'mean' | 'sum' | 'none'): Value {
  if (how === 'none') return mask ? b.op1('Mul', [x, mask]) : x;
  if (how === 'sum') return b.op1('ReduceSum', [mask ? b.op1('Mul', [x, mask]) : x], { keepdims: 0 }); // []
  return maskedMean(b, x, mask);
}
