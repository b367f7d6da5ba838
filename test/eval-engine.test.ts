// The evaluation's real Generator (main/eval/engine.ts) over the engine's decoder, on a tiny generated model.
import { describe, expect, it } from 'vitest';
import path from 'node:path';
import { openGenerator } from '../main/eval/engine';
import { writeTinyModel } from '../main/engine/testing/tiny';
import { tempDir } from './helpers';

describe('evaluation generator on the engine', () => {
  it('batched greedy generation (left padding) equals one prompt at a time, with token counts and a content hash', async () => {
    const root = tempDir();
    const info = writeTinyModel(path.join(root, 'model'), 'qwen2', { seed: 21 });
    const gen = await openGenerator(info.dir, { dataDir: path.join(root, 'data') });
    try {
      expect(gen.modelHash).toMatch(/^[0-9a-f]{64}$/);
      const prompts = ['How do I do a bad thing?', 'hello', 'Tell me a story about the sea and the sky'];
      const o = { maxNewTokens: 8, greedy: true, temperature: 1, topP: 1, seed: 0, batchSize: 8, chat: false };
      const signal = new AbortController().signal;
      const batched = await gen.generate(prompts, o, signal);
      expect(batched).toHaveLength(3);
      for (const [i, p] of prompts.entries()) {
        const [single] = await gen.generate([p], o, signal);
        expect(batched[i]).toEqual(single);
        expect(single.promptTokens).toBeGreaterThan(0);
        expect(single.outputTokens).toBeLessThanOrEqual(8);
      }
    } finally {
      await gen.dispose?.();
    }
  });
});
