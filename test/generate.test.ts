import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveModel } from '../main/engine/arch/registry';
import { readTensorF32 } from '../main/engine/safetensors/reader';
import { decoderSpecFromModel } from '../main/engine/decoder/adapter';
import { prepareDecoder } from '../main/engine/decoder/prepare';
import { DEFAULT_VARIANT, INFERENCE_VARIANT } from '../main/engine/decoder/graph';
import { DecoderSession } from '../main/engine/runtime/session';
import { generate, leftPad } from '../main/engine/generate/generate';
import { argmax, chooseToken, rng, sortedByLogit, type SamplingOptions } from '../main/engine/generate/sampling';
import type { ArchName } from '../main/engine/arch/profiles';
import { refForward, type Weights } from './support/ref-decoder';
import { writeTinyModel } from './support/tiny-model';
import { tempDir } from './helpers';

const PROMPTS = [[1, 5, 9, 33, 7], [1, 40], [1, 12, 13, 14, 15, 16, 17, 18, 19]];
const base = { eosTokenIds: [] as number[], padTokenId: 0 };

describe.each(['llama', 'mistral', 'qwen2', 'gpt2'] as ArchName[])('generation (%s)', (arch) => {
  let s: DecoderSession;
  let weights: Weights;
  let ms: ReturnType<typeof resolveModel>;
  beforeAll(async () => {
    ms = resolveModel(writeTinyModel(path.join(tempDir(), arch), arch, { seed: 7 }));
    weights = new Map([...ms.weights.values()].map((t) => [t.name, { dims: t.shape, data: readTensorF32(t) }]));
    // the engine's generation graph (fused norms), checked against the float64 reference
    s = await DecoderSession.open(prepareDecoder(ms, tempDir(), INFERENCE_VARIANT), { provider: 'cpu' });
  });
  afterAll(() => s?.release());

  it('greedy with the KV cache equals greedy by full recomputation of the reference', async () => {
    const spec = decoderSpecFromModel(ms);
    const r = await generate(s, [PROMPTS[0]], { ...base, maxNewTokens: 8 });
    const ids = [...PROMPTS[0]];
    for (let i = 0; i < 8; i++) {
      const { logits } = refForward(spec, weights, ids);
      ids.push(argmax(Float32Array.from(logits[logits.length - 1])));
    }
    expect(r.ids[0]).toEqual(ids);
  });

  it('24 greedy tokens: a left-padded batch generates exactly what each prompt generates alone', async () => {
    const alone = [];
    for (const p of PROMPTS) alone.push((await generate(s, [p], { ...base, maxNewTokens: 24 })).newIds[0]);
    const batch = await generate(s, PROMPTS, { ...base, maxNewTokens: 24 });
    expect(batch.newIds).toEqual(alone);
    for (const n of alone) expect(n).toHaveLength(24);
  });

  it('sampling is reproducible with a seed and differs across seeds', async () => {
    const o = (seed: number) => ({ ...base, maxNewTokens: 16, sampling: { doSample: true, temperature: 1.5, topK: 40, topP: 0.95, repetitionPenalty: 1.1, seed } });
    const a = await generate(s, PROMPTS, o(1));
    const b = await generate(s, PROMPTS, o(1));
    const c = await generate(s, PROMPTS, o(2));
    expect(a.newIds).toEqual(b.newIds);
    expect(c.newIds).not.toEqual(a.newIds);
  });

  it('stops a row at EOS and pads it while the others continue', async () => {
    const first = (await generate(s, [PROMPTS[1]], { ...base, maxNewTokens: 3 })).newIds[0];
    const r = await generate(s, [PROMPTS[1], PROMPTS[2]], { eosTokenIds: [first[1]], padTokenId: 0, maxNewTokens: 6 });
    expect(r.newIds[0]).toEqual(first.slice(0, first.indexOf(first[1]) + 1));
  });
});

