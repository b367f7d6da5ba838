// Gradient checking for the autodiff rules: build a tiny graph, append its backward pass with grad(), run both with
// onnxruntime-node, and compare every gradient against central finite differences of the forward outputs.
//
// For outputs y = f(x) and a random upstream gradient v, grad() gives the VJP  g = J^T v. Finite differences give
// <v, J e_i> = <v, (f(x + h e_i) - f(x - h e_i))> / 2h for each coordinate i (or <v, J d> for random directions d
// on larger inputs), compared with g_i (or <g, d>).
import * as ort from 'onnxruntime-node';
import { GraphBuilder } from '../../main/engine/graph/builder';
import { grad } from '../../main/engine/graph/autodiff';
import { encodeModel } from '../../main/engine/graph/onnx';
import type { DType, Dim, Graph, Value } from '../../main/engine/graph/ir';

/** Deterministic PRNG (mulberry32) so failures reproduce. */
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

export function normal(r: () => number): number {
  return Math.sqrt(-2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r());
}

export interface InSpec {
  name: string;
  dtype?: DType; // default: the check's dtype
  /** graph shape (may be symbolic) */
  shape: Dim[];
  /** concrete dims fed at run time (default: shape, which must then be numeric) */
  dims?: number[];
  /** fixed data (e.g. indices, masks); otherwise random */
  data?: number[];
  /** random values: 'normal' (default), 'positive' (in [0.5, 2]), or a custom generator */
  init?: 'normal' | 'positive' | ((r: () => number, i: number) => number);
  /** differentiate w.r.t. this input (default: float inputs without fixed data) */
  diff?: boolean;
}

export interface CheckSpec {
  dtype?: 'float64' | 'float32';
  inputs: InSpec[];
  /** Builds the forward graph; returns the output(s) whose VJP is checked. */
  build: (b: GraphBuilder, ins: Record<string, Value>) => Value | Value[];
  seed?: number;
  /** finite-difference step (default 1e-6 in float64, 1e-2 in float32) */
  h?: number;
  /** |fd - ad| <= atol + rtol * max(|fd|, |ad|) (defaults 1e-7/1e-6 in float64, 2e-3/2e-2 in float32) */
  atol?: number;
  rtol?: number;
  /** per-coordinate checks up to this many elements per input, random directions above it */
  maxCoords?: number;
}

export interface CheckResult {
  /** largest |fd - ad| seen, and how many comparisons were made */
  maxAbsErr: number;
  maxRelErr: number;
  comparisons: number;
  graph: Graph;
}

type Feed = Record<string, ort.Tensor>;

function typed(dtype: DType, values: number[]) {
  switch (dtype) {
    case 'float64':
      return Float64Array.from(values);
    case 'float32':
      return Float32Array.from(values);
    case 'int64':
      return BigInt64Array.from(values.map((v) => BigInt(v)));
    case 'int32':
      return Int32Array.from(values);
    case 'bool':
    case 'uint8':
      return Uint8Array.from(values);
    default:
      throw new Error(`gradcheck: dtype ${dtype} not supported`);
  }
}

export async function session(g: Graph): Promise<ort.InferenceSession> {
  return ort.InferenceSession.create(encodeModel(g), { graphOptimizationLevel: 'disabled', intraOpNumThreads: 1, interOpNumThreads: 1 });
}

const toNumbers = (t: ort.Tensor): number[] => Array.from(t.data as ArrayLike<number | bigint>, (x) => Number(x));

