// autodiff API (accumulation, pruning, stop-gradient, step graphs, errors), shape rules, and the nn.ts composites
// checked against central finite differences.
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { GraphBuilder } from '../main/engine/graph/builder';
import { buildStepGraph, grad, stopGradient } from '../main/engine/graph/autodiff';
import { ACTIVATIONS, gelu, geluTanh, klDivergence, layerNorm, linear, maskedMean, rmsNorm, silu, softmaxCrossEntropy } from '../main/engine/graph/nn';
import { OPS, broadcastShapes, refineShapes, builderConsts } from '../main/engine/graph/ops';
import { checkGradients, session } from './support/gradcheck';

describe('nn composites: gradients vs finite differences (float64)', () => {
  it('layerNorm (with and without affine)', async () => {
    await checkGradients({
      inputs: [
        { name: 'x', shape: [2, 3, 5] },
        { name: 'g', shape: [5] },
        { name: 'b', shape: [5] },
      ],
      build: (b, { x, g, b: beta }) => [layerNorm(b, x, g, beta, 1e-5), layerNorm(b, x, null, null, 1e-5)],
    });
  });
  it('rmsNorm (weight, and Gemma-style 1 + weight)', async () => {
    await checkGradients({
      inputs: [
        { name: 'x', shape: [3, 4] },
        { name: 'w', shape: [4] },
      ],
      build: (b, { x, w }) => [rmsNorm(b, x, w, 1e-6), rmsNorm(b, x, w, 1e-6, { unitOffset: true })],
    });
  });
  it('geluTanh, silu, linear', async () => {
    await checkGradients({
      inputs: [
        { name: 'x', shape: [2, 3] },
        { name: 'w', shape: [3, 4] },
        { name: 'bias', shape: [4] },
      ],
      build: (b, { x, w, bias }) => [geluTanh(b, x), silu(b, x), linear(b, x, w, bias), ACTIVATIONS.relu(b, x)],
    });
  });
  it('gelu (erf; float32 because ORT has no double Erf kernel)', async () => {
    const r = await checkGradients({ dtype: 'float32', inputs: [{ name: 'x', shape: [2, 4] }], build: (b, { x }) => gelu(b, x) });
    expect(r.comparisons).toBe(8);
  });
  it('softmax cross-entropy over a label slice with ignore index and mask', async () => {
    await checkGradients({
      inputs: [
        { name: 'logits', shape: [2, 'seq', 5], dims: [2, 4, 5] },
        { name: 'labels', dtype: 'int64', shape: [2, 'seq'], dims: [2, 4], data: [1, 4, -100, 0, 2, 2, 3, -100] },
        { name: 'mask', shape: [2, 'seq'], dims: [2, 4], data: [1, 1, 1, 0, 1, 1, 1, 1] },
      ],
      // next-token style: predictions at positions 0..seq-2 score the labels at 1..seq-1
      build: (b, { logits, labels, mask }) => {
        const cut = (v: typeof logits) => b.op1('Slice', [v, b.constInt64([0]), b.constInt64([-1]), b.constInt64([1])]);
        const shifted = b.op1('Slice', [labels, b.constInt64([1]), b.constInt64([2 ** 62]), b.constInt64([1])]);
        return [
          softmaxCrossEntropy(b, cut(logits), shifted, { ignoreIndex: -100, mask: cut(mask) }),
          softmaxCrossEntropy(b, logits, labels, { ignoreIndex: -100, reduction: 'sum' }),
        ];
      },
    });
  });
  it('KL divergence between two distributions (both sides, and masked mean)', async () => {
    await checkGradients({
      inputs: [
        { name: 'p', shape: [3, 4] },
        { name: 'q', shape: [3, 4] },
        { name: 'm', shape: [3], data: [1, 0, 1] },
      ],
      build: (b, { p, q, m }) => [klDivergence(b, p, q), klDivergence(b, p, q, { mask: m, reduction: 'none' })],
    });
  });
  it('maskedMean', async () => {
    await checkGradients({
      inputs: [
        { name: 'x', shape: [2, 3] },
        { name: 'm', shape: [2, 3], data: [1, 0, 1, 1, 1, 0] },
      ],
      build: (b, { x, m }) => maskedMean(b, x, m),
    });
  });
});

/** Runs a built graph on float64 feeds and returns each output as numbers. */
async function run(b: GraphBuilder, feeds: Record<string, { dims: number[]; data: number[] }>) {
  const s = await session(b.build());
  const f: Record<string, ort.Tensor> = {};
  for (const [k, v] of Object.entries(feeds)) f[k] = new ort.Tensor('float64', Float64Array.from(v.data), v.dims);
  const out = await s.run(f);
  await s.release();
  return Object.fromEntries(Object.entries(out).map(([k, t]) => [k, Array.from(t.data as Float64Array)]));
}

