// Full-model training (main/training): the gradient of EVERY parameter of tiny decoders (and of a tiny judge
// classifier) matches central finite differences in float64; the masked loss scores assistant tokens only; the
// loop is deterministic with a seed and actually fits a small set of sequences.
import fs from 'node:fs';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { resolveModel, type ArchName } from '../main/engine/arch/registry';
import { resolveClassifier } from '../main/engine/arch/classifiers';
import { decoderSpecFromModel } from '../main/engine/decoder/adapter';
import { readTensorF32 } from '../main/engine/safetensors/reader';
import type { Feed } from '../main/engine/generate/generate';
import { writeTinyClassifier } from '../main/engine/testing/tiny-classifier';
import { buildDecoderTrainGraph, decoderBatch, IGNORE, LABELS, type ChatExample, type StepGraphInfo } from '../main/training/decoder';
import { buildClassifierTrainGraph, classifierBatch } from '../main/training/classifier';
import { lrAt, StepSession, trainLoop } from '../main/training/trainer';
import { tempDir } from './helpers';
import { normal, rng, session } from './support/gradcheck';
import { promoteToFloat64 } from './support/promote';
import { writeTinyModel } from './support/tiny-model';

type Weights = Map<string, { dims: number[]; data: Float32Array }>;

function toOrt(f: Record<string, Feed>, f64: boolean): Record<string, ort.Tensor> {
  const out: Record<string, ort.Tensor> = {};
  for (const [k, v] of Object.entries(f)) {
    if (v.dtype === 'float32' && f64) out[k] = new ort.Tensor('float64', Float64Array.from(v.data), v.dims);
    else out[k] = new ort.Tensor(v.dtype, v.data as Float32Array, v.dims);
  }
  return out;
}

/** float64 finite differences along random directions vs the autodiff gradient, for every parameter. */
async function checkEveryParam(step: StepGraphInfo, weights: Weights, batch: Record<string, Feed>, directions: number) {
  const s = await session(step.graph);
  const feeds = (override?: [string, Float64Array]) => {
    const f = toOrt(batch, true);
    for (const p of step.params) {
      const w = weights.get(p)!;
      f[p] = new ort.Tensor('float64', override && override[0] === p ? override[1] : Float64Array.from(w.data), w.dims);
    }
    return f;
  };
  const out = await s.run(feeds());
  const r = rng(99);
  const h = 1e-5;
  let checked = 0;
  for (const p of step.params) {
    const g = out[step.grads[p]].data as Float64Array;
    const w = Float64Array.from(weights.get(p)!.data);
    expect(g.length, p).toBe(w.length);
    expect(g.some((x) => x !== 0), `${p} has an all-zero gradient`).toBe(true);
    for (let k = 0; k < directions; k++) {
      const d = Float64Array.from(w, () => normal(r));
      const at = async (sign: number) => Number((await s.run(feeds([p, w.map((x, i) => x + sign * h * d[i])]), [step.loss]))[step.loss].data[0]);
      const fd = ((await at(1)) - (await at(-1))) / (2 * h);
      const ad = g.reduce((acc, x, i) => acc + x * d[i], 0);
      expect(Math.abs(fd - ad), `${p} direction ${k}: autodiff ${ad}, finite differences ${fd}`).toBeLessThanOrEqual(1e-7 + 1e-5 * Math.abs(fd));
      checked++;
    }
  }
  await s.release();
  return { checked, loss: Number(out[step.loss].data[0]) };
}

function decoderWeights(dir: string) {
  const ms = resolveModel(dir);
  const spec = decoderSpecFromModel(ms);
  const weights: Weights = new Map([...ms.weights.values()].map((t) => [t.name, { dims: t.shape, data: readTensorF32(t) }]));
  return { ms, spec, weights, source: (n: string) => weights.get(n)! };
}

const EXAMPLES: ChatExample[] = [
  { prompt: [3, 17, 9], response: [40, 22, 5, 2] },
  { prompt: [8, 17], response: [12, 9, 8, 8, 2] }, // repeated ids: the embedding gradient must scatter-add
  { prompt: [30, 31, 32, 33, 34], response: [7, 2] },
];

describe.each(['llama', 'gpt2', 'qwen2'] as ArchName[])('decoder training graph (%s)', (arch) => {
  it('the gradient of every parameter matches finite differences (float64)', async () => {
    const { spec, weights, source } = decoderWeights(writeTinyModel(path.join(tempDir(), arch), arch, { seed: 3 }));
    const step = buildDecoderTrainGraph(spec, source, { transform: promoteToFloat64 });
    expect(step.params.length).toBe(new Set([...weights.keys()]).size); // every weight is trained
    const batch = decoderBatch(spec, EXAMPLES, 0);
    const { checked, loss } = await checkEveryParam(step, weights, batch, 2);
    expect(checked).toBe(2 * weights.size);
    expect(loss).toBeGreaterThan(0);
  });
});

