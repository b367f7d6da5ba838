// Whole-model gradient check per architecture: the real decoder graph (main/engine/decoder/graph.ts) of a tiny
// random checkpoint, with layer 0's weights, the embeddings and the final norm as trainable inputs, a DINM-style loss
// (masked NLL of labels + KL to a frozen reference distribution), differentiated by autodiff and run on ORT.
// float64 (graph promoted from the float32 build) is compared with central finite differences along random
// directions; the float32 step graph (what runs in production) is compared with the float64 gradients.
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { resolveModel } from '../main/engine/arch/registry';
import type { ArchName } from '../main/engine/arch/profiles';
import { decoderSpecFromModel } from '../main/engine/decoder/adapter';
import { buildDecoderGraph, pastName } from '../main/engine/decoder/graph';
import type { DecoderSpec } from '../main/engine/decoder/spec';
import { buildStepGraph, builderFromGraph, stopGradient } from '../main/engine/graph/autodiff';
import type { Graph } from '../main/engine/graph/ir';
import { klDivergence, softmaxCrossEntropy } from '../main/engine/graph/nn';
import { readTensorF32 } from '../main/engine/safetensors/reader';
import { tempDir } from './helpers';
import { normal, rng, session } from './support/gradcheck';
import { promoteToFloat64 } from './support/promote';
import { writeTinyModel } from './support/tiny-model';

const ARCHS: ArchName[] = ['llama', 'mistral', 'qwen2', 'gpt2'];

interface Step {
  graph: Graph;
  lossName: string;
  grads: Record<string, string>;
}

/** Decoder + loss + backward; trainable: layer 0, the embeddings, the final norm (and an untied head). */
function stepGraph(spec: DecoderSpec, weights: Parameters<typeof buildDecoderGraph>[1], editable: string[], f64: boolean): Step {
  let g = buildDecoderGraph(spec, weights, { dtype: 'float32', hiddenStates: false, allLogits: true, editable });
  if (f64) g = promoteToFloat64(g);
  const b = builderFromGraph(g, false);
  const dt = f64 ? 'float64' : 'float32';
  const logits = b.values.get('logits')!; // [batch, seq, vocab]
  const labels = b.input('labels', 'int64', ['batch', 'seq']); // [batch, seq]
  const keep = b.input('keep', dt, ['batch', 'seq']); // [batch, seq] 1 = real token
  const ref = b.input('ref_logits', dt, ['batch', 'seq', spec.vocab]); // [batch, seq, vocab]
  const nll = softmaxCrossEntropy(b, logits, labels, { ignoreIndex: -100 }); // []
  const kl = klDivergence(b, stopGradient(b, ref), logits, { mask: keep }); // []
  const loss = b.op1('Add', [nll, kl]); // []
  const params = editable.map((n) => b.values.get(n)!);
  const s = buildStepGraph(b, loss, params);
  return { graph: s.graph, lossName: s.loss, grads: s.grads };
}