describe('autodiff API', () => {
  it('accumulates the gradient of a value used several times (f = x*x + 3x, df = 2x + 3)', async () => {
    const b = new GraphBuilder('t');
    const x = b.input('x', 'float64', [3]);
    const y = b.op1('Add', [b.op1('Mul', [x, x]), b.op1('Mul', [x, b.scalar(3, 'float64')])]);
    const loss = b.op1('ReduceSum', [y], { keepdims: 0 });
    const [gx] = grad(b, loss, [x]);
    b.output(gx!, 'gx');
    const out = await run(b, { x: { dims: [3], data: [1, -2, 0.5] } });
    expect(out.gx).toEqual([5, -1, 4]);
  });

  it('only differentiates nodes between wrt and the loss; unconnected inputs get null or zeros', () => {
    const b = new GraphBuilder('t');
    const x = b.input('x', 'float64', [2]);
    const z = b.input('z', 'float64', [2]);
    const side = b.op1('Exp', [z]); // does not reach the loss
    b.output(side);
    const loss = b.op1('ReduceSum', [b.op1('Sigmoid', [x])], { keepdims: 0 });
    const before = b.nodes.length;
    const [gx, gz] = grad(b, loss, [x, z]);
    expect(gx).not.toBeNull();
    expect(gz).toBeNull();
    const added = b.nodes.slice(before).map((n) => n.op);
    expect(added).not.toContain('Exp'); // Exp's rule was never run
    const [, gz0] = grad(b, loss, [x, z], { zerosForUnconnected: true });
    expect(gz0!.shape).toEqual([2]);
  });

  it('stopGradient: a frozen reference gets no gradient, the KL still differentiates the other side', async () => {
    const b = new GraphBuilder('t');
    const p = b.input('p', 'float64', [4]);
    const q = b.input('q', 'float64', [4]);
    const loss = klDivergence(b, stopGradient(b, p), q);
    const [gp, gq] = grad(b, loss, [p, q]);
    expect(gp).toBeNull();
    expect(gq).not.toBeNull();
    // d KL(P||Q) / d qLogits = softmax(q) - softmax(p)
    b.output(gq!, 'gq');
    const pv = [0.1, -1, 2, 0.3];
    const qv = [1, 0.5, -0.2, 0];
    const out = await run(b, { p: { dims: [4], data: pv }, q: { dims: [4], data: qv } });
    const sm = (v: number[]) => {
      const e = v.map(Math.exp);
      const s = e.reduce((a, c) => a + c, 0);
      return e.map((x) => x / s);
    };
    const want = sm(qv).map((x, i) => x - sm(pv)[i]);
    out.gq.forEach((g, i) => expect(g).toBeCloseTo(want[i], 12));
    // options.stopGradient does the same by name
    const b2 = new GraphBuilder('t2');
    const p2 = b2.input('p', 'float64', [4]);
    const q2 = b2.input('q', 'float64', [4]);
    const [gp2] = grad(b2, klDivergence(b2, p2, q2), [p2], { stopGradient: ['p'] });
    expect(gp2).toBeNull();
  });

  it('buildStepGraph outputs the loss and one gradient per parameter', async () => {
    const b = new GraphBuilder('step');
    const w = b.input('w', 'float64', [2, 2]);
    const x = b.input('x', 'float64', [3, 2]);
    const unused = b.input('u', 'float64', [2]);
    const loss = b.op1('ReduceMean', [b.op1('Mul', [b.op1('MatMul', [x, w]), b.op1('MatMul', [x, w])])], { keepdims: 0 });
    const step = buildStepGraph(b, loss, [w, unused]);
    expect(step.graph.outputs.map((o) => o.name)).toEqual([step.loss, 'grad/w', 'grad/u']);
    const s = await session(step.graph);
    const wv = [1, 2, -1, 0.5];
    const xv = [1, 0, 0, 1, 2, -1];
    const out = await s.run({
      w: new ort.Tensor('float64', Float64Array.from(wv), [2, 2]),
      x: new ort.Tensor('float64', Float64Array.from(xv), [3, 2]),
      u: new ort.Tensor('float64', new Float64Array(2), [2]),
    });
    await s.release();
    // L = mean((xw)^2) over 6 entries → dL/dw = x^T (2 xw) / 6
    const xw = [0, 1, 2].map((r) => [0, 1].map((c) => xv[r * 2] * wv[c] + xv[r * 2 + 1] * wv[2 + c]));
    const want = [0, 1].flatMap((i) => [0, 1].map((j) => [0, 1, 2].reduce((a, r) => a + xv[r * 2 + i] * 2 * xw[r][j], 0) / 6));
    Array.from(out['grad/w'].data as Float64Array).forEach((g, i) => expect(g).toBeCloseTo(want[i], 12));
    expect(Array.from(out['grad/u'].data as Float64Array)).toEqual([0, 0]);
  });

  it('rejects a non-scalar loss without a seed, an op without a rule, and non-float wrt values', () => {
    const b = new GraphBuilder('t');
    const x = b.input('x', 'float64', [2]);
    const i = b.input('i', 'int64', [2]);
    expect(() => grad(b, b.op1('Exp', [x]), [x])).toThrow(/not a scalar/);
    expect(() => grad(b, b.op1('ReduceSum', [x], { keepdims: 0 }), [i])).toThrow(/int64/);
    const odd = b.op1('Hardmax', [x]);
    expect(() => grad(b, b.op1('ReduceSum', [odd], { keepdims: 0 }), [x])).toThrow(/no gradient rule for op Hardmax/);
  });
});