/** Builds, differentiates and checks; throws with the offending input/coordinate when a comparison fails. */
export async function checkGradients(spec: CheckSpec): Promise<CheckResult> {
  const dtype = spec.dtype ?? 'float64';
  const f64 = dtype === 'float64';
  const h = spec.h ?? (f64 ? 1e-6 : 1e-2);
  const atol = spec.atol ?? (f64 ? 1e-7 : 2e-3);
  const rtol = spec.rtol ?? (f64 ? 1e-6 : 2e-2);
  const maxCoords = spec.maxCoords ?? 48;
  const r = rng(spec.seed ?? 1234);

  const b = new GraphBuilder('gradcheck');
  const ins: Record<string, Value> = {};
  for (const s of spec.inputs) ins[s.name] = b.input(s.name, s.dtype ?? dtype, s.shape);
  const built = spec.build(b, ins);
  const ys = Array.isArray(built) ? built : [built];
  const diffSpecs = spec.inputs.filter((s) => s.diff ?? (!s.data && (s.dtype ?? dtype).startsWith('float')));
  const wrt = diffSpecs.map((s) => ins[s.name]);

  // upstream gradients v_k, one per output, fed as inputs
  const vs = ys.map((y, k) => b.input(`v${k}`, y.dtype, y.shape ?? []));
  let gradsV: (Value | null)[];
  if (ys.length === 1) gradsV = grad(b, ys[0], wrt, { seed: vs[0] });
  else {
    let loss: Value | null = null;
    ys.forEach((y, k) => {
      const t = b.op1('ReduceSum', [b.op1('Mul', [y, vs[k]])], { keepdims: 0 });
      loss = loss ? b.op1('Add', [loss, t]) : t;
    });
    gradsV = grad(b, loss!, wrt);
  }
  ys.forEach((y, k) => b.output(y, `y${k}`));
  gradsV.forEach((g, i) => {
    if (!g) throw new Error(`gradcheck: no gradient path to input '${wrt[i].name}'`);
    b.output(g, `g${i}`);
  });
  const graph = b.build();
  const sess = await session(graph);
  // the same forward graph alone, for output dims and finite differences
  const fb = new GraphBuilder('forward');
  const fins: Record<string, Value> = {};
  for (const s of spec.inputs) fins[s.name] = fb.input(s.name, s.dtype ?? dtype, s.shape);
  const fbuilt = spec.build(fb, fins);
  (Array.isArray(fbuilt) ? fbuilt : [fbuilt]).forEach((y, k) => fb.output(y, `y${k}`));
  const fsess = await session(fb.build());

  // feeds
  const base: Record<string, { dims: number[]; dtype: DType; values: number[] }> = {};
  for (const s of spec.inputs) {
    const dims = s.dims ?? (s.shape as number[]);
    if (!dims.every((d) => typeof d === 'number')) throw new Error(`gradcheck: input ${s.name} needs concrete dims`);
    const n = dims.reduce((p, q) => p * q, 1);
    const init = s.init ?? 'normal';
    const values =
      s.data ?? Array.from({ length: n }, (_, i) => (init === 'normal' ? normal(r) : init === 'positive' ? 0.5 + 1.5 * r() : init(r, i)));
    if (values.length !== n) throw new Error(`gradcheck: input ${s.name}: ${values.length} values for dims [${dims}]`);
    base[s.name] = { dims, dtype: s.dtype ?? dtype, values };
  }
  const feedOf = (override?: { name: string; values: number[] }, only?: string[]): Feed => {
    const f: Feed = {};
    for (const [name, x] of Object.entries(base)) {
      if (only && !only.includes(name)) continue;
      const values = override && override.name === name ? override.values : x.values;
      f[name] = new ort.Tensor(x.dtype as 'float64', typed(x.dtype, values) as Float64Array, x.dims);
    }
    return f;
  };

  // first run: output shapes, then random v with those shapes
  const forwardInputs = spec.inputs.map((x) => x.name);
  const first = await fsess.run(feedOf(undefined, forwardInputs));
  ys.forEach((y, k) => {
    const t = first[`y${k}`];
    base[`v${k}`] = { dims: [...t.dims], dtype: y.dtype, values: Array.from({ length: t.size }, () => normal(r)) };
  });
  const res = await sess.run(feedOf());
  const vvals = ys.map((_, k) => base[`v${k}`].values);
  const ysOf = async (name: string, values: number[]) => {
    const o = await fsess.run(feedOf({ name, values }, forwardInputs));
    return ys.map((_, k) => toNumbers(o[`y${k}`]));
  };
  const dotV = (outs: number[][]) => outs.reduce((acc, o, k) => acc + o.reduce((p, q, i) => p + q * vvals[k][i], 0), 0);

  let maxAbsErr = 0;
  let maxRelErr = 0;
  let comparisons = 0;
  const compare = (ad: number, fd: number, where: string) => {
    const err = Math.abs(ad - fd);
    const scale = Math.max(Math.abs(ad), Math.abs(fd));
    maxAbsErr = Math.max(maxAbsErr, err);
    if (scale > 0) maxRelErr = Math.max(maxRelErr, err / scale);
    comparisons++;
    if (!(err <= atol + rtol * scale)) throw new Error(`gradient mismatch at ${where}: autodiff ${ad}, finite differences ${fd} (|err| ${err.toExponential(2)})`);
  };

  for (let wi = 0; wi < wrt.length; wi++) {
    const name = wrt[wi].name;
    const x = base[name].values;
    const g = toNumbers(res[`g${wi}`]);
    if (g.length !== x.length) throw new Error(`gradient of '${name}' has ${g.length} elements, the input has ${x.length}`);
    const gdims = [...res[`g${wi}`].dims];
    if (gdims.join(',') !== base[name].dims.join(',')) throw new Error(`gradient of '${name}' has dims [${gdims}], the input [${base[name].dims}]`);
    if (x.length <= maxCoords) {
      for (let i = 0; i < x.length; i++) {
        const xp = [...x];
        const xm = [...x];
        xp[i] += h;
        xm[i] -= h;
        const fd = (dotV(await ysOf(name, xp)) - dotV(await ysOf(name, xm))) / (2 * h);
        compare(g[i], fd, `${name}[${i}]`);
      }
    } else {
      for (let k = 0; k < 6; k++) {
        const d = x.map(() => normal(r));
        const fd = (dotV(await ysOf(name, x.map((v, i) => v + h * d[i]))) - dotV(await ysOf(name, x.map((v, i) => v - h * d[i])))) / (2 * h);
        compare(g.reduce((p, q, i) => p + q * d[i], 0), fd, `${name} along random direction ${k}`);
      }
    }
  }
  await sess.release();
  await fsess.release();
  return { maxAbsErr, maxRelErr, comparisons, graph };
}