describe('sampling pieces', () => {
  it('left padding: position ids count real tokens only', () => {
    const p = leftPad([[5, 6, 7], [8]], 0);
    expect(Array.from(p.mask, Number)).toEqual([1, 1, 1, 0, 0, 1]);
    expect(Array.from(p.pos, Number)).toEqual([0, 1, 2, 0, 0, 0]);
    expect(Array.from(p.ids, Number)).toEqual([5, 6, 7, 0, 0, 8]);
  });
  it('top-k 1 is greedy; repetition penalty divides positive and multiplies negative logits', () => {
    const l = Float32Array.of(1, 3, 2.9, -1);
    expect(chooseToken(l.slice(), [], { doSample: true, temperature: 1, topK: 1, topP: 1, repetitionPenalty: 1, seed: 0 }, rng(3))).toBe(1);
    const pen = l.slice();
    expect(chooseToken(pen, [1, 3], { doSample: false, temperature: 1, topK: 0, topP: 1, repetitionPenalty: 2, seed: 0 }, rng(3))).toBe(2);
    expect(Array.from(pen)).toEqual([1, 1.5, Math.fround(2.9), -2]);
  });
  it('top-p keeps the smallest prefix reaching the mass', () => {
    // probabilities ≈ [0.64, 0.24, 0.09, 0.03]: top_p 0.5 leaves only the first
    const l = Float32Array.of(3, 2, 1, 0);
    const seen = new Set<number>();
    const r = rng(9);
    for (let i = 0; i < 50; i++) seen.add(chooseToken(l.slice(), [], { doSample: true, temperature: 1, topK: 0, topP: 0.5, repetitionPenalty: 1, seed: 0 }, r));
    expect([...seen]).toEqual([0]);
  });
  // The plain definition the fast path must match exactly: comparator sort, then softmax / top-k / top-p / draw.
  const slowChoose = (logits: Float32Array, o: SamplingOptions, random: () => number): number => {
    let idx = Array.from({ length: logits.length }, (_, i) => i).sort((a, b) => logits[b] - logits[a] || a - b);
    if (o.topK > 0 && o.topK < logits.length) idx = idx.slice(0, o.topK);
    const max = logits[idx[0]] / o.temperature;
    let p = idx.map((i) => Math.exp(logits[i] / o.temperature - max));
    let z = p.reduce((a, b) => a + b, 0);
    p = p.map((x) => x / z);
    if (o.topP < 1) {
      let cum = 0, keep = 0;
      while (keep < p.length) if ((cum += p[keep++]) >= o.topP) break;
      idx = idx.slice(0, keep);
      p = p.slice(0, keep);
      z = p.reduce((a, b) => a + b, 0);
      p = p.map((x) => x / z);
    }
    const r = random();
    let acc = 0;
    for (let i = 0; i < p.length; i++) if (r < (acc += p[i])) return idx[i];
    return idx[idx.length - 1];
  };
  it('the key sort orders like the comparator sort (ties by id, ±0, ±Infinity) and sampling draws the same tokens', () => {
    const r = rng(5);
    const V = 5000;
    const l = Float32Array.from({ length: V }, () => Math.round((r() - 0.5) * 40) / 4); // many exact ties
    l[3] = -0; l[10] = 0; l[11] = Infinity; l[12] = -Infinity; l[13] = -3.4e38; l[14] = 1e-45; l[15] = -1e-45;
    const ref = Array.from({ length: V }, (_, i) => i).sort((a, b) => l[b] - l[a] || a - b);
    expect(Array.from(sortedByLogit(l))).toEqual(ref);
    l[11] = 8; // finite logits for the draws
    for (const o of [
      { doSample: true, temperature: 0.7, topK: 0, topP: 1, repetitionPenalty: 1, seed: 0 },
      { doSample: true, temperature: 1.3, topK: 50, topP: 0.9, repetitionPenalty: 1, seed: 0 },
      { doSample: true, temperature: 1, topK: 0, topP: 0.95, repetitionPenalty: 1, seed: 0 },
    ]) {
      const a = rng(11), b = rng(11);
      for (let i = 0; i < 40; i++) expect(chooseToken(l.slice(), [], o, a)).toBe(slowChoose(l, o, b));
    }
  });
});

describe('float16 graph (the GPU-provider variant)', () => {
  it('builds, runs on ORT and agrees with float32 on greedy tokens', async () => {
    const ms = resolveModel(writeTinyModel(path.join(tempDir(), 'f16'), 'llama', { seed: 7 }));
    const d = tempDir();
    const f16 = await DecoderSession.open(prepareDecoder(ms, d, { ...DEFAULT_VARIANT, dtype: 'float16' }), { provider: 'cpu' });
    const f32 = await DecoderSession.open(prepareDecoder(ms, d, DEFAULT_VARIANT), { provider: 'cpu' });
    const o = { maxNewTokens: 8, eosTokenIds: [], padTokenId: 0 };
    const a = await generate(f16, [[1, 5, 9, 33, 7]], o);
    const b = await generate(f32, [[1, 5, 9, 33, 7]], o);
    expect(a.newIds).toEqual(b.newIds);
    await f16.release();
    await f32.release();
  });
});
