// The ONNX decoder against torch + transformers goldens (test/goldens/<name>.json, scripts/reference).
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GOLDEN_MODELS, writeTinyModel } from '../main/engine/testing/tiny';
import { resolveModel } from '../main/engine/arch/registry';
import { prepareDecoder } from '../main/engine/decoder/prepare';
import { DecoderSession } from '../main/engine/runtime/session';
import { emptyCache, generate } from '../main/engine/generate/generate';
import { tempDir } from './helpers';

interface Golden {
  forward: { ids: number[]; lastLogits: number[]; hiddenStates?: number[][][] }[];
  greedy: { ids: number[]; continuation: number[] };
  greedyBatch: { inputIds: number[][]; attentionMask: number[][]; padId: number; continuations: number[][] };
}

const goldenDir = path.resolve(import.meta.dirname, 'goldens');

describe.each(GOLDEN_MODELS.map((m) => [m.name, m] as const))('goldens: %s', (name, m) => {
  const file = path.join(goldenDir, `${name}.json`);
  const have = fs.existsSync(file);
  let g: Golden;
  let full: DecoderSession;
  let gen: DecoderSession;
  beforeAll(async () => {
    if (!have) return;
    g = JSON.parse(fs.readFileSync(file, 'utf8'));
    const ms = resolveModel(writeTinyModel(path.join(tempDir(), name), m.arch, m.options).dir);
    const data = tempDir();
    full = await DecoderSession.open(prepareDecoder(ms, data, { dtype: 'float32', hiddenStates: true, allLogits: false, editable: [] }), { provider: 'cpu' });
    // the generation session is the app's decode graph (DEFAULT_VARIANT: fused norms)
    gen = await DecoderSession.open(prepareDecoder(ms, data, { dtype: 'float32', hiddenStates: false, allLogits: false, editable: [], inference: true }), { provider: 'cpu' });
  });
  afterAll(async () => {
    await full?.release();
    await gen?.release();
  });

  it.skipIf(!have)('last logits and hidden states match torch (max abs error < 1e-4)', async () => {
    for (const f of g.forward) {
      const S = f.ids.length;
      const out = await full.run({
        input_ids: { dtype: 'int64', dims: [1, S], data: BigInt64Array.from(f.ids.map(BigInt)) },
        attention_mask: { dtype: 'int64', dims: [1, S], data: new BigInt64Array(S).fill(1n) },
        position_ids: { dtype: 'int64', dims: [1, S], data: BigInt64Array.from(f.ids.map((_, i) => BigInt(i))) },
        ...emptyCache(full, 1),
      });
      const logits = out.logits.data as Float32Array;
      let err = 0;
      f.lastLogits.forEach((x, i) => (err = Math.max(err, Math.abs(x - logits[i]))));
      expect(err).toBeLessThan(1e-4);
      if (f.hiddenStates) {
        expect(f.hiddenStates.length).toBe(full.layers + 1);
        f.hiddenStates.forEach((perPos, j) => {
          const h = out[`hidden.${j}`].data as Float32Array; // [1, seq, hidden]
          let e = 0;
          perPos.forEach((row, p) => row.forEach((x, i) => (e = Math.max(e, Math.abs(x - h[p * full.hidden + i])))));
          expect(e, `hidden state ${j}`).toBeLessThan(1e-4);
        });
      }
    }
  });

  it.skipIf(!have)('greedy 24 tokens match token for token, alone and in a left-padded batch', async () => {
    const opts = { maxNewTokens: g.greedy.continuation.length, eosTokenIds: [], padTokenId: g.greedyBatch.padId };
    const alone = await generate(gen, [g.greedy.ids], opts);
    expect(alone.newIds[0]).toEqual(g.greedy.continuation);
    const prompts = g.greedyBatch.inputIds.map((row, r) => row.filter((_, j) => g.greedyBatch.attentionMask[r][j] === 1));
    const batch = await generate(gen, prompts, { ...opts, maxNewTokens: g.greedyBatch.continuations[0].length });
    expect(batch.newIds).toEqual(g.greedyBatch.continuations);
  });
});
