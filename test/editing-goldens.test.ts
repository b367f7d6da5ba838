// DINM ("easyedit" mode) against the torch + transformers reference (scripts/reference/dinm_reference.py,
// test/goldens/dinm-<arch>.json), on the 4-layer tiny models the goldens were made from.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeTinyModel } from '../main/engine/testing/tiny';
import type { ArchName } from '../main/engine/arch/profiles';
import { EditModel } from '../main/editing/model';
import { runEdit, tensorChecksums, type EditRun } from '../main/editing/dinm';
import { goldenCase } from './editing-case';
import { tempDir } from './helpers';

const goldenDir = path.resolve(import.meta.dirname, 'goldens');
const ARCHS: ArchName[] = ['llama', 'mistral', 'qwen2', 'gpt2'];

interface Sums {
  sum: number;
  abs_sum: number;
  norm: number;
  wsum: number;
}
interface Golden {
  toxic_layer: number;
  layer_distances: number[];
  params: string[];
  losses: number[];
  step0: { loss: number; grad_norm: number; params: Record<string, { grad_norm: number; grad_sum: number; grad_abs_sum: number; grad_wsum: number; shape: number[] }> };
  final: Record<string, { weight: Sums; delta: Sums }>;
  tokens: { locate_input_ids: number[][]; locate_attention_mask: number[][]; edit_input_ids: number[]; label_ids: number[]; kc_input_ids: number[]; kc_answer_len: number };
  model: { arch: ArchName; options: Record<string, number> };
}

const rel = (a: number, b: number) => Math.abs(a - b) / Math.max(Math.abs(b), 1e-30);

describe.each(ARCHS)('DINM easyedit vs torch: %s', (arch) => {
  const file = path.join(goldenDir, `dinm-${arch}.json`);
  const have = fs.existsSync(file);
  let g: Golden;
  let m: EditModel;
  let r: EditRun;
  beforeAll(async () => {
    if (!have) return;
    g = JSON.parse(fs.readFileSync(file, 'utf8'));
    const dir = writeTinyModel(path.join(tempDir(), arch), g.model.arch, g.model.options).dir;
    m = await EditModel.open(dir, { dataDir: tempDir() });
    r = await runEdit(m, goldenCase(), { method: 'dinm', mode: 'easyedit' });
  });
  afterAll(async () => {
    await m?.release();
  });

  it.skipIf(!have)('token ids are the reference ids', () => {
    expect(r.tokens.locate_input_ids).toEqual(g.tokens.locate_input_ids);
    expect(r.tokens.locate_attention_mask).toEqual(g.tokens.locate_attention_mask);
    expect(r.tokens.edit_input_ids).toEqual(g.tokens.edit_input_ids);
    expect(r.tokens.label_ids).toEqual(g.tokens.label_ids);
    expect(r.tokens.kc_input_ids).toEqual(g.tokens.kc_input_ids);
    expect(r.tokens.kc_answer_len).toBe(g.tokens.kc_answer_len);
  });

  it.skipIf(!have)('layer distances, toxic layer and edited tensors', () => {
    expect(r.layerDistances).toHaveLength(g.layer_distances.length);
    r.layerDistances.forEach((d, i) => expect(rel(d, g.layer_distances[i]), `distance ${i}`).toBeLessThan(1e-4));
    expect(r.toxicLayer).toBe(g.toxic_layer);
    expect(r.params).toEqual(g.params);
  });

  it.skipIf(!have)('step-0 loss and gradient (1e-4 relative)', () => {
    const s = r.step0!;
    expect(rel(s.loss, g.step0.loss)).toBeLessThan(1e-4);
    expect(rel(s.grad_norm, g.step0.grad_norm)).toBeLessThan(1e-4);
    for (const [name, want] of Object.entries(g.step0.params)) {
      const got = s.params[name];
      expect(got.shape).toEqual(want.shape);
      expect(rel(got.grad_norm, want.grad_norm), `${name} grad_norm`).toBeLessThan(1e-4);
      expect(rel(got.grad_wsum, want.grad_wsum), `${name} grad_wsum`).toBeLessThan(1e-4);
      expect(Math.abs(got.grad_sum - want.grad_sum), `${name} grad_sum`).toBeLessThan(1e-4 * want.grad_abs_sum);
    }
  });

  it.skipIf(!have)('10-step loss curve and final tensors (1e-4 relative)', () => {
    expect(r.losses).toHaveLength(g.losses.length);
    r.losses.forEach((l, i) => expect(rel(l, g.losses[i]), `loss ${i}`).toBeLessThan(1e-4));
    // Mistral's lr moves the loss by ~3e-5 per step: the differences prove the updates happened
    r.losses.forEach((l, i) => {
      if (i > 0) expect(rel(l - r.losses[0], g.losses[i] - g.losses[0]), `loss delta ${i}`).toBeLessThan(1e-2);
    });
    for (const t of r.tensors) {
      const want = g.final[t.name];
      const w = tensorChecksums(t.edited);
      for (const k of ['sum', 'norm', 'wsum'] as const) expect(rel(w[k], want.weight[k]), `${t.name} ${k}`).toBeLessThan(1e-4);
      const delta = t.edited.map((x, i) => x - t.original[i]);
      expect(rel(tensorChecksums(delta).norm, want.delta.norm), `${t.name} delta norm`).toBeLessThan(1e-3);
    }
  });
});