describe('shape rules', () => {
  it('broadcasts numeric and symbolic dims', () => {
    expect(broadcastShapes([2, 1, 4], [3, 1])).toEqual([2, 3, 4]);
    expect(broadcastShapes(['batch', 1, 'seq'], [1, 4, 'seq'])).toEqual(['batch', 4, 'seq']);
    expect(() => broadcastShapes([2, 3], [4])).toThrow(/cannot broadcast/);
  });

  it('infers shapes through the builder for the common ops', () => {
    const b = new GraphBuilder('t');
    const x = b.input('x', 'float32', ['batch', 'seq', 8]);
    const w = b.input('w', 'float32', [8, 6]);
    expect(b.op1('MatMul', [x, w]).shape).toEqual(['batch', 'seq', 6]);
    expect(b.op1('Reshape', [x, b.constInt64([0, 0, 2, -1])]).shape).toEqual(['batch', 'seq', 2, 4]);
    expect(b.op1('Reshape', [x, b.constInt64([-1, 8])]).shape).toEqual(['batch*seq', 8]);
    expect(b.op1('Transpose', [x], { perm: [2, 0, 1] }).shape).toEqual([8, 'batch', 'seq']);
    expect(b.op1('ReduceSum', [x, b.constInt64([1])], { keepdims: 0 }).shape).toEqual(['batch', 8]);
    expect(b.op1('ReduceMean', [x], { axes: [-1], keepdims: 1 }).shape).toEqual(['batch', 'seq', 1]);
    expect(b.op1('Slice', [x, b.constInt64([0]), b.constInt64([-1]), b.constInt64([1])]).shape).toEqual(['batch', 'seq-1', 8]);
    expect(b.op1('Slice', [x, b.constInt64([2]), b.constInt64([6]), b.constInt64([2])]).shape).toEqual(['batch', 'seq', 4]);
    expect(b.op1('Gather', [w, b.input('ids', 'int64', ['batch', 'seq'])], { axis: 0 }).shape).toEqual(['batch', 'seq', 6]);
    expect(b.op1('Concat', [x, x], { axis: -1 }).shape).toEqual(['batch', 'seq', 16]);
    expect(b.op1('Unsqueeze', [x, b.constInt64([1])]).shape).toEqual(['batch', 1, 'seq', 8]);
    expect(b.op('Split', [x, b.constInt64([3, 5])], { axis: 2 }, 2).map((v) => v.shape)).toEqual([
      ['batch', 'seq', 3],
      ['batch', 'seq', 5],
    ]);
    expect(b.op1('Cast', [x], { to: 11 }).dtype).toBe('float64');
    expect(b.op1('Equal', [x, x]).dtype).toBe('bool');
    expect(b.op1('Gemm', [w, w], { transA: 1 }).shape).toEqual([6, 6]);
  });

  it('refineShapes resolves shape vectors built at run time', () => {
    const b = new GraphBuilder('t');
    const ids = b.input('ids', 'int64', ['batch', 'seq']);
    const x = b.input('x', 'float32', ['batch', 'seq', 8]);
    const bs = b.op1('Shape', [ids], { start: 0, end: 2 }); // [2] = [batch, seq]
    const target = b.op1('Concat', [bs, b.constInt64([2, 4])], { axis: 0 }); // [4]
    const y = b.op1('Reshape', [x, target]);
    expect(y.shape).toBeNull(); // the builder alone cannot know
    const refined = refineShapes(b.nodes, b.values, builderConsts(b));
    expect(refined.get(y.name)!.shape).toEqual(['batch', 'seq', 2, 4]);
  });

  it('every op with a rule also has a shape rule', () => {
    for (const [name, def] of Object.entries(OPS)) expect(typeof def.infer, name).toBe('function');
  });
});
