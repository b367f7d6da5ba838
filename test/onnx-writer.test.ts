import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import * as ort from 'onnxruntime-node';
import { GraphBuilder } from '../main/engine/graph/builder';
import { encodeModel, writeModel, ExternalDataWriter } from '../main/engine/graph/onnx';
import { tempDir } from './helpers';

function rand(n: number, seed: number): Float32Array {
  const a = new Float32Array(n);
  let s = seed;
  for (let i = 0; i < n; i++) {
    s = (s * 1664525 + 1013904223) >>> 0;
    a[i] = s / 2 ** 32 - 0.5;
  }
  return a;
}

describe('ONNX writer', () => {
  it('runs a hand-built graph with external weights, attributes of every kind and symbolic dims', async () => {
    const b = new GraphBuilder('t');
    const x = b.input('x', 'float32', ['batch', 4]); // [batch, 4]
    const wData = rand(4 * 300, 1); // [4, 300] — large: goes external
    const w = b.initializer('w', 'float32', [4, 300], wData);
    const bias = b.constant(Float32Array.of(1, 2, 3), [3], 'float32', 'bias'); // small: inline
    const y = b.op1('MatMul', [x, w]); // [batch, 300]
    const sliced = b.op1('Slice', [y, b.constInt64([0]), b.constInt64([3]), b.constInt64([-1])]); // [batch, 3]
    const z = b.op1('Add', [sliced, bias]); // [batch, 3]
    const leaky = b.op1('LeakyRelu', [z], { alpha: 0.5 }); // [batch, 3]
    const t = b.op1('Transpose', [leaky], { perm: [1, 0] }); // [3, batch]
    const c = b.op1('Constant', [], { value: { dtype: 'float32', dims: [1], data: Float32Array.of(10) } });
    const out = b.op1('Mul', [t, c]); // [3, batch]
    b.output(out, 'out');
    const dir = tempDir();
    const file = path.join(dir, 'm.onnx');
    const written = writeModel(b.build(), file);
    expect(written.dataBytes).toBe(4 * 300 * 4);
    expect(fs.statSync(file).size).toBeLessThan(2000); // weights not inline
    const s = await ort.InferenceSession.create(file);
    const xData = rand(8, 7); // [2, 4]
    const r = await s.run({ x: new ort.Tensor('float32', xData, [2, 4]) });
    const got = r.out.data as Float32Array;
    expect(r.out.dims).toEqual([3, 2]);
    for (let j = 0; j < 3; j++)
      for (let bi = 0; bi < 2; bi++) {
        let acc = 0;
        for (let k = 0; k < 4; k++) acc += xData[bi * 4 + k] * wData[k * 300 + j];
        acc += j + 1;
        const expected = (acc < 0 ? 0.5 * acc : acc) * 10;
        expect(got[j * 2 + bi]).toBeCloseTo(expected, 5);
      }
    await s.release();
  });

  it('float64 and int64 tensors and negative int attributes round-trip', async () => {
    const b = new GraphBuilder('f64');
    const x = b.input('x', 'float64', [2, 3]);
    const k = b.initializer('k', 'float64', [3], Float64Array.of(1e-12, 2.5, -3));
    const y = b.op1('Mul', [x, k]);
    const s = b.op1('ReduceSum', [y, b.constInt64([-1])], { keepdims: 0 }); // [2]
    const ids = b.input('ids', 'int64', [2]);
    const cast = b.op1('Cast', [ids], { to: 11 }); // float64
    b.output(b.op1('Add', [s, cast]), 'out');
    const dir = tempDir();
    const file = path.join(dir, 'f.onnx');
    writeModel(b.build(), file, { externalThreshold: 8 });
    const sess = await ort.InferenceSession.create(file);
    const r = await sess.run({
      x: new ort.Tensor('float64', Float64Array.of(1, 2, 3, 4, 5, 6), [2, 3]),
      ids: new ort.Tensor('int64', BigInt64Array.of(-5n, 7n), [2]),
    });
    const out = r.out.data as Float64Array;
    expect(out[0]).toBe(1e-12 + 5 - 9 - 5);
    expect(out[1]).toBe(4e-12 + 12.5 - 18 + 7);
    await sess.release();
  });

  it('references tensors already appended to an external data file', async () => {
    const dir = tempDir();
    const w = new ExternalDataWriter(path.join(dir, 'weights.bin'));
    const a = w.append(Float32Array.of(1, 2, 3)); // [3]
    const bRef = w.append(Float32Array.of(10, 20, 30)); // [3]
    w.close();
    const b = new GraphBuilder('ext');
    const x = b.input('x', 'float32', [3]);
    const ia = b.initializer('a', 'float32', [3], a);
    const ib = b.initializer('b', 'float32', [3], bRef);
    b.output(b.op1('Add', [b.op1('Mul', [x, ia]), ib]), 'y');
    fs.writeFileSync(path.join(dir, 'ext.onnx'), encodeModel(b.build()));
    const s = await ort.InferenceSession.create(path.join(dir, 'ext.onnx'));
    const r = await s.run({ x: new ort.Tensor('float32', Float32Array.of(1, 1, 2), [3]) });
    expect(Array.from(r.y.data as Float32Array)).toEqual([11, 22, 36]);
    await s.release();
  });

  it('rejects a graph that reads an undefined value or whose data does not match its dims', () => {
    const b = new GraphBuilder('bad');
    const x = b.input('x', 'float32', [2]);
    b.output(b.op1('Add', [x, { name: 'ghost', dtype: 'float32', shape: [2] }]));
    expect(() => encodeModel(b.build())).toThrow(/undefined 'ghost'/);
    const c = new GraphBuilder('bad2');
    c.initializer('w', 'float32', [3], Float32Array.of(1, 2));
    expect(() => encodeModel(c.build())).toThrow(/tensor 'w'.*need 12 bytes, got 8/);
  });
});
