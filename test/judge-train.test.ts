// The classifier graph is trainable: weights can be graph inputs (ClassifierSession variant.trainable, addClassifier)
// and autodiff differentiates a cross-entropy on its logits (checked against central finite differences).
import fs from 'node:fs';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { GOLDEN_CLASSIFIERS, writeTinyClassifier } from '../main/engine/testing/tiny-classifier';
import { resolveClassifier } from '../main/engine/arch/classifiers';
import { addClassifier } from '../main/engine/classifier/graph';
import { ClassifierSession } from '../main/engine/classifier/session';
import { GraphBuilder } from '../main/engine/graph/builder';
import { buildStepGraph } from '../main/engine/graph/autodiff';
import { softmaxCrossEntropy } from '../main/engine/graph/nn';
import { encodeModel } from '../main/engine/graph/onnx';
import { readTensorF32 } from '../main/engine/safetensors/reader';
import { tempDir } from './helpers';

const g = JSON.parse(fs.readFileSync(path.resolve(import.meta.dirname, 'goldens', 'judge-roberta.json'), 'utf8')) as { texts: string[]; ids: number[][]; logits: number[][] };
const tinyRoberta = () => {
  const m = GOLDEN_CLASSIFIERS.find((x) => x.name === 'roberta')!;
  return writeTinyClassifier(path.join(tempDir(), 'roberta'), m.arch, m.options).dir;
};
const OUT = 'classifier.out_proj.weight';
const Q0 = 'roberta.encoder.layer.0.attention.self.query.weight';

describe('trainable classifier', () => {
  it('trainable weights are fed inputs: checkpoint values reproduce the goldens, new values change the logits', async () => {
    const s = await ClassifierSession.open(tinyRoberta(), { dataDir: tempDir(), variant: { trainable: [OUT, Q0], pooled: false } });
    try {
      const l = await s.logits(g.texts.slice(0, 3));
      l.forEach((row, i) => row.forEach((x, j) => expect(Math.abs(x - g.logits[i][j])).toBeLessThan(1e-4)));
      s.setWeight(OUT, new Float32Array(2 * 32)); // zero head weight: logits = bias only
      const z = await s.logits(g.texts.slice(0, 3));
      expect(z[0]).toEqual(z[1]);
      expect(() => s.setWeight('classifier.dense.weight', new Float32Array(4))).toThrow(/not a trainable weight/);
    } finally {
      await s.release();
    }
  });

  it('cross-entropy gradients with respect to the head and a layer-0 weight match finite differences', async () => {
    const spec = resolveClassifier(tinyRoberta());
    const byName = new Map([...spec.tensors.values()].map((t) => [t.name, t]));
    const b = new GraphBuilder('train');
    const n = addClassifier(b, spec, (name) => ({ dims: byName.get(name)!.shape, data: readTensorF32(byName.get(name)!) }), [OUT, Q0]);
    const labels = b.input('labels', 'int64', ['batch']); // [batch]
    const loss = softmaxCrossEntropy(b, n.logits, labels); // []
    const step = buildStepGraph(b, loss, [n.weights.get(OUT)!, n.weights.get(Q0)!]);
    const sess = await ort.InferenceSession.create(encodeModel(step.graph), { graphOptimizationLevel: 'disabled' });

    const rows = g.ids.slice(0, 3); // right-padded batch of three texts
    const S = Math.max(...rows.map((r) => r.length));
    const flat = (f: (r: number[], j: number) => number) => BigInt64Array.from(rows.flatMap((r) => Array.from({ length: S }, (_, j) => BigInt(f(r, j)))));
    const pad = spec.padTokenId;
    const base: Record<string, ort.Tensor> = {
      input_ids: new ort.Tensor('int64', flat((r, j) => r[j] ?? pad), [3, S]),
      attention_mask: new ort.Tensor('int64', flat((r, j) => (j < r.length ? 1 : 0)), [3, S]),
      position_ids: new ort.Tensor('int64', flat((r, j) => (j < r.length ? pad + 1 + j : pad)), [3, S]),
      token_type_ids: new ort.Tensor('int64', new BigInt64Array(3 * S), [3, S]),
      labels: new ort.Tensor('int64', BigInt64Array.from([1n, 0n, 1n]), [3]),
    };
    const w0: Record<string, Float32Array> = { [OUT]: readTensorF32(byName.get(OUT)!), [Q0]: readTensorF32(byName.get(Q0)!) };
    const run = async (w: Record<string, Float32Array>) => {
      const feeds = { ...base };
      for (const [k, v] of Object.entries(w)) feeds[k] = new ort.Tensor('float32', v, byName.get(k)!.shape);
      return sess.run(feeds);
    };
    const out = await run(w0);
    let r = 7;
    const rand = () => ((r = (r * 1103515245 + 12345) % 2 ** 31) / 2 ** 31) * 2 - 1;
    for (const name of [OUT, Q0]) {
      const gr = out[step.grads[name]].data as Float32Array;
      const d = Float32Array.from(gr, () => rand());
      const h = 1e-2;
      const shifted = (sign: number) => ({ ...w0, [name]: Float32Array.from(w0[name], (x, i) => x + sign * h * d[i]) });
      const lp = ((await run(shifted(1)))[step.loss].data as Float32Array)[0];
      const lm = ((await run(shifted(-1)))[step.loss].data as Float32Array)[0];
      const fd = (lp - lm) / (2 * h);
      const ad = gr.reduce((s, x, i) => s + x * d[i], 0);
      expect(Math.abs(ad)).toBeGreaterThan(1e-3); // a real gradient, not zeros
      expect(Math.abs(fd - ad), `${name}: fd ${fd} vs autodiff ${ad}`).toBeLessThan(2e-3 + 2e-2 * Math.abs(fd));
    }
    await sess.release();
  });
});
