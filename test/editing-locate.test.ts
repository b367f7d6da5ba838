// The paper-mode locate (docs/dinm.md "paper mode"): prompt + response run alone, block outputs before the final norm,
// mean over the response positions, L2 distance, first maximum — checked against the float64 reference forward,
// deterministic, different from EasyEdit's locate, and through the chat template when the model has one.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeTinyModel } from '../main/engine/testing/tiny';
import { readTensorF32 } from '../main/engine/safetensors';
import { decoderSpecFromModel } from '../main/engine/decoder/adapter';
import { EditModel } from '../main/editing/model';
import { MODES, padIdOf, runEdit, turn } from '../main/editing/dinm';
import { firstArgmax } from '../main/editing/locate';
import { refForward, type Weights } from './support/ref-decoder';
import { goldenCase } from './editing-case';
import { tempDir } from './helpers';

/** ‖mean_resp(a) − mean_resp(b)‖₂ of [seq][hidden] rows, response from `start`. */
function pooledDistance(a: Float64Array[], sa: number, b: Float64Array[], sb: number): number {
  const mean = (x: Float64Array[], s: number) => {
    const v = new Float64Array(x[0].length);
    for (let p = s; p < x.length; p++) for (let i = 0; i < v.length; i++) v[i] += x[p][i] / (x.length - s);
    return v;
  };
  const [ma, mb] = [mean(a, sa), mean(b, sb)];
  return Math.sqrt(ma.reduce((acc, x, i) => acc + (x - mb[i]) ** 2, 0));
}

describe.each(['llama', 'gpt2'] as const)('paper-mode locate (tiny %s)', (arch) => {
  let m: EditModel;
  beforeAll(async () => {
    m = await EditModel.open(writeTinyModel(path.join(tempDir(), arch), arch, { seed: 11, layers: 4, maxPos: 256 }).dir, { dataDir: tempDir() });
  });
  afterAll(async () => m?.release());

  it('pools the pre-norm block outputs over the response positions (float64 reference), deterministically, unlike easyedit', async () => {
    const c = goldenCase();
    const pad = padIdOf(m);
    const a = await MODES.paper.locate(m, c, pad);
    const again = await MODES.paper.locate(m, c, pad);
    expect(again.distances).toEqual(a.distances);
    expect(a.distances).toHaveLength(4);
    expect(a.layer).toBe(firstArgmax(a.distances));

    // inputs: the plain adversarial prompt followed by each response, each sequence alone (no padding)
    const safe = turn(m, c.adversarialPrompt, c.safeGeneration);
    const unsafe = turn(m, c.adversarialPrompt, c.unsafeGeneration);
    expect(a.inputIds).toEqual([safe.ids, unsafe.ids]);
    expect(a.attentionMask.flat().every((x) => x === 1)).toBe(true);

    // the reference: block outputs h_1..h_L (no final norm), mean over the response positions
    const spec = decoderSpecFromModel(m.ms);
    const w: Weights = new Map([...m.ms.weights.values()].map((t) => [t.name, { dims: t.shape, data: readTensorF32(t) }]));
    const rs = refForward(spec, w, safe.ids);
    const ru = refForward(spec, w, unsafe.ids);
    const want = rs.blocks.map((_, l) => pooledDistance(rs.blocks[l], safe.start, ru.blocks[l], unsafe.start));
    a.distances.forEach((d, l) => expect(Math.abs(d - want[l]) / want[l]).toBeLessThan(1e-4));
    // the last block is taken before the final norm: the post-norm state (hidden_states[L]) gives another distance
    const postNorm = pooledDistance(rs.hidden[4], safe.start, ru.hidden[4], unsafe.start);
    expect(Math.abs(a.distances[3] - postNorm) / postNorm).toBeGreaterThan(1e-2);

    // easyedit mode locates on the responses alone, left-padded together, Frobenius over all positions
    const e = await MODES.easyedit.locate(m, c, pad);
    expect(e.distances).toHaveLength(4);
    expect(e.inputIds[0]).toHaveLength(e.inputIds[1].length);
    expect(e.distances.every((d, l) => Math.abs(d - a.distances[l]) / a.distances[l] > 1e-3)).toBe(true);

    // runEdit in paper mode edits the layer the paper locate chose
    const r = await runEdit(m, c, { method: 'dinm', mode: 'paper', hparams: { steps: 1 } });
    expect(r.layerDistances).toEqual(a.distances);
    expect(r.toxicLayer).toBe(a.layer);
  });
});

describe('paper-mode locate with a chat template', () => {
  it('renders the prompt as the user turn and the response as the assistant turn', async () => {
    const dir = writeTinyModel(path.join(tempDir(), 'qwen2'), 'qwen2', { seed: 12, layers: 3, maxPos: 512 }).dir;
    const cfgFile = path.join(dir, 'tokenizer_config.json');
    const cfg = fs.existsSync(cfgFile) ? JSON.parse(fs.readFileSync(cfgFile, 'utf8')) : {};
    const plainModel = await EditModel.open(dir, { dataDir: tempDir() });
    const c = goldenCase();
    let plain: number[][];
    try {
      plain = (await MODES.paper.locate(plainModel, c, padIdOf(plainModel))).inputIds;
    } finally {
      await plainModel.release();
    }
    cfg.chat_template = "{% for m in messages %}<{{ m['role'] }}> {{ m['content'] }} </{{ m['role'] }}>{% endfor %}{% if add_generation_prompt %}<assistant> {% endif %}";
    fs.writeFileSync(cfgFile, JSON.stringify(cfg));
    const m = await EditModel.open(dir, { dataDir: tempDir() });
    try {
      expect(m.tok.info.hasChatTemplate).toBe(true);
      const a = await MODES.paper.locate(m, c, padIdOf(m));
      const head = m.tok.encode(m.tok.renderChat([{ role: 'user', content: c.adversarialPrompt }], { addGenerationPrompt: true }), { addSpecialTokens: false });
      expect(a.inputIds[0]).toEqual([...head, ...m.tok.encode(c.safeGeneration, { addSpecialTokens: false })]);
      expect(a.inputIds[1]).toEqual([...head, ...m.tok.encode(c.unsafeGeneration, { addSpecialTokens: false })]);
      expect(a.inputIds[0]).not.toEqual(plain[0]);
      expect(a.distances.every((d) => Number.isFinite(d) && d > 0)).toBe(true);
    } finally {
      await m.release();
    }
  });
});