describe.each(ARCHS)('autodiff through the whole decoder (%s)', (arch) => {
  it('float64 gradients of every trainable tensor match finite differences; float32 agrees', async () => {
    const dir = writeTinyModel(path.join(tempDir(), arch), arch, { dtype: 'F32' });
    const ms = resolveModel(dir);
    const spec = decoderSpecFromModel(ms);
    const data = new Map([...ms.weights.values()].map((t) => [t.name, { dims: t.shape, data: readTensorF32(t) }]));
    const weights = (name: string) => {
      const w = data.get(name);
      if (!w) throw new Error(`no weight ${name}`);
      return w;
    };
    const gl = spec.globals;
    const editable = [
      ...new Set([gl.embed, gl.posEmbed, gl.finalNorm, gl.finalNormBias, gl.lmHead, ...Object.values(spec.layerTensors[0])].filter((x): x is string => !!x)),
    ];
    expect(editable.length).toBeGreaterThan(6);

    // batch of 2: row 1 is left-padded by one token
    const S = 6;
    const ids = [
      [3, 17, 9, 40, 22, 5],
      [0, 8, 17, 12, 9, 8], // repeated ids: the embedding gradient must scatter-add
    ];
    const mask = [
      [1, 1, 1, 1, 1, 1],
      [0, 1, 1, 1, 1, 1],
    ];
    const pos = [
      [0, 1, 2, 3, 4, 5],
      [0, 0, 1, 2, 3, 4],
    ];
    const labels = ids.map((row, r) => row.map((_, i) => (i + 1 < S && mask[r][i] ? row[i + 1] : -100)));
    const r = rng(7);
    const refLogits = Array.from({ length: 2 * S * spec.vocab }, () => 2 * normal(r));

    const feeds = (f64: boolean, override?: Record<string, number[]>): Record<string, ort.Tensor> => {
      const F = (v: ArrayLike<number>, dims: number[]) => (f64 ? new ort.Tensor('float64', Float64Array.from(v), dims) : new ort.Tensor('float32', Float32Array.from(v), dims));
      const I = (v: number[][]) => new ort.Tensor('int64', BigInt64Array.from(v.flat().map(BigInt)), [2, S]);
      const f: Record<string, ort.Tensor> = {
        input_ids: I(ids),
        attention_mask: I(mask),
        position_ids: I(pos),
        labels: I(labels),
        keep: F(mask.flat(), [2, S]),
        ref_logits: F(refLogits, [2, S, spec.vocab]),
      };
      for (let i = 0; i < spec.layers; i++)
        for (const k of ['key', 'value'] as const) f[pastName(i, k)] = F([], [2, spec.kvHeads, 0, spec.headDim]);
      for (const n of editable) f[n] = F(override?.[n] ?? data.get(n)!.data, data.get(n)!.dims);
      return f;
    };

    const s64 = stepGraph(spec, weights, editable, true);
    const sess64 = await session(s64.graph);
    const out = await sess64.run(feeds(true));
    const loss0 = Number(out[s64.lossName].data[0]);
    expect(Number.isFinite(loss0)).toBe(true);

    const h = 1e-5;
    const lossAt = async (name: string, values: number[]) => Number((await sess64.run(feeds(true, { [name]: values }), [s64.lossName]))[s64.lossName].data[0]);
    let worst = 0;
    for (const name of editable) {
      const g = Array.from(out[s64.grads[name]].data as Float64Array);
      const w = Array.from(data.get(name)!.data);
      expect(g.length).toBe(w.length);
      expect(g.some((x) => x !== 0)).toBe(true);
      for (let k = 0; k < 2; k++) {
        const d = w.map(() => normal(r));
        const fd = ((await lossAt(name, w.map((x, i) => x + h * d[i]))) - (await lossAt(name, w.map((x, i) => x - h * d[i])))) / (2 * h);
        const ad = g.reduce((acc, x, i) => acc + x * d[i], 0);
        const err = Math.abs(fd - ad);
        worst = Math.max(worst, err / Math.max(Math.abs(fd), 1e-3));
        expect(err, `${arch} ${name} direction ${k}: autodiff ${ad}, finite differences ${fd}`).toBeLessThanOrEqual(1e-7 + 1e-5 * Math.abs(fd));
      }
    }
    await sess64.release();

    // the float32 step graph agrees with the float64 gradients
    const s32 = stepGraph(spec, weights, editable, false);
    const sess32 = await session(s32.graph);
    const out32 = await sess32.run(feeds(false));
    expect(Math.abs(Number(out32[s32.lossName].data[0]) - loss0)).toBeLessThan(1e-4 * Math.max(1, Math.abs(loss0)));
    for (const name of editable) {
      const a = out32[s32.grads[name]].data as Float32Array;
      const b = out[s64.grads[name]].data as Float64Array;
      let num = 0;
      let den = 0;
      for (let i = 0; i < a.length; i++) {
        num += (a[i] - b[i]) ** 2;
        den += b[i] ** 2;
      }
      expect(Math.sqrt(num / den), `${arch} ${name} float32 vs float64 gradient`).toBeLessThan(1e-3);
    }
    await sess32.release();
    expect(worst).toBeLessThan(1e-4);
  });
});
