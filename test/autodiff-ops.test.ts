// One finite-difference check per vector-Jacobian rule in main/engine/graph/ops.ts (float64 unless ORT's CPU
// provider lacks a double kernel for the op, which is then checked in float32 with looser tolerances).
import { describe, expect, it } from 'vitest';
import type { GraphBuilder } from '../main/engine/graph/builder';
import type { Value } from '../main/engine/graph/ir';
import { ONNX_DTYPE } from '../main/engine/graph/ops';
import { checkGradients, type CheckSpec } from './support/gradcheck';

const i64 = (b: GraphBuilder, v: number[]) => b.constInt64(v);
const f64 = (b: GraphBuilder, v: number) => b.scalar(v, 'float64');

interface Case extends Omit<CheckSpec, 'build'> {
  name: string;
  build: CheckSpec['build'];
}

const un = (op: string, init: 'normal' | 'positive' = 'normal', attrs: Record<string, number | number[]> = {}): Case => ({
  name: op,
  inputs: [{ name: 'x', shape: [2, 3], init }],
  build: (b, { x }) => b.op1(op, [x], attrs),
});

const cases: Case[] = [
  // ---- elementwise binary, with broadcasting in both directions
  ...['Add', 'Sub', 'Mul'].map<Case>((op) => ({
    name: `${op} (broadcast [2,3,4] with [3,1])`,
    inputs: [
      { name: 'x', shape: [2, 3, 4] },
      { name: 'y', shape: [3, 1] },
    ],
    build: (b, { x, y }) => b.op1(op, [x, y]),
  })),
  ...['Add', 'Sub', 'Mul', 'Div'].map<Case>((op) => ({
    name: `${op} (broadcast [4] with [2,1,4], same-shape [1,4])`,
    inputs: [
      { name: 'x', shape: [4], init: 'positive' },
      { name: 'y', shape: [2, 1, 4], init: 'positive' },
      { name: 'z', shape: [1, 4], init: 'positive' },
    ],
    build: (b, { x, y, z }) => b.op1(op, [b.op1(op, [x, y]), z]),
  })),
  ...['Add', 'Mul', 'Div'].map<Case>((op) => ({
    name: `${op} (both operands broadcast: [1,3] with [2,1])`,
    inputs: [
      { name: 'x', shape: [1, 3], init: 'positive' },
      { name: 'y', shape: [2, 1], init: 'positive' },
    ],
    build: (b, { x, y }) => b.op1(op, [x, y]),
  })),
  {
    name: 'Div (denominator broadcast)',
    inputs: [
      { name: 'x', shape: [3, 2] },
      { name: 'y', shape: [3, 1], init: 'positive' },
    ],
    build: (b, { x, y }) => b.op1('Div', [x, y]),
  },
  {
    name: 'Pow (base and exponent)',
    inputs: [
      { name: 'x', shape: [2, 3], init: 'positive' },
      { name: 'p', shape: [3], init: (r) => -1 + 3 * r() },
    ],
    build: (b, { x, p }) => b.op1('Pow', [x, p]),
  },
  {
    name: 'Pow (constant exponent 2 and -0.5)',
    inputs: [{ name: 'x', shape: [5], init: 'positive' }],
    build: (b, { x }) => b.op1('Add', [b.op1('Pow', [x, f64(b, 2)]), b.op1('Pow', [x, f64(b, -0.5)])]),
  },
  {
    name: 'Max / Min (two inputs, broadcast)',
    inputs: [
      { name: 'x', shape: [3, 4] },
      { name: 'y', shape: [4] },
    ],
    build: (b, { x, y }) => [b.op1('Max', [x, y]), b.op1('Min', [x, y])],
  },

  // ---- unary
  un('Neg'),
  un('Sqrt', 'positive'),
  un('Reciprocal', 'positive'),
  un('Exp'),
  un('Log', 'positive'),
  un('Sigmoid'),
  un('Tanh'),
  un('Abs'),
  un('Relu'),
  un('Sin'),
  un('Cos'),
  un('Identity'),
  un('Softmax', 'normal', { axis: -1 }),
  un('LogSoftmax', 'normal', { axis: -1 }),
  {
    name: 'Softmax / LogSoftmax over axis 1 of 3',
    inputs: [{ name: 'x', shape: [2, 3, 2] }],
    build: (b, { x }) => [b.op1('Softmax', [x], { axis: 1 }), b.op1('LogSoftmax', [x], { axis: 1 })],
  },

  // ---- matrix products
  {
    name: 'MatMul 2-D',
    inputs: [
      { name: 'a', shape: [3, 4] },
      { name: 'b', shape: [4, 2] },
    ],
    build: (b, ins) => b.op1('MatMul', [ins.a, ins.b]),
  },
  {
    name: 'MatMul batched with broadcast batch dims',
    inputs: [
      { name: 'a', shape: [2, 1, 3, 4] },
      { name: 'b', shape: [3, 4, 2] },
    ],
    build: (b, ins) => b.op1('MatMul', [ins.a, ins.b]),
  },
  {
    name: 'MatMul 3-D activations x 2-D weight',
    inputs: [
      { name: 'a', shape: [2, 3, 4] },
      { name: 'b', shape: [4, 5] },
    ],
    build: (b, ins) => b.op1('MatMul', [ins.a, ins.b]),
  },
  {
    name: 'MatMul with 1-D operands',
    inputs: [
      { name: 'v', shape: [4] },
      { name: 'm', shape: [2, 4, 3] },
      { name: 'u', shape: [3] },
    ],
    build: (b, { v, m, u }) => [b.op1('MatMul', [v, m]), b.op1('MatMul', [m, u]), b.op1('MatMul', [u, u])],
  },
  ...[
    [0, 0],
    [1, 0],
    [0, 1],
    [1, 1],
  ].map<Case>(([tA, tB]) => ({
    name: `Gemm transA=${tA} transB=${tB} alpha/beta, C broadcast`,
    inputs: [
      { name: 'a', shape: tA ? [4, 3] : [3, 4] },
      { name: 'b', shape: tB ? [2, 4] : [4, 2] },
      { name: 'c', shape: [2] },
    ],
    build: (b, ins) => b.op1('Gemm', [ins.a, ins.b, ins.c], { transA: tA, transB: tB, alpha: 0.7, beta: 1.3 }),
  })),

  // ---- reductions
  {
    name: 'ReduceSum (axes input, keepdims 0/1, all axes)',
    inputs: [{ name: 'x', shape: [2, 3, 4] }],
    build: (b, { x }) => [
      b.op1('ReduceSum', [x, i64(b, [1])], { keepdims: 0 }),
      b.op1('ReduceSum', [x, i64(b, [0, -1])], { keepdims: 1 }),
      b.op1('ReduceSum', [x], { keepdims: 0 }),
    ],
  },
  {
    name: 'ReduceMean (axes attribute, keepdims 0/1, all axes)',
    inputs: [{ name: 'x', shape: [2, 3, 4] }],
    build: (b, { x }) => [
      b.op1('ReduceMean', [x], { axes: [2], keepdims: 0 }),
      b.op1('ReduceMean', [x], { axes: [0, 1], keepdims: 1 }),
      b.op1('ReduceMean', [x], { keepdims: 0 }),
    ],
  },
  {
    name: 'ReduceMax / ReduceMin',
    inputs: [{ name: 'x', shape: [3, 4] }],
    build: (b, { x }) => [b.op1('ReduceMax', [x], { axes: [1], keepdims: 0 }), b.op1('ReduceMin', [x], { axes: [0], keepdims: 1 })],
  },

  // ---- shape manipulation
  {
    name: 'Transpose',
    inputs: [{ name: 'x', shape: [2, 3, 4] }],
    build: (b, { x }) => [b.op1('Transpose', [x], { perm: [1, 2, 0] }), b.op1('Transpose', [x])],
  },
  {
    name: 'Reshape (with 0 and -1)',
    inputs: [{ name: 'x', shape: [2, 3, 4] }],
    build: (b, { x }) => b.op1('Reshape', [x, i64(b, [0, -1, 2])]),
  },
  {
    name: 'Flatten',
    inputs: [{ name: 'x', shape: [2, 3, 2] }],
    build: (b, { x }) => b.op1('Flatten', [x], { axis: 2 }),
  },
  {
    name: 'Unsqueeze / Squeeze',
    inputs: [{ name: 'x', shape: [3, 1, 2] }],
    build: (b, { x }) => [b.op1('Unsqueeze', [x, i64(b, [0, 3])]), b.op1('Squeeze', [x, i64(b, [1])])],
  },
  {
    name: 'Expand',
    inputs: [{ name: 'x', shape: [3, 1] }],
    build: (b, { x }) => b.op1('Expand', [x, i64(b, [2, 3, 4])]),
  },
  {
    name: 'Slice (negative start/end, axes, clamped end)',
    inputs: [{ name: 'x', shape: [4, 5] }],
    build: (b, { x }) => [
      b.op1('Slice', [x, i64(b, [1, -3]), i64(b, [3, 100]), i64(b, [0, 1])]),
      b.op1('Slice', [x, i64(b, [0]), i64(b, [-1]), i64(b, [1])]),
    ],
  },
  {
    name: 'Slice on a symbolic dim (drop the last position)',
    inputs: [{ name: 'x', shape: [2, 'seq', 3], dims: [2, 4, 3] }],
    build: (b, { x }) => b.op1('Slice', [x, i64(b, [0]), i64(b, [-1]), i64(b, [1])]),
  },
  {
    name: 'Concat',
    inputs: [
      { name: 'x', shape: [2, 3] },
      { name: 'y', shape: [2, 1] },
      { name: 'z', shape: [2, 2] },
    ],
    build: (b, { x, y, z }) => b.op1('Concat', [x, y, z], { axis: 1 }),
  },
  {
    name: 'Concat on a symbolic dim (dynamic split sizes)',
    inputs: [
      { name: 'x', shape: ['past', 2], dims: [3, 2] },
      { name: 'y', shape: ['seq', 2], dims: [2, 2] },
    ],
    build: (b, { x, y }) => b.op1('Concat', [x, y], { axis: 0 }),
  },
  {
    name: 'Split (one output unused)',
    inputs: [{ name: 'x', shape: [2, 5] }],
    build: (b, { x }) => {
      const [p, , r] = b.op('Split', [x, i64(b, [2, 1, 2])], { axis: 1 }, 3);
      return [p, r];
    },
  },
  {
    name: 'Gather axis 0 (embedding lookup with repeated ids)',
    inputs: [
      { name: 'emb', shape: [5, 3] },
      { name: 'ids', dtype: 'int64', shape: [2, 3], data: [1, 4, 1, 0, 1, 3] },
    ],
    build: (b, { emb, ids }) => b.op1('Gather', [emb, ids], { axis: 0 }),
  },
  {
    name: 'Gather axis 1 with scalar and vector indices',
    inputs: [
      { name: 'x', shape: [2, 4, 3] },
      { name: 'i', dtype: 'int64', shape: [3], data: [2, 0, 2] },
      { name: 's', dtype: 'int64', shape: [], data: [3] },
    ],
    build: (b, { x, i, s }) => [b.op1('Gather', [x, i], { axis: 1 }), b.op1('Gather', [x, s], { axis: 1 })],
  },
  {
    name: 'GatherElements',
    inputs: [
      { name: 'x', shape: [3, 4] },
      { name: 'i', dtype: 'int64', shape: [3, 2], data: [0, 3, 1, 1, 2, 0] },
    ],
    build: (b, { x, i }) => b.op1('GatherElements', [x, i], { axis: 1 }),
  },
  {
    name: 'Where (broadcast condition and branches)',
    inputs: [
      { name: 'c', dtype: 'bool', shape: [3, 1], data: [1, 0, 1] },
      { name: 'x', shape: [3, 4] },
      { name: 'y', shape: [4] },
    ],
    build: (b, { c, x, y }) => b.op1('Where', [c, x, y]),
  },
  {
    name: 'Cast float64 -> float32 -> float64',
    inputs: [{ name: 'x', shape: [2, 3] }],
    build: (b, { x }) => b.op1('Cast', [b.op1('Mul', [b.op1('Cast', [x], { to: ONNX_DTYPE.float32 }), b.scalar(3, 'float32')])], { to: ONNX_DTYPE.float64 }),
    // the float32 round trip limits finite differences in the middle
    h: 1e-3,
    atol: 1e-4,
    rtol: 1e-4,
  },
  {
    name: 'CumSum (exclusive, reverse)',
    inputs: [{ name: 'x', shape: [2, 4] }],
    build: (b, { x }) => [b.op1('CumSum', [x, i64(b, [1])]), b.op1('CumSum', [x, i64(b, [1])], { exclusive: 1, reverse: 1 })],
  },
  {
    name: 'Trilu (causal masking)',
    inputs: [{ name: 'x', shape: [3, 3] }],
    build: (b, { x }) => [b.op1('Trilu', [x], { upper: 0 }), b.op1('Trilu', [x, b.constInt64([1])], { upper: 1 })],
  },
  {
    name: 'LayerNormalization (fused forward, composed backward)',
    inputs: [
      { name: 'x', shape: [2, 3, 4] },
      { name: 'g', shape: [4] },
      { name: 'bias', shape: [4] },
    ],
    build: (b, { x, g, bias }) => b.op1('LayerNormalization', [x, g, bias], { axis: -1, epsilon: 1e-5 }),
  },
];

const erfCase = (dtype: 'float64' | 'float32'): Case => ({ ...un('Erf'), name: `Erf (${dtype})`, dtype });

describe('autodiff: per-op vector-Jacobian rules vs central finite differences', () => {
  for (const c of cases) {
    it(c.name, async () => {
      const r = await checkGradients({ ...c, build: c.build as (b: GraphBuilder, ins: Record<string, Value>) => Value | Value[] });
      expect(r.comparisons).toBeGreaterThan(0);
    });
  }
  it('Erf', async () => {
    // ORT's CPU provider registers Erf for float only, so its rule is checked in float32
    const r = await checkGradients(erfCase('float32'));
    expect(r.comparisons).toBeGreaterThan(0);
  });
});
