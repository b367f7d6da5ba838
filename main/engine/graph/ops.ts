// Op table: for each standard ONNX op the engine uses, its output dtype/shape rule (`infer`) and, side by side, its
// vector-Jacobian product (`vjp`, the reverse-mode rule) expressed with the same builder. Owned by the autodiff work.
//
// Semantics are those of the default ONNX domain at opset OPSET (17): ReduceSum/Unsqueeze/Squeeze/Split take their
// axes as an input tensor; ReduceMean/ReduceMax/ReduceMin/ReduceProd take `axes` as an attribute.
// Shape rules are static where they can be: numeric dims are exact, string dims are symbolic ('batch', 'seq').
// A vjp only emits standard ONNX ops, so the backward graph runs on plain onnxruntime (no training kernels).
import type { AttrValue, DType, Dim, Initializer, Node, TypedData, Value } from './ir';
import type { GraphBuilder } from './builder';

export interface InferredOut {
  dtype: DType;
  shape: Dim[] | null;
}

/** Looks up a value's constant data (inline initializers); undefined when the value is computed at run time. */
export type ConstLookup = (v: Value) => Initializer | undefined;
/**
 * Symbolic contents of a small integer tensor computed at run time (a shape vector such as
 * Concat(Shape(ids)[0:2], [4, 8]) = ['batch', 'seq', 4, 8]); null when unknown. See refineShapes().
 */
export type SymLookup = (v: Value) => Dim[] | null;

export interface OpDef {
  /** Output dtypes/shapes from input values and attributes (shape null when not statically known). */
  infer(inputs: (Value | null)[], attrs: Record<string, AttrValue>, nOut: number, constOf?: ConstLookup, symOf?: SymLookup): InferredOut[];
  /**
   * Reverse-mode rule: given the node's inputs, outputs and the gradients flowing into its outputs (null = zero),
   * emit nodes computing the gradient w.r.t. each input (null = no gradient / not differentiable).
   * `wants[i]` is false for inputs whose gradient nobody needs: rules skip emitting those nodes.
   * Every returned gradient has exactly the shape and dtype of its input.
   */
  vjp?(
    b: GraphBuilder,
    inputs: (Value | null)[],
    outputs: Value[],
    gradOutputs: (Value | null)[],
    attrs: Record<string, AttrValue>,
    wants: boolean[],
  ): (Value | null)[];
}

// ---------------------------------------------------------------------------------------------------------------
// dtype helpers

/** ONNX TensorProto.DataType codes for the dtypes the IR knows. */
export const ONNX_DTYPE: Record<DType, number> = {
  float32: 1,
  uint8: 2,
  int32: 6,
  int64: 7,
  bool: 9,
  float16: 10,
  float64: 11,
};
const DTYPE_OF_CODE = new Map<number, DType>(Object.entries(ONNX_DTYPE).map(([k, v]) => [v, k as DType]));

export function dtypeFromOnnx(code: number): DType {
  const d = DTYPE_OF_CODE.get(code);
  if (!d) throw new Error(`unsupported ONNX dtype code ${code}`);
  return d;
}

export function isFloat(d: DType): boolean {
  return d === 'float32' || d === 'float64' || d === 'float16';
}

function f32ToF16Bits(x: number): number {
  const f = new Float32Array(1);
  const u = new Uint32Array(f.buffer);
  f[0] = x;
  const bits = u[0];
  const sign = (bits >>> 16) & 0x8000;
  const exp = ((bits >>> 23) & 0xff) - 127 + 15;
  const mant = bits & 0x7fffff;
  if (((bits >>> 23) & 0xff) === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0);
  if (exp >= 0x1f) return sign | 0x7c00;
  if (exp <= 0) {
    if (exp < -10) return sign;
    const m = (mant | 0x800000) >> (1 - exp);
    return sign | ((m + 0x1000) >> 13);
  }
  return sign | (exp << 10) | ((mant + 0x1000) >> 13);
}

/** A typed array holding `values` in dtype d. */
export function typedOf(d: DType, values: number[]): TypedData {
  switch (d) {
    case 'float64':
      return Float64Array.from(values);
    case 'float32':
      return Float32Array.from(values);
    case 'float16':
      return Uint16Array.from(values.map(f32ToF16Bits));
    case 'int64':
      return BigInt64Array.from(values.map((v) => BigInt(Math.trunc(v))));
    case 'int32':
      return Int32Array.from(values);
    case 'bool':
    case 'uint8':
      return Uint8Array.from(values);
  }
}

/** A scalar constant of dtype d. */
export function scalarOf(b: GraphBuilder, value: number, dtype: DType, hint = 'c'): Value {
  return b.constant(typedOf(dtype, [value]), [], dtype, hint);
}

// ---------------------------------------------------------------------------------------------------------------
// attribute and constant helpers

export function attrInt(attrs: Record<string, AttrValue>, key: string, dflt: number): number {
  const a = attrs[key];
  if (!a) return dflt;
  if (a.kind === 'int' || a.kind === 'float') return a.value;
  throw new Error(`attribute ${key}: expected an int, got ${a.kind}`);
}
export function attrFloat(attrs: Record<string, AttrValue>, key: string, dflt: number): number {
  return attrInt(attrs, key, dflt);
}
export function attrInts(attrs: Record<string, AttrValue>, key: string): number[] | null {
  const a = attrs[key];
  if (!a) return null;
  if (a.kind === 'ints' || a.kind === 'floats') return a.value;
  if (a.kind === 'int') return [a.value];
  throw new Error(`attribute ${key}: expected ints, got ${a.kind}`);
}

/** Integer contents of an inline initializer, or null when not a known constant. */
export function constInts(v: Value | null | undefined, constOf?: ConstLookup): number[] | null {
  if (!v || !constOf) return null;
  const init = constOf(v);
  if (!init || 'external' in init.data) return null;
  const d = init.data;
  if (d instanceof BigInt64Array) return Array.from(d, (x) => Number(x));
  if (d instanceof Int32Array) return Array.from(d);
  return null;
}

/** Constant lookup over a builder's initializers (the same the builder gives infer). */
export function builderConsts(b: GraphBuilder): ConstLookup {
  return (v) => b.initializers.find((i) => i.name === v.name);
}

function normAxis(axis: number, rank: number): number {
  const a = axis < 0 ? axis + rank : axis;
  if (a < 0 || a >= rank) throw new Error(`axis ${axis} out of range for rank ${rank}`);
  return a;
}

const isNum = (d: Dim): d is number => typeof d === 'number';

/** Rank of a value whose shape a rule needs; a clear error when the shape is unknown. */
function rankOf(v: Value): number {
  if (!v.shape) throw new Error(`the shape of '${v.name}' is unknown (its rank is needed)`);
  return v.shape.length;
}
export const staticShape = (s: Dim[] | null): s is number[] => !!s && s.every(isNum);

/** A dim as a product of factors: 'batch*seq' → ['batch', 'seq']; numbers and other symbols are one factor. */
function factors(d: Dim): Dim[] {
  if (isNum(d)) return [d];
  if (/^[^()]+(\*[^()]+)+$/.test(d)) return d.split('*').map((f) => (/^\d+$/.test(f) ? Number(f) : f));
  return [d];
}

function dimProduct(dims: Dim[]): Dim {
  if (dims.every(isNum)) return dims.reduce((a, b) => a * b, 1);
  const num = dims.filter(isNum).reduce((a, b) => a * b, 1);
  const sym = dims.filter((d) => !isNum(d)) as string[];
  return [num === 1 ? null : String(num), ...sym].filter(Boolean).join('*');
}