describe('masked assistant-token loss', () => {
  it('labels are the next tokens of the response only; the loss equals the mean NLL over those positions', async () => {
    const { spec, weights, source } = decoderWeights(writeTinyModel(path.join(tempDir(), 'm'), 'llama', { seed: 4 }));
    const batch = decoderBatch(spec, EXAMPLES, 0);
    const S = 7;
    expect(batch.input_ids.dims).toEqual([3, S]);
    const lab = Array.from(batch[LABELS].data as BigInt64Array, Number);
    // row 0: prompt 3 tokens, response 4 → positions 2..5 predict the response, the rest is ignored
    expect(lab.slice(0, S)).toEqual([IGNORE, IGNORE, 40, 22, 5, 2, IGNORE]);
    expect(lab.slice(2 * S, 3 * S)).toEqual([IGNORE, IGNORE, IGNORE, IGNORE, 7, 2, IGNORE]);
    expect(Array.from(batch.attention_mask.data as BigInt64Array, Number).slice(2 * S)).toEqual([1, 1, 1, 1, 1, 1, 1]);
    expect(Array.from(batch.attention_mask.data as BigInt64Array, Number).slice(S, 2 * S)).toEqual([1, 1, 1, 1, 1, 1, 1]);

    // reference: logits of the plain inference graph (all positions) → mean NLL over labelled positions
    const { buildDecoderGraph } = await import('../main/engine/decoder/graph');
    const g = buildDecoderGraph(spec, source, { dtype: 'float32', hiddenStates: false, allLogits: true, editable: [] });
    const fs = await session(g);
    const feeds = toOrt(batch, false);
    delete feeds[LABELS];
    const logits = (await fs.run(feeds)).logits.data as Float32Array;
    let nll = 0;
    let n = 0;
    const V = spec.vocab;
    lab.forEach((y, i) => {
      if (y === IGNORE) return;
      const row = logits.subarray(i * V, (i + 1) * V);
      const m = Math.max(...row);
      const lse = m + Math.log(row.reduce((a, x) => a + Math.exp(x - m), 0));
      nll += lse - row[y];
      n++;
    });
    await fs.release();
    const ss = await StepSession.open(buildDecoderTrainGraph(spec, source), weights, 1);
    const { loss } = await ss.run(batch);
    await ss.release();
    expect(n).toBe(4 + 5 + 2);
    expect(loss).toBeCloseTo(nll / n, 4);
  });
});

describe('classifier training graph (judge architectures)', () => {
  it.each(['bert', 'roberta'] as const)('%s: the gradient of every parameter matches finite differences (float64)', async (arch) => {
    const dir = writeTinyClassifier(path.join(tempDir(), arch), arch, { seed: 5, layers: 1 }).dir;
    // ORT's CPU provider has no float64 Erf (docs/autodiff.md): check with the tanh GELU, which is float64-capable
    const cfgFile = path.join(dir, 'config.json');
    fs.writeFileSync(cfgFile, JSON.stringify({ ...JSON.parse(fs.readFileSync(cfgFile, 'utf8')), hidden_act: 'gelu_new' }));
    const spec = resolveClassifier(dir);
    const weights: Weights = new Map([...spec.tensors.values()].map((t) => [t.name, { dims: t.shape, data: readTensorF32(t) }]));
    const step = buildClassifierTrainGraph(spec, (n) => weights.get(n)!, { transform: promoteToFloat64 });
    expect(step.params.length).toBe(weights.size);
    const batch = classifierBatch(
      [
        { ids: [spec.padTokenId === 0 ? 2 : 0, 7, 9, 11, 3], label: 1 },
        { ids: [spec.padTokenId === 0 ? 2 : 0, 12, 12, 3], label: 0 },
      ],
      { padTokenId: spec.padTokenId, positionOffset: spec.positionOffset, tokenTypes: spec.tensors.has('typeEmbed') },
    );
    const { checked } = await checkEveryParam(step, weights, batch, 1);
    expect(checked).toBe(weights.size);
  });
});

describe('training loop', () => {
  it('learning-rate schedule: warm-up then cosine decay to the floor', () => {
    const s = { steps: 100, lr: 1, warmup: 0.1, minLrFraction: 0.1 };
    expect(lrAt(0, s)).toBeCloseTo(0.1);
    expect(lrAt(9, s)).toBeCloseTo(1);
    expect(lrAt(99, s)).toBeGreaterThanOrEqual(0.1);
    expect(lrAt(99, s)).toBeLessThan(0.12);
  });

  it('fits a few sequences (greedy next tokens reproduce the responses) and is deterministic with a seed', async () => {
    const run = async (seed: number) => {
      const { spec, weights, source } = decoderWeights(writeTinyModel(path.join(tempDir(), 'fit'), 'llama', { seed: 6 }));
      const ss = await StepSession.open(buildDecoderTrainGraph(spec, source), weights, 1);
      const res = await trainLoop(ss, (_t, rand) => decoderBatch(spec, [EXAMPLES[Math.floor(rand() * 3)], EXAMPLES[0], EXAMPLES[1], EXAMPLES[2]], 0), {
        steps: 120,
        batchSize: 4,
        lr: 1e-2,
        seed,
      });
      await ss.release();
      return { res, weights, spec, source };
    };
    const a = await run(1);
    const b = await run(1);
    expect(a.res.losses).toEqual(b.res.losses);
    for (const [k, w] of a.weights) expect(Array.from(w.data)).toEqual(Array.from(b.weights.get(k)!.data));
    expect(a.res.losses[a.res.losses.length - 1]).toBeLessThan(0.05 * a.res.losses[0]);
    // teacher-forced argmax equals every response token
    const { buildDecoderGraph } = await import('../main/engine/decoder/graph');
    const g = buildDecoderGraph(a.spec, (n) => a.weights.get(n)!, { dtype: 'float32', hiddenStates: false, allLogits: true, editable: [] });
    const s = await session(g);
    const batch = decoderBatch(a.spec, EXAMPLES, 0);
    const lab = Array.from(batch[LABELS].data as BigInt64Array, Number);
    const feeds = toOrt(batch, false);
    delete feeds[LABELS];
    const logits = (await s.run(feeds)).logits.data as Float32Array;
    await s.release();
    const V = a.spec.vocab;
    lab.forEach((y, i) => {
      if (y === IGNORE) return;
      const row = Array.from(logits.subarray(i * V, (i + 1) * V));
      expect(row.indexOf(Math.max(...row))).toBe(y);
    });
  });
});
