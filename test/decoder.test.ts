import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { resolveModel } from '../main/engine/arch/registry';
import { readTensorF32 } from '../main/engine/safetensors/reader';
import { decoderSpecFromModel } from '../main/engine/decoder/adapter';
import { prepareDecoder } from '../main/engine/decoder/prepare';
import { DecoderSession } from '../main/engine/runtime/session';
import { emptyCache } from '../main/engine/generate/generate';
import type { ArchName } from '../main/engine/arch/profiles';
import { refForward, type Weights } from './support/ref-decoder';
import { writeTinyModel } from './support/tiny-model';
import { tempDir } from './helpers';

const ARCHS: ArchName[] = ['llama', 'mistral', 'qwen2', 'gpt2'];

function maxAbs(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

describe.each(ARCHS)('decoder graph (%s)', (arch) => {
  // inference: the form ORT runs faster (fused norms), numerically the same forward
  it.each([false, true])('logits and every hidden state match the reference forward (f32, |err| < 1e-4; inference form %s)', async (inference) => {
    const dir = writeTinyModel(path.join(tempDir(), arch), arch, { dtype: arch === 'mistral' ? 'BF16' : 'F32' });
    const ms = resolveModel(dir);
    const spec = decoderSpecFromModel(ms);
    const w: Weights = new Map([...ms.weights.values()].map((t) => [t.name, { dims: t.shape, data: readTensorF32(t) }]));
    const prepared = prepareDecoder(ms, tempDir(), { dtype: 'float32', hiddenStates: true, allLogits: true, editable: [], inference });
    const s = await DecoderSession.open(prepared, { provider: 'cpu' });
    const ids = [1, 5, 9, 33, 7, 60, 2, 11];
    const S = ids.length;
    const out = await s.run({
      input_ids: { dtype: 'int64', dims: [1, S], data: BigInt64Array.from(ids.map(BigInt)) },
      attention_mask: { dtype: 'int64', dims: [1, S], data: new BigInt64Array(S).fill(1n) },
      position_ids: { dtype: 'int64', dims: [1, S], data: BigInt64Array.from(ids.map((_, i) => BigInt(i))) },
      ...emptyCache(s, 1),
    });
    const ref = refForward(spec, w, ids);
    expect(out.logits.dims).toEqual([1, S, spec.vocab]);
    expect(maxAbs(out.logits.data as Float32Array, ref.logits.flatMap((r) => [...r]))).toBeLessThan(1e-4);
    expect(ref.hidden.length).toBe(spec.layers + 1);
    for (let j = 0; j <= spec.layers; j++) {
      const h = out[`hidden.${j}`];
      expect(h.dims).toEqual([1, S, spec.hidden]);
      expect(maxAbs(h.data as Float32Array, ref.hidden[j].flatMap((r) => [...r]))).toBeLessThan(1e-4);
    }
    // The cache holds every position: [batch, kvHeads, seq, headDim].
    expect(out['present.0.key'].dims).toEqual([1, spec.kvHeads, S, spec.headDim]);
    await s.release();
    expect(fs.existsSync(path.join(prepared.dir, 'weights.bin'))).toBe(true);
  });
});

describe('editable weights', () => {
  it('an editable down_proj is a graph input: defaults to the checkpoint, and a fed value changes the output exactly', async () => {
    const ms = resolveModel(writeTinyModel(path.join(tempDir(), 'e'), 'llama', { seed: 3 }));
    const spec = decoderSpecFromModel(ms);
    const down = spec.layerTensors[1].down!;
    const w: Weights = new Map([...ms.weights.values()].map((t) => [t.name, { dims: t.shape, data: readTensorF32(t) }]));
    const data = tempDir();
    const plain = await DecoderSession.open(prepareDecoder(ms, data, { dtype: 'float32', hiddenStates: false, allLogits: true, editable: [] }), { provider: 'cpu' });
    const edit = await DecoderSession.open(prepareDecoder(ms, data, { dtype: 'float32', hiddenStates: false, allLogits: true, editable: [down] }), { provider: 'cpu' });
    const ids = [3, 4, 5, 6];
    const feeds = () => ({
      input_ids: { dtype: 'int64' as const, dims: [1, 4], data: BigInt64Array.from(ids.map(BigInt)) },
      attention_mask: { dtype: 'int64' as const, dims: [1, 4], data: new BigInt64Array(4).fill(1n) },
      position_ids: { dtype: 'int64' as const, dims: [1, 4], data: BigInt64Array.of(0n, 1n, 2n, 3n) },
      ...emptyCache(plain, 1),
    });
    const a = (await plain.run(feeds())).logits.data as Float32Array;
    const b = (await edit.run(feeds())).logits.data as Float32Array;
    expect(Array.from(b)).toEqual(Array.from(a));
    const t = w.get(down)!;
    const changed = t.data.map((x, i) => (i % 3 === 0 ? x * -2 : x));
    edit.setWeight(down, { dtype: 'float32', dims: t.dims, data: changed });
    const c = (await edit.run(feeds())).logits.data as Float32Array;
    w.set(down, { dims: t.dims, data: changed });
    const ref = refForward(spec, w, ids).logits.flatMap((r) => [...r]);
    expect(maxAbs(c, ref)).toBeLessThan(1e-4);
    expect(maxAbs(c, a)).toBeGreaterThan(1e-3);
    edit.setWeight(down, null);
    expect(Array.from((await edit.run(feeds())).logits.data as Float32Array)).toEqual(Array.from(a));
    await plain.release();
    await edit.release();
  });
});