/** numpy-style broadcast of shapes; null when a shape is unknown; throws on a static mismatch. */
export function broadcastShapes(...shapes: (Dim[] | null)[]): Dim[] | null {
  if (shapes.some((s) => s === null)) return null;
  const ss = shapes as Dim[][];
  const rank = Math.max(0, ...ss.map((s) => s.length));
  const out: Dim[] = [];
  for (let i = 0; i < rank; i++) {
    let d: Dim = 1;
    for (const s of ss) {
      const x = s[s.length - rank + i];
      if (x === undefined || x === 1) continue;
      if (d === 1) d = x;
      else if (d !== x) {
        if (isNum(d) && isNum(x)) throw new Error(`cannot broadcast shapes ${ss.map((t) => `[${t}]`).join(' and ')}`);
        if (isNum(x)) d = x; // a concrete size pins a symbolic one
      }
    }
    out.push(d);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------------------
// infer building blocks

const same = (i = 0): OpDef['infer'] => (inputs) => [{ dtype: inputs[i]!.dtype, shape: inputs[i]!.shape }];
const broadcastInfer =
  (outDtype?: DType): OpDef['infer'] =>
  (inputs) => [{ dtype: outDtype ?? inputs[0]!.dtype, shape: broadcastShapes(...inputs.filter((x): x is Value => !!x).map((x) => x.shape)) }];

function reduceShape(shape: Dim[] | null, axes: number[] | null, keepdims: boolean, noopEmpty = false): Dim[] | null {
  if (!shape) return !keepdims && !noopEmpty && (axes === null || axes.length === 0) ? [] : null;
  if (axes === null || axes.length === 0) {
    if (noopEmpty) return shape;
    return keepdims ? shape.map(() => 1) : [];
  }
  const ax = new Set(axes.map((a) => normAxis(a, shape.length)));
  const out: Dim[] = [];
  shape.forEach((d, i) => {
    if (!ax.has(i)) out.push(d);
    else if (keepdims) out.push(1);
  });
  return out;
}

/** Contents of a shape-like integer tensor: constant data, else its symbolic contents. */
function dimsOf(v: Value | null | undefined, constOf?: ConstLookup, symOf?: SymLookup): Dim[] | null {
  if (!v) return null;
  return constInts(v, constOf) ?? symOf?.(v) ?? null;
}

function reshapeInfer(x: Dim[] | null, target: Dim[] | null, allowzero: boolean): Dim[] | null {
  if (!target) return null;
  const out: (Dim | null)[] = target.map((t, i) => (t === 0 && !allowzero ? (x ? (x[i] ?? null) : null) : t === -1 ? null : t));
  const minus = target.indexOf(-1);
  if (out.some((d, i) => d === null && i !== minus)) return null;
  if (minus < 0) return out as Dim[];
  if (!x) return null;
  // resolve -1: cancel the input's factors (a symbolic 'batch*seq' counts as 'batch' and 'seq') against the
  // known output dims
  const rest: Dim[] = x.flatMap(factors);
  let known = 1;
  for (let i = 0; i < out.length; i++) {
    if (i === minus) continue;
    for (const f of factors(out[i]!)) {
      if (isNum(f)) known *= f;
      else {
        const j = rest.indexOf(f);
        if (j < 0) return null;
        rest.splice(j, 1);
      }
    }
  }
  const restNum = rest.filter(isNum).reduce((a, b) => a * b, 1);
  const restSym = rest.filter((d) => !isNum(d));
  if (restNum % known !== 0) {
    if (restSym.length === 0) throw new Error(`Reshape: cannot reshape [${x}] to [${target}]`);
    return null;
  }
  out[minus] = dimProduct([restNum / known, ...restSym]);
  return out as Dim[];
}

function sliceDim(d: Dim, start: number, end: number, step: number): Dim {
  const BIG = 2 ** 62;
  if (isNum(d)) {
    const clamp = (v: number, lo: number, hi: number) => Math.min(Math.max(v, lo), hi);
    let s = start < 0 ? start + d : start;
    let e = end < 0 ? end + d : end;
    if (step > 0) {
      s = clamp(s, 0, d);
      e = clamp(e, 0, d);
      return Math.max(0, Math.ceil((e - s) / step));
    }
    s = clamp(s, -1, d - 1);
    e = clamp(e, -1, d - 1);
    return Math.max(0, Math.ceil((e - s) / step));
  }
  if (step === 1 && start === 0 && end >= BIG / 4) return d;
  if (step === 1 && start >= 0 && end < 0) return start === 0 ? `${d}-${-end}` : `${d}-${start - end}`;
  if (step === 1 && start < 0 && end >= BIG / 4) return -start;
  if (step === 1 && start >= 0 && end >= 0 && end < BIG / 4) return end - start; // assumes d >= end
  return `${d}[${start}:${end}:${step}]`;
}

interface SliceSpec {
  starts: number[];
  ends: number[];
  axes: number[];
  steps: number[];
}
function sliceSpec(inputs: (Value | null)[], constOf?: ConstLookup): SliceSpec | null {
  const x = inputs[0]!;
  const starts = constInts(inputs[1], constOf);
  const ends = constInts(inputs[2], constOf);
  if (!starts || !ends || !x.shape) return null;
  const axes = inputs[3] ? constInts(inputs[3], constOf) : starts.map((_, i) => i);
  const steps = inputs[4] ? constInts(inputs[4], constOf) : starts.map(() => 1);
  if (!axes || !steps) return null;
  return { starts, ends, axes: axes.map((a) => normAxis(a, x.shape!.length)), steps };
}

// ---------------------------------------------------------------------------------------------------------------
// vjp building blocks (all emit standard ops through the builder)

const op1 = (b: GraphBuilder, op: string, ins: (Value | null)[], attrs: Record<string, AttrValue | number | number[] | string> = {}) =>
  b.op1(op, ins, attrs);

/** Shape of x as an int64 tensor: a constant when x's shape is static, else Shape(x). */
export function shapeOf(b: GraphBuilder, x: Value): Value {
  return staticShape(x.shape) ? b.constInt64(x.shape, 'shape') : op1(b, 'Shape', [x]);
}

/**
 * Sums a gradient g (shaped like `from`, the broadcast output) back to the shape of x (an operand that was
 * broadcast). Reduction axes come from the static shapes: leading extra axes, and axes where x has size 1 but the
 * output does not. A symbolic dim of x against a different dim of the output is ambiguous and rejected.
 */
export function sumToShape(b: GraphBuilder, g: Value, from: Dim[] | null, x: Value): Value {
  if (!from || !x.shape) throw new Error(`autodiff: cannot un-broadcast the gradient of '${x.name}': shape unknown`);
  const xs = x.shape;
  const lead = from.length - xs.length;
  if (lead < 0) throw new Error(`autodiff: gradient of '${x.name}' has lower rank than the value`);
  const axes: number[] = [];
  for (let i = 0; i < lead; i++) axes.push(i);
  for (let i = 0; i < xs.length; i++) {
    const xd = xs[i];
    const od = from[lead + i];
    if (xd === od) continue;
    if (xd === 1) axes.push(lead + i);
    else if (!isNum(xd) && !isNum(od))
      throw new Error(`autodiff: cannot tell whether '${x.name}' dim ${i} ('${xd}') is broadcast against '${od}'`);
    // xd symbolic vs od numeric (or numeric vs symbolic): the sizes must agree at run time, no reduction
  }
  if (axes.length === 0) return g;
  const r = op1(b, 'ReduceSum', [g, b.constInt64(axes, 'axes')], { keepdims: 1 }); // [.., 1 at axes, ..]
  return lead > 0 ? op1(b, 'Reshape', [r, shapeOf(b, x)]) : r;
}

/** Broadcasts g (the gradient of a keepdims=0/1 reduction over `axes` of x) back to x's shape. */
function unreduce(b: GraphBuilder, g: Value, x: Value, axes: number[] | null, keepdims: boolean): Value {
  const all = axes === null || axes.length === 0;
  let gk = g;
  // a keepdims result, or a full reduction to a scalar, broadcasts back directly
  if (!keepdims && !all) {
    let ax = axes;
    if (ax.some((a) => a < 0)) {
      if (!x.shape) throw new Error(`autodiff: rank of '${x.name}' unknown for negative reduction axes`);
      ax = ax.map((a) => normAxis(a, x.shape!.length));
    }
    gk = op1(b, 'Unsqueeze', [g, b.constInt64([...ax].sort((p, q) => p - q), 'axes')]);
  }
  return op1(b, 'Expand', [gk, shapeOf(b, x)]); // [x.shape]
}

function mul(b: GraphBuilder, x: Value, y: Value) {
  return op1(b, 'Mul', [x, y]);
}

/** Swaps the last two axes. */
function transposeLast2(b: GraphBuilder, x: Value): Value {
  const r = x.shape!.length;
  const perm = [...Array(r).keys()];
  [perm[r - 2], perm[r - 1]] = [perm[r - 1], perm[r - 2]];
  return op1(b, 'Transpose', [x], { perm });
}

/** Elementwise unary rule: grad = g * f'(x, y) where d(x, y) builds f'. */
const unary =
  (deriv: (b: GraphBuilder, x: Value, y: Value) => Value): OpDef['vjp'] =>
  (b, inputs, outputs, gout) => {
    const g = gout[0];
    if (!g) return [null];
    return [mul(b, g, deriv(b, inputs[0]!, outputs[0]))];
  };

/** Binary broadcasting rule from per-operand partial gradients (already multiplied by g). */
const binary =
  (parts: (b: GraphBuilder, g: Value, x: Value, y: Value, out: Value, wants: boolean[]) => (Value | null)[]): OpDef['vjp'] =>
  (b, inputs, outputs, gout, _attrs, wants) => {
    const g = gout[0];
    if (inputs.length !== 2) throw new Error(`autodiff: binary rule needs exactly 2 inputs, got ${inputs.length}`);
    if (!g) return [null, null];
    const [x, y] = [inputs[0]!, inputs[1]!];
    const raw = parts(b, g, x, y, outputs[0], wants);
    return raw.map((r, i) => (r && wants[i] ? sumToShape(b, r, outputs[0].shape, inputs[i]!) : null));
  };

const noGrad: OpDef['vjp'] = (_b, inputs) => inputs.map(() => null);

// ---------------------------------------------------------------------------------------------------------------
// The table

const reduceAttrOp = (vjp?: OpDef['vjp']): OpDef => ({
  infer: (inputs, attrs) => [
    { dtype: inputs[0]!.dtype, shape: reduceShape(inputs[0]!.shape, attrInts(attrs, 'axes'), attrInt(attrs, 'keepdims', 1) === 1) },
  ],
  vjp,
});

/** ReduceMax / ReduceMin: the gradient goes to the extremal elements, split evenly between ties. */
const extremumVjp: OpDef['vjp'] = (b, inputs, outputs, gout, attrs) => {
  const g = gout[0];
  if (!g) return [null];
  const x = inputs[0]!;
  const axes = attrInts(attrs, 'axes');
  const keep = attrInt(attrs, 'keepdims', 1) === 1;
  const yb = unreduce(b, outputs[0], x, axes, keep); // [x.shape]
  const mask = op1(b, 'Cast', [op1(b, 'Equal', [x, yb])], { to: ONNX_DTYPE[x.dtype] }); // [x.shape] 1 at maxima
  const count = op1(b, 'ReduceSum', axes ? [mask, b.constInt64(axes, 'axes')] : [mask], { keepdims: 1 });
  const share = op1(b, 'Div', [mask, count]); // [x.shape]
  return [mul(b, unreduce(b, g, x, axes, keep), share)];
};

export const OPS: Record<string, OpDef> = {
  Identity: { infer: same(), vjp: (_b, _i, _o, gout) => [gout[0]] },

  // ---- elementwise binary (numpy broadcasting)
  Add: {
    infer: broadcastInfer(),
    vjp: binary((_b, g) => [g, g]),
  },
  Sub: {
    infer: broadcastInfer(),
    vjp: binary((b, g, _x, _y, _o, w) => [g, w[1] ? op1(b, 'Neg', [g]) : null]),
  },
  Mul: {
    infer: broadcastInfer(),
    vjp: binary((b, g, x, y, _o, w) => [w[0] ? mul(b, g, y) : null, w[1] ? mul(b, g, x) : null]),
  },
  Div: {
    infer: broadcastInfer(),
    // d(x/y)/dx = 1/y ; d(x/y)/dy = -(x/y)/y
    vjp: binary((b, g, _x, y, out, w) => {
      const gx = op1(b, 'Div', [g, y]);
      return [w[0] ? gx : null, w[1] ? op1(b, 'Neg', [mul(b, gx, out)]) : null];
    }),
  },
  Pow: {
    infer: (inputs) => [{ dtype: inputs[0]!.dtype, shape: broadcastShapes(inputs[0]!.shape, inputs[1]!.shape) }],
    // d(x^p)/dx = p x^(p-1) ; d(x^p)/dp = x^p ln x
    vjp: binary((b, g, x, p, out, w) => {
      let gx: Value | null = null;
      if (w[0]) {
        const pd = p.dtype === x.dtype ? p : op1(b, 'Cast', [p], { to: ONNX_DTYPE[x.dtype] });
        const pm1 = op1(b, 'Sub', [pd, scalarOf(b, 1, x.dtype)]);
        gx = mul(b, g, mul(b, pd, op1(b, 'Pow', [x, pm1])));
      }
      let gp: Value | null = null;
      if (w[1]) gp = mul(b, g, mul(b, out, op1(b, 'Log', [x])));
      if (gp && p.dtype !== x.dtype) gp = op1(b, 'Cast', [gp], { to: ONNX_DTYPE[p.dtype] });
      return [gx, gp];
    }),
  },
  Max: {
    infer: broadcastInfer(),
    // two-input form: the gradient goes to the larger operand (to x on ties)
    vjp: binary((b, g, x, y, _o, w) => {
      const m = op1(b, 'Cast', [op1(b, 'GreaterOrEqual', [x, y])], { to: ONNX_DTYPE[x.dtype] });
      const gx = mul(b, g, m);
      return [w[0] ? gx : null, w[1] ? op1(b, 'Sub', [g, gx]) : null];
    }),
  },
  Min: {
    infer: broadcastInfer(),
    vjp: binary((b, g, x, y, _o, w) => {
      const m = op1(b, 'Cast', [op1(b, 'LessOrEqual', [x, y])], { to: ONNX_DTYPE[x.dtype] });
      const gx = mul(b, g, m);
      return [w[0] ? gx : null, w[1] ? op1(b, 'Sub', [g, gx]) : null];
    }),
  },

  // ---- comparisons / logic (no gradient)
  Equal: { infer: broadcastInfer('bool'), vjp: noGrad },
  Less: { infer: broadcastInfer('bool'), vjp: noGrad },
  LessOrEqual: { infer: broadcastInfer('bool'), vjp: noGrad },
  Greater: { infer: broadcastInfer('bool'), vjp: noGrad },
  GreaterOrEqual: { infer: broadcastInfer('bool'), vjp: noGrad },
  And: { infer: broadcastInfer('bool'), vjp: noGrad },
  Or: { infer: broadcastInfer('bool'), vjp: noGrad },
  Not: { infer: same(), vjp: noGrad },
  IsNaN: { infer: (i) => [{ dtype: 'bool', shape: i[0]!.shape }], vjp: noGrad },

  // ---- elementwise unary
  Neg: { infer: same(), vjp: (b, _i, _o, gout) => [gout[0] ? op1(b, 'Neg', [gout[0]]) : null] },
  Sqrt: { infer: same(), vjp: unary((b, _x, y) => op1(b, 'Div', [scalarOf(b, 0.5, y.dtype), y])) },
  Reciprocal: { infer: same(), vjp: unary((b, _x, y) => op1(b, 'Neg', [mul(b, y, y)])) },
  Exp: { infer: same(), vjp: unary((_b, _x, y) => y) },
  Log: { infer: same(), vjp: unary((b, x) => op1(b, 'Reciprocal', [x])) },
  Sigmoid: { infer: same(), vjp: unary((b, _x, y) => mul(b, y, op1(b, 'Sub', [scalarOf(b, 1, y.dtype), y]))) },
  Tanh: { infer: same(), vjp: unary((b, _x, y) => op1(b, 'Sub', [scalarOf(b, 1, y.dtype), mul(b, y, y)])) },
  Erf: {
    infer: same(),
    // d erf(x)/dx = 2/sqrt(pi) exp(-x^2)
    vjp: unary((b, x) => mul(b, scalarOf(b, 2 / Math.sqrt(Math.PI), x.dtype), op1(b, 'Exp', [op1(b, 'Neg', [mul(b, x, x)])]))),
  },
  Abs: { infer: same(), vjp: unary((b, x) => op1(b, 'Sign', [x])) },
  Sign: { infer: same(), vjp: noGrad },
  Relu: {
    infer: same(),
    vjp: unary((b, x) => op1(b, 'Cast', [op1(b, 'Greater', [x, scalarOf(b, 0, x.dtype)])], { to: ONNX_DTYPE[x.dtype] })),
  },
  Sin: { infer: same(), vjp: unary((b, x) => op1(b, 'Cos', [x])) },
  Cos: { infer: same(), vjp: unary((b, x) => op1(b, 'Neg', [op1(b, 'Sin', [x])])) },
  Floor: { infer: same(), vjp: noGrad },
  Ceil: { infer: same(), vjp: noGrad },
  Round: { infer: same(), vjp: noGrad },

  // ---- softmax family (opset 13: one axis, default -1)
  Softmax: {
    infer: same(),
    // dx = y * (g - sum(g * y, axis))
    vjp: (b, _inputs, outputs, gout, attrs) => {
      const g = gout[0];
      if (!g) return [null];
      const y = outputs[0];
      const axis = attrInt(attrs, 'axis', -1);
      const s = op1(b, 'ReduceSum', [mul(b, g, y), b.constInt64([axis], 'axes')], { keepdims: 1 });
      return [mul(b, y, op1(b, 'Sub', [g, s]))];
    },
  },
  LogSoftmax: {
    infer: same(),
    // dx = g - softmax(x) * sum(g, axis)
    vjp: (b, _inputs, outputs, gout, attrs) => {
      const g = gout[0];
      if (!g) return [null];
      const axis = attrInt(attrs, 'axis', -1);
      const s = op1(b, 'ReduceSum', [g, b.constInt64([axis], 'axes')], { keepdims: 1 });
      return [op1(b, 'Sub', [g, mul(b, op1(b, 'Exp', [outputs[0]]), s)])];
    },
  },

  // ---- matrix products
  MatMul: {
    infer: (inputs) => {
      const [a, c] = [inputs[0]!, inputs[1]!];
      if (!a.shape || !c.shape) return [{ dtype: a.dtype, shape: null }];
      const as = a.shape.length === 1 ? [1, a.shape[0]] : a.shape;
      const cs = c.shape.length === 1 ? [c.shape[0], 1] : c.shape;
      const batch = broadcastShapes(as.slice(0, -2), cs.slice(0, -2))!;
      const out: Dim[] = [...batch];
      if (a.shape.length > 1) out.push(as[as.length - 2]);
      if (c.shape.length > 1) out.push(cs[cs.length - 1]);
      const ka = as[as.length - 1];
      const kc = cs[cs.length - 2];
      if (isNum(ka) && isNum(kc) && ka !== kc) throw new Error(`MatMul: inner dims differ ([${a.shape}] x [${c.shape}])`);
      return [{ dtype: a.dtype, shape: out }];
    },
    // dA = g B^T, dB = A^T g (batch dims summed back to each operand's shape)
    vjp: (b, inputs, outputs, gout, _attrs, wants) => {
      let g = gout[0];
      if (!g) return [null, null];
      let [A, B] = [inputs[0]!, inputs[1]!];
      if (!A.shape || !B.shape || !outputs[0].shape) throw new Error('autodiff: MatMul needs known ranks');
      const a1 = A.shape.length === 1;
      const b1 = B.shape.length === 1;
      let gShape: Dim[] = outputs[0].shape;
      // promote 1-D operands to matrices (and the gradient with them)
      if (a1) {
        A = op1(b, 'Unsqueeze', [A, b.constInt64([0], 'axes')]); // [1, K]
        g = op1(b, 'Unsqueeze', [g, b.constInt64([-1 - (b1 ? 0 : 1)], 'axes')]);
        gShape = [...gShape.slice(0, gShape.length - (b1 ? 0 : 1)), 1, ...gShape.slice(gShape.length - (b1 ? 0 : 1))];
      }
      if (b1) {
        B = op1(b, 'Unsqueeze', [B, b.constInt64([1], 'axes')]); // [K, 1]
        g = op1(b, 'Unsqueeze', [g, b.constInt64([-1], 'axes')]);
        gShape = [...gShape, 1];
      }
      const res: (Value | null)[] = [null, null];
      if (wants[0]) {
        const ga = op1(b, 'MatMul', [g, transposeLast2(b, B)]); // [batch.., M, K]
        const aShape = [...gShape.slice(0, -1), A.shape![rankOf(A) - 1]];
        let r = sumToShape(b, ga, aShape, A);
        if (a1) r = op1(b, 'Reshape', [r, shapeOf(b, inputs[0]!)]);
        res[0] = r;
      }
      if (wants[1]) {
        const gb = op1(b, 'MatMul', [transposeLast2(b, A), g]); // [batch.., K, N]
        const bShape = [...gShape.slice(0, -2), B.shape![rankOf(B) - 2], gShape[gShape.length - 1]];
        let r = sumToShape(b, gb, bShape, B);
        if (b1) r = op1(b, 'Reshape', [r, shapeOf(b, inputs[1]!)]);
        res[1] = r;
      }
      return res;
    },
  },
  Gemm: {
    infer: (inputs, attrs) => {
      const [a, c] = [inputs[0]!, inputs[1]!];
      if (!a.shape || !c.shape) return [{ dtype: a.dtype, shape: null }];
      const m = attrInt(attrs, 'transA', 0) ? a.shape[1] : a.shape[0];
      const n = attrInt(attrs, 'transB', 0) ? c.shape[0] : c.shape[1];
      return [{ dtype: a.dtype, shape: [m, n] }];
    },
    // Y = alpha op(A) op(B) + beta C
    vjp: (b, inputs, outputs, gout, attrs, wants) => {
      const g = gout[0];
      if (!g) return [null, null, null];
      const [A, B, C] = inputs;
      const alpha = attrFloat(attrs, 'alpha', 1);
      const beta = attrFloat(attrs, 'beta', 1);
      const tA = attrInt(attrs, 'transA', 0) === 1;
      const tB = attrInt(attrs, 'transB', 0) === 1;
      const ga0 = alpha === 1 ? g : mul(b, g, scalarOf(b, alpha, g.dtype));
      const res: (Value | null)[] = [null, null, null];
      // d op(A) = ga0 op(B)^T ; d op(B) = op(A)^T ga0 (Gemm's own trans flags express the transposes)
      if (wants[0]) res[0] = tA ? op1(b, 'Gemm', [B!, ga0], { transA: tB ? 1 : 0, transB: 1 }) : op1(b, 'Gemm', [ga0, B!], { transB: tB ? 0 : 1 });
      if (wants[1]) res[1] = tB ? op1(b, 'Gemm', [ga0, A!], { transA: 1, transB: tA ? 1 : 0 }) : op1(b, 'Gemm', [A!, ga0], { transA: tA ? 0 : 1 });
      if (C && wants[2]) {
        const gc = beta === 1 ? g : mul(b, g, scalarOf(b, beta, g.dtype));
        res[2] = sumToShape(b, gc, outputs[0].shape, C);
      }
      return res;
    },
  },

  // ---- reductions
  ReduceSum: {
    infer: (inputs, attrs, _n, constOf) => {
      const axes = inputs[1] ? constInts(inputs[1], constOf) : [];
      if (!axes) return [{ dtype: inputs[0]!.dtype, shape: null }];
      return [{ dtype: inputs[0]!.dtype, shape: reduceShape(inputs[0]!.shape, axes, attrInt(attrs, 'keepdims', 1) === 1, attrInt(attrs, 'noop_with_empty_axes', 0) === 1) }];
    },
    vjp: (b, inputs, _outputs, gout, attrs) => {
      const g = gout[0];
      if (!g) return [null, null];
      const x = inputs[0]!;
      const axes = inputs[1] ? constInts(inputs[1], builderConsts(b)) : [];
      if (!axes) throw new Error('autodiff: ReduceSum axes must be a constant');
      if (axes.length === 0 && attrInt(attrs, 'noop_with_empty_axes', 0) === 1) return [g, null];
      return [unreduce(b, g, x, axes, attrInt(attrs, 'keepdims', 1) === 1), null];
    },
  },
  ReduceMean: reduceAttrOp((b, inputs, outputs, gout, attrs) => {
    const g = gout[0];
    if (!g) return [null];
    const x = inputs[0]!;
    const gx = unreduce(b, g, x, attrInts(attrs, 'axes'), attrInt(attrs, 'keepdims', 1) === 1);
    // count = |x| / |y|
    let count: Value;
    if (staticShape(x.shape) && staticShape(outputs[0].shape)) {
      const n = x.shape.reduce((p, q) => p * q, 1) / outputs[0].shape.reduce((p, q) => p * q, 1);
      count = scalarOf(b, n, x.dtype);
    } else {
      const to = { to: ONNX_DTYPE[x.dtype] };
      count = op1(b, 'Div', [op1(b, 'Cast', [op1(b, 'Size', [x])], to), op1(b, 'Cast', [op1(b, 'Size', [outputs[0]])], to)]);
    }
    return [op1(b, 'Div', [gx, count])];
  }),
  ReduceMax: reduceAttrOp(extremumVjp),
  ReduceMin: reduceAttrOp(extremumVjp),
  ReduceProd: reduceAttrOp(),
  ArgMax: {
    infer: (inputs, attrs) => [{ dtype: 'int64', shape: reduceShape(inputs[0]!.shape, [attrInt(attrs, 'axis', 0)], attrInt(attrs, 'keepdims', 1) === 1) }],
    vjp: noGrad,
  },

  // ---- shape manipulation
  Transpose: {
    infer: (inputs, attrs) => {
      const s = inputs[0]!.shape;
      if (!s) return [{ dtype: inputs[0]!.dtype, shape: null }];
      const perm = attrInts(attrs, 'perm') ?? [...s.keys()].reverse();
      return [{ dtype: inputs[0]!.dtype, shape: perm.map((p) => s[p]) }];
    },
    vjp: (b, inputs, _o, gout, attrs) => {
      const g = gout[0];
      if (!g) return [null];
      const perm = attrInts(attrs, 'perm') ?? [...Array(rankOf(inputs[0]!)).keys()].reverse();
      const r = perm.length;
      const inv = new Array<number>(r);
      perm.forEach((p, i) => (inv[p] = i));
      return [op1(b, 'Transpose', [g], { perm: inv })];
    },
  },
  Reshape: {
    infer: (inputs, attrs, _n, constOf, symOf) => [
      { dtype: inputs[0]!.dtype, shape: reshapeInfer(inputs[0]!.shape, dimsOf(inputs[1], constOf, symOf), attrInt(attrs, 'allowzero', 0) === 1) },
    ],
    vjp: (b, inputs, _o, gout) => [gout[0] ? op1(b, 'Reshape', [gout[0], shapeOf(b, inputs[0]!)]) : null, null],
  },
  Flatten: {
    infer: (inputs, attrs) => {
      const s = inputs[0]!.shape;
      if (!s) return [{ dtype: inputs[0]!.dtype, shape: null }];
      const axis = attrInt(attrs, 'axis', 1);
      const a = axis < 0 ? axis + s.length : axis;
      return [{ dtype: inputs[0]!.dtype, shape: [dimProduct(s.slice(0, a)), dimProduct(s.slice(a))] }];
    },
    vjp: (b, inputs, _o, gout) => [gout[0] ? op1(b, 'Reshape', [gout[0], shapeOf(b, inputs[0]!)]) : null],
  },
  Unsqueeze: {
    infer: (inputs, _attrs, _n, constOf) => {
      const s = inputs[0]!.shape;
      const axes = constInts(inputs[1], constOf);
      if (!s || !axes) return [{ dtype: inputs[0]!.dtype, shape: null }];
      const r = s.length + axes.length;
      const ax = new Set(axes.map((a) => normAxis(a, r)));
      const out: Dim[] = [];
      let j = 0;
      for (let i = 0; i < r; i++) out.push(ax.has(i) ? 1 : s[j++]);
      return [{ dtype: inputs[0]!.dtype, shape: out }];
    },
    vjp: (b, inputs, _o, gout) => [gout[0] ? op1(b, 'Reshape', [gout[0], shapeOf(b, inputs[0]!)]) : null, null],
  },
  Squeeze: {
    infer: (inputs, _attrs, _n, constOf) => {
      const s = inputs[0]!.shape;
      const axes = inputs[1] ? constInts(inputs[1], constOf) : null;
      if (!s || (inputs[1] && !axes)) return [{ dtype: inputs[0]!.dtype, shape: null }];
      if (!axes) {
        if (s.some((d) => !isNum(d))) return [{ dtype: inputs[0]!.dtype, shape: null }];
        return [{ dtype: inputs[0]!.dtype, shape: s.filter((d) => d !== 1) }];
      }
      const ax = new Set(axes.map((a) => normAxis(a, s.length)));
      return [{ dtype: inputs[0]!.dtype, shape: s.filter((_, i) => !ax.has(i)) }];
    },
    vjp: (b, inputs, _o, gout) => [gout[0] ? op1(b, 'Reshape', [gout[0], shapeOf(b, inputs[0]!)]) : null, null],
  },
  Expand: {
    infer: (inputs, _attrs, _n, constOf, symOf) => {
      const target = dimsOf(inputs[1], constOf, symOf);
      return [{ dtype: inputs[0]!.dtype, shape: target ? broadcastShapes(inputs[0]!.shape, target) : null }];
    },
    vjp: (b, inputs, outputs, gout) => [gout[0] ? sumToShape(b, gout[0], outputs[0].shape, inputs[0]!) : null, null],
  },
  Slice: {
    infer: (inputs, _attrs, _n, constOf) => {
      const x = inputs[0]!;
      const spec = sliceSpec(inputs, constOf);
      if (!spec) return [{ dtype: x.dtype, shape: null }];
      const out = [...x.shape!];
      spec.axes.forEach((a, i) => (out[a] = sliceDim(out[a], spec.starts[i], spec.ends[i], spec.steps[i])));
      return [{ dtype: x.dtype, shape: out }];
    },
    // Pad the gradient back with zeros (unit steps; begin/end offsets must be static)
    vjp: (b, inputs, _outputs, gout) => {
      const g = gout[0];
      if (!g) return inputs.map(() => null);
      const x = inputs[0]!;
      const spec = sliceSpec(inputs, builderConsts(b));
      if (!spec) throw new Error('autodiff: Slice starts/ends/axes/steps must be constants');
      const r = rankOf(x);
      const pads = new Array<number>(2 * r).fill(0);
      spec.axes.forEach((a, i) => {
        if (spec.steps[i] !== 1) throw new Error('autodiff: Slice gradient supports unit steps only');
        const d = x.shape![a];
        const { starts, ends } = spec;
        let s = starts[i];
        let e = ends[i];
        if (isNum(d)) {
          s = Math.min(Math.max(s < 0 ? s + d : s, 0), d);
          e = Math.min(Math.max(e < 0 ? e + d : e, 0), d);
          pads[a] = s;
          pads[r + a] = d - Math.max(e, s);
        } else {
          // symbolic dim: static pads only for a non-negative start and an end relative to the end (or open)
          if (s < 0 || (e >= 0 && e < 2 ** 60)) throw new Error(`autodiff: Slice gradient on symbolic dim '${d}' needs start >= 0 and a negative or open end`);
          pads[a] = s;
          pads[r + a] = e < 0 ? -e : 0;
        }
      });
      return [op1(b, 'Pad', [g, b.constInt64(pads, 'pads')], { mode: 'constant' }), ...inputs.slice(1).map(() => null)];
    },
  },
  Concat: {
    infer: (inputs, attrs) => {
      const xs = inputs.filter((x): x is Value => !!x);
      if (xs.some((x) => !x.shape)) return [{ dtype: xs[0].dtype, shape: null }];
      const r = xs[0].shape!.length;
      const axis = normAxis(attrInt(attrs, 'axis', 0), r);
      const out = [...xs[0].shape!];
      const along = xs.map((x) => x.shape![axis]);
      out[axis] = along.every(isNum) ? along.reduce((p, q) => p + q, 0) : along.join('+');
      for (let i = 0; i < r; i++) if (i !== axis) out[i] = broadcastShapes(...xs.map((x) => [x.shape![i]]))![0];
      return [{ dtype: xs[0].dtype, shape: out }];
    },
    // Split the gradient into the pieces' sizes along the axis
    vjp: (b, inputs, _outputs, gout, attrs, wants) => {
      const g = gout[0];
      if (!g) return inputs.map(() => null);
      const xs = inputs as Value[];
      const ax0 = attrInt(attrs, 'axis', 0);
      const axis = ax0 >= 0 ? ax0 : normAxis(ax0, rankOf(xs[0]));
      const sizes = xs.map((x) => (x.shape ? x.shape[axis] : null));
      const split = sizes.every((d) => d !== null && isNum(d))
        ? b.constInt64(sizes as number[], 'split')
        : op1(b, 'Concat', xs.map((x) => op1(b, 'Shape', [x], { start: axis, end: axis + 1 })), { axis: 0 });
      const parts = b.op('Split', [g, split], { axis }, xs.length);
      return parts.map((p, i) => (wants[i] ? p : null));
    },
  },
  Split: {
    infer: (inputs, attrs, nOut, constOf) => {
      const x = inputs[0]!;
      const axis = attrInt(attrs, 'axis', 0);
      const sizes = inputs[1] ? constInts(inputs[1], constOf) : null;
      return Array.from({ length: nOut }, (_, i) => {
        if (!x.shape) return { dtype: x.dtype, shape: null };
        const a = normAxis(axis, x.shape.length);
        const d = x.shape[a];
        const out = [...x.shape];
        if (sizes) out[a] = sizes[i];
        else if (isNum(d)) out[a] = Math.ceil(d / nOut);
        else return { dtype: x.dtype, shape: null };
        return { dtype: x.dtype, shape: out };
      });
    },
    vjp: (b, inputs, outputs, gout, attrs) => {
      if (gout.every((g) => !g)) return inputs.map(() => null);
      const filled = gout.map((g, i) => g ?? zerosLike(b, outputs[i]));
      return [op1(b, 'Concat', filled, { axis: attrInt(attrs, 'axis', 0) }), ...inputs.slice(1).map(() => null)];
    },
  },
  Gather: {
    infer: (inputs, attrs) => {
      const [x, idx] = [inputs[0]!, inputs[1]!];
      if (!x.shape || !idx.shape) return [{ dtype: x.dtype, shape: null }];
      const a = normAxis(attrInt(attrs, 'axis', 0), x.shape.length);
      return [{ dtype: x.dtype, shape: [...x.shape.slice(0, a), ...idx.shape, ...x.shape.slice(a + 1)] }];
    },
    // scatter-add the gradient rows back: ScatterND(zeros, indices[..., None], g, reduction='add') with the gathered
    // axis moved to the front (indices must be non-negative)
    vjp: (b, inputs, _outputs, gout, attrs) => {
      const g = gout[0];
      if (!g) return [null, null];
      const [x, idx] = [inputs[0]!, inputs[1]!];
      const r = rankOf(x);
      const q = rankOf(idx);
      const a = normAxis(attrInt(attrs, 'axis', 0), r);
      // g: [x[:a], idx.., x[a+1:]] -> [idx.., x[:a], x[a+1:]]
      const permG = [...Array(q).keys()].map((i) => a + i).concat([...Array(a).keys()], [...Array(r - 1 - a).keys()].map((i) => a + q + i));
      const gT = a === 0 ? g : op1(b, 'Transpose', [g], { perm: permG });
      // zeros: [x[a], x[:a], x[a+1:]]
      const permX = [a, ...[...Array(r).keys()].filter((i) => i !== a)];
      const xT = a === 0 ? x : op1(b, 'Transpose', [x], { perm: permX });
      const zeros = zerosLike(b, xT);
      const ind = op1(b, 'Unsqueeze', [idx.dtype === 'int64' ? idx : op1(b, 'Cast', [idx], { to: ONNX_DTYPE.int64 }), b.constInt64([-1], 'axes')]); // [idx.., 1]
      const sc = op1(b, 'ScatterND', [zeros, ind, gT], { reduction: 'add' }); // [x[a], x[:a], x[a+1:]]
      if (a === 0) return [sc, null];
      const inv = new Array<number>(r);
      permX.forEach((p, i) => (inv[p] = i));
      return [op1(b, 'Transpose', [sc], { perm: inv }), null];
    },
  },
  GatherElements: {
    infer: (inputs) => [{ dtype: inputs[0]!.dtype, shape: inputs[1]!.shape }],
    vjp: (b, inputs, _o, gout, attrs) => {
      const g = gout[0];
      if (!g) return [null, null];
      const zeros = zerosLike(b, inputs[0]!);
      return [op1(b, 'ScatterElements', [zeros, inputs[1]!, g], { axis: attrInt(attrs, 'axis', 0), reduction: 'add' }), null];
    },
  },
  ScatterND: { infer: same() },
  ScatterElements: { infer: same() },
  Pad: {
    infer: (inputs, _attrs, _n, constOf) => {
      const x = inputs[0]!;
      const pads = constInts(inputs[1], constOf);
      if (!x.shape || !pads || inputs[3]) return [{ dtype: x.dtype, shape: null }];
      const r = x.shape.length;
      return [{ dtype: x.dtype, shape: x.shape.map((d, i) => (isNum(d) ? d + pads[i] + pads[r + i] : pads[i] + pads[r + i] === 0 ? d : `${d}+${pads[i] + pads[r + i]}`)) }];
    },
  },
  Tile: {
    infer: (inputs, _attrs, _n, constOf) => {
      const x = inputs[0]!;
      const reps = constInts(inputs[1], constOf);
      if (!x.shape || !reps) return [{ dtype: x.dtype, shape: null }];
      return [{ dtype: x.dtype, shape: x.shape.map((d, i) => (reps[i] === 1 ? d : isNum(d) ? d * reps[i] : `${d}*${reps[i]}`)) }];
    },
  },
  Where: {
    infer: (inputs) => [{ dtype: inputs[1]!.dtype, shape: broadcastShapes(inputs[0]!.shape, inputs[1]!.shape, inputs[2]!.shape) }],
    vjp: (b, inputs, outputs, gout, _attrs, wants) => {
      const g = gout[0];
      if (!g) return [null, null, null];
      const zero = scalarOf(b, 0, g.dtype);
      const c = inputs[0]!;
      return [
        null,
        wants[1] ? sumToShape(b, op1(b, 'Where', [c, g, zero]), outputs[0].shape, inputs[1]!) : null,
        wants[2] ? sumToShape(b, op1(b, 'Where', [c, zero, g]), outputs[0].shape, inputs[2]!) : null,
      ];
    },
  },
  Cast: {
    infer: (inputs, attrs) => [{ dtype: dtypeFromOnnx(attrInt(attrs, 'to', 1)), shape: inputs[0]!.shape }],
    // back to the input's dtype (no gradient through casts from/to non-float types)
    vjp: (b, inputs, outputs, gout) => {
      const g = gout[0];
      const x = inputs[0]!;
      if (!g || !isFloat(x.dtype) || !isFloat(outputs[0].dtype)) return [null];
      return [x.dtype === outputs[0].dtype ? g : op1(b, 'Cast', [g], { to: ONNX_DTYPE[x.dtype] })];
    },
  },

  // ---- shapes, constants, indices (no gradient)
  Shape: {
    infer: (inputs, attrs) => {
      const s = inputs[0]!.shape;
      if (!s) return [{ dtype: 'int64', shape: [`rank(${inputs[0]!.name})`] }];
      const start = attrInt(attrs, 'start', 0);
      const end = attrInt(attrs, 'end', s.length);
      const norm = (v: number) => Math.min(Math.max(v < 0 ? v + s.length : v, 0), s.length);
      return [{ dtype: 'int64', shape: [Math.max(0, norm(end) - norm(start))] }];
    },
    vjp: noGrad,
  },
  Size: { infer: () => [{ dtype: 'int64', shape: [] }], vjp: noGrad },
  Constant: {
    infer: (_inputs, attrs) => {
      const t = attrs.value;
      if (t?.kind === 'tensor') return [{ dtype: t.value.dtype, shape: t.value.dims }];
      if (attrs.value_int) return [{ dtype: 'int64', shape: [] }];
      if (attrs.value_ints?.kind === 'ints') return [{ dtype: 'int64', shape: [attrs.value_ints.value.length] }];
      if (attrs.value_float) return [{ dtype: 'float32', shape: [] }];
      return [{ dtype: 'float32', shape: null }];
    },
    vjp: noGrad,
  },
  ConstantOfShape: {
    infer: (inputs, attrs, _n, constOf, symOf) => {
      const t = attrs.value;
      const dtype = t?.kind === 'tensor' ? t.value.dtype : 'float32';
      return [{ dtype, shape: dimsOf(inputs[0], constOf, symOf) }];
    },
    vjp: noGrad,
  },
  Range: {
    infer: (inputs, _attrs, _n, constOf) => {
      const d = inputs[0]!.dtype;
      const [s, l, dl] = [constNum(inputs[0], constOf), constNum(inputs[1], constOf), constNum(inputs[2], constOf)];
      if (s === null || l === null || dl === null) return [{ dtype: d, shape: [`range(${inputs[1]!.name})`] }];
      return [{ dtype: d, shape: [Math.max(0, Math.ceil((l - s) / dl))] }];
    },
    vjp: noGrad,
  },
  CumSum: {
    infer: same(),
    // reverse cumulative sum of the gradient
    vjp: (b, inputs, _o, gout, attrs) => {
      const g = gout[0];
      if (!g) return [null, null];
      return [op1(b, 'CumSum', [g, inputs[1]!], { exclusive: attrInt(attrs, 'exclusive', 0), reverse: 1 - attrInt(attrs, 'reverse', 0) }), null];
    },
  },
  Trilu: {
    infer: same(),
    // masking is linear: the gradient is masked the same way
    vjp: (b, inputs, _o, gout, attrs) => {
      const g = gout[0];
      if (!g) return inputs.map(() => null);
      return [op1(b, 'Trilu', inputs[1] ? [g, inputs[1]] : [g], { upper: attrInt(attrs, 'upper', 1) }), ...inputs.slice(1).map(() => null)];
    },
  },
  OneHot: {
    infer: (inputs, attrs, _n, constOf) => {
      const idx = inputs[0]!;
      const depth = constNum(inputs[1], constOf);
      if (!idx.shape) return [{ dtype: inputs[2]!.dtype, shape: null }];
      const out: Dim[] = [...idx.shape];
      const axis = attrInt(attrs, 'axis', -1);
      out.splice(axis < 0 ? out.length + 1 + axis : axis, 0, depth ?? `depth(${inputs[1]!.name})`);
      return [{ dtype: inputs[2]!.dtype, shape: out }];
    },
    vjp: noGrad,
  },

  // ---- fused LayerNormalization (opset 17): forward may use the fused kernel, backward is composed of primitives
  LayerNormalization: {
    infer: (inputs, attrs, nOut) => {
      const x = inputs[0]!;
      const axis = attrInt(attrs, 'axis', -1);
      const outs: InferredOut[] = [{ dtype: x.dtype, shape: x.shape }];
      if (nOut > 1) {
        const st = x.shape ? x.shape.map((d, i) => (i >= normAxis(axis, rankOf(x)) ? 1 : d)) : null;
        for (let i = 1; i < nOut; i++) outs.push({ dtype: x.dtype, shape: st });
      }
      return outs;
    },
    vjp: (b, inputs, outputs, gout, attrs, wants) => {
      const g = gout[0];
      if (!g) return inputs.map(() => null);
      if (gout.slice(1).some((x) => x)) throw new Error('autodiff: LayerNormalization Mean/InvStdDev outputs are not differentiable');
      const [x, scale, bias] = inputs;
      const r = rankOf(x!);
      const axis = normAxis(attrInt(attrs, 'axis', -1), r);
      const axes = [...Array(r - axis).keys()].map((i) => axis + i);
      const eps = attrFloat(attrs, 'epsilon', 1e-5);
      const dt = x!.dtype;
      // recompute the normalised input: xhat = (x - mean) * inv
      const mean = op1(b, 'ReduceMean', [x!], { axes, keepdims: 1 });
      const xc = op1(b, 'Sub', [x!, mean]);
      const vr = op1(b, 'ReduceMean', [mul(b, xc, xc)], { axes, keepdims: 1 });
      const inv = op1(b, 'Reciprocal', [op1(b, 'Sqrt', [op1(b, 'Add', [vr, scalarOf(b, eps, dt)])])]);
      const xhat = mul(b, xc, inv);
      const res: (Value | null)[] = [null, null, null];
      const gh = mul(b, g, scale!); // dL/dxhat
      if (wants[0]) {
        // dx = inv * (gh - mean(gh) - xhat * mean(gh * xhat))
        const m1 = op1(b, 'ReduceMean', [gh], { axes, keepdims: 1 });
        const m2 = op1(b, 'ReduceMean', [mul(b, gh, xhat)], { axes, keepdims: 1 });
        res[0] = mul(b, inv, op1(b, 'Sub', [op1(b, 'Sub', [gh, m1]), mul(b, xhat, m2)]));
      }
      if (wants[1]) res[1] = sumToShape(b, mul(b, g, xhat), outputs[0].shape, scale!);
      if (bias && wants[2]) res[2] = sumToShape(b, g, outputs[0].shape, bias);
      return res;
    },
  },
};

function constNum(v: Value | null | undefined, constOf?: ConstLookup): number | null {
  if (!v || !constOf) return null;
  const init = constOf(v);
  if (!init || 'external' in init.data || init.data.length !== 1) return null;
  const x = init.data[0];
  return typeof x === 'bigint' ? Number(x) : x;
}

/** Zeros with x's shape and dtype (ConstantOfShape). */
export function zerosLike(b: GraphBuilder, x: Value): Value {
  return b.op1('ConstantOfShape', [shapeOf(b, x)], { value: { kind: 'tensor', value: { dtype: x.dtype, dims: [1], data: typedOf(x.dtype, [0]) } } });
}

// ---------------------------------------------------------------------------------------------------------------
// Shape refinement: graphs often build shape vectors at run time (Concat(Shape(ids)[0:1], [-1, 64])) so that one
// graph serves every batch/sequence size. The builder sees those as unknown; this pass tracks the symbolic contents
// of such small integer tensors and re-runs the shape rules, so autodiff knows the (symbolic) shape of every value.

function symArith(op: string, a: Dim, c: Dim): Dim {
  if (isNum(a) && isNum(c)) {
    switch (op) {
      case 'Add':
        return a + c;
      case 'Sub':
        return a - c;
      case 'Mul':
        return a * c;
      default:
        return Math.trunc(a / c);
    }
  }
  if (op === 'Add' && c === 0) return a;
  if (op === 'Sub' && c === 0) return a;
  if ((op === 'Mul' || op === 'Div') && c === 1) return a;
  if (op === 'Mul' && a === 1) return c;
  const sign = { Add: '+', Sub: '-', Mul: '*', Div: '/' }[op];
  return `(${a}${sign}${c})`;
}

/** Symbolic contents of an integer node output, from its inputs' contents (null when not tracked). */
function contentsOf(op: string, inputs: (Value | null)[], attrs: Record<string, AttrValue>, contents: (v: Value | null) => Dim[] | null): Dim[] | null {
  switch (op) {
    case 'Shape': {
      const s = inputs[0]!.shape;
      if (!s) return null;
      const r = s.length;
      const norm = (v: number) => Math.min(Math.max(v < 0 ? v + r : v, 0), r);
      return s.slice(norm(attrInt(attrs, 'start', 0)), norm(attrInt(attrs, 'end', r)));
    }
    case 'Concat': {
      const parts = inputs.map(contents);
      return parts.every((p) => p) ? parts.flat() as Dim[] : null;
    }
    case 'Identity':
    case 'Squeeze':
    case 'Unsqueeze':
    case 'Reshape':
    case 'Cast':
      return contents(inputs[0]);
    case 'Gather': {
      const d = contents(inputs[0]);
      const i = contents(inputs[1]);
      if (!d || !i || !i.every(isNum)) return null;
      return (i as number[]).map((k) => d[k < 0 ? k + d.length : k]);
    }
    case 'Add':
    case 'Sub':
    case 'Mul':
    case 'Div': {
      const a = contents(inputs[0]);
      const c = contents(inputs[1]);
      if (!a || !c) return null;
      const n = Math.max(a.length, c.length);
      if ((a.length !== n && a.length !== 1) || (c.length !== n && c.length !== 1)) return null;
      return Array.from({ length: n }, (_, k) => symArith(op, a[a.length === 1 ? 0 : k], c[c.length === 1 ? 0 : k]));
    }
    default:
      return null;
  }
}

/**
 * Re-derives every node output's dtype/shape with symbolic shape-vector tracking. Returns refined Value objects by
 * name (same names and dtypes; shapes filled in where the builder had null).
 */
export function refineShapes(nodes: readonly Node[], values: ReadonlyMap<string, Value>, constOf: ConstLookup): Map<string, Value> {
  const refined = new Map<string, Value>(values);
  const contents = new Map<string, Dim[]>();
  const get = (name: string): Value | null => (name ? (refined.get(name) ?? null) : null);
  const contentsFn = (v: Value | null): Dim[] | null => {
    if (!v) return null;
    return contents.get(v.name) ?? constInts(v, constOf);
  };
  for (const n of nodes) {
    const ins = n.inputs.map(get);
    const def = OPS[n.op];
    let inferred: InferredOut[] | null = null;
    if (def) {
      try {
        inferred = def.infer(ins, n.attrs, n.outputs.length, constOf, (v) => contentsFn(v));
      } catch {
        inferred = null;
      }
    }
    n.outputs.forEach((o, k) => {
      const old = refined.get(o)!;
      const shape = inferred?.[k]?.shape ?? old.shape;
      if (shape !== old.shape) refined.set(o, { name: o, dtype: old.dtype, shape });
    });
    if (n.outputs.length === 1 && (refined.get(n.outputs[0])!.dtype === 'int64' || refined.get(n.outputs[0])!.dtype === 'int32')) {
      const c = contentsOf(n.op, ins, n.attrs, contentsFn);
      if (c) contents.set(n.outputs[0], c);
    }
  }
  return refined;
}
