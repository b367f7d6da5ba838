import { execFileSync, spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeTinyModel } from '../main/engine/testing/tiny';
import { resolveModel } from '../main/engine/arch/registry';
import { readTensorF32 } from '../main/engine/safetensors/reader';
import { decoderSpecFromModel } from '../main/engine/decoder/adapter';
import { refForward } from './support/ref-decoder';
import { tempDir } from './helpers';

const root = path.resolve(import.meta.dirname, '..');
const bin = path.join(root, 'bin/safeedit.mjs');

describe('generate / inspect CLI (engine worker)', () => {
  const model = writeTinyModel(path.join(tempDir(), 'qwen2'), 'qwen2', { seed: 5 }).dir;
  const env = { ...process.env, SAFEEDIT_DATA_DIR: tempDir() };
  const run = (args: string[]) => JSON.parse(execFileSync(process.execPath, [bin, ...args], { env, encoding: 'utf8' }));

  it('generate --json: a left-padded batch in input order equals each prompt alone', () => {
    const batch = run(['generate', '--model', model, '--prompt', 'hello world', '--ids', '3,4,5,6,7,8,9', '--prompt', 'a', '--max-new-tokens', '12', '--json']);
    expect(Object.keys(batch)).toEqual(['results']);
    expect(batch.results).toHaveLength(3);
    for (const r of batch.results) {
      expect(Object.keys(r)).toEqual(['ids', 'new_ids', 'text']);
      expect(r.ids.slice(r.ids.length - r.new_ids.length)).toEqual(r.new_ids);
      expect(typeof r.text).toBe('string');
    }
    expect(batch.results[1].ids.slice(0, 7)).toEqual([3, 4, 5, 6, 7, 8, 9]);
    const alone = run(['generate', '--model', model, '--ids', '3,4,5,6,7,8,9', '--max-new-tokens', '12', '--json']);
    expect(alone.results[0]).toEqual(batch.results[1]);
    const aloneText = run(['generate', '--model', model, '--prompt', 'a', '--max-new-tokens', '12', '--json']);
    expect(aloneText.results[0]).toEqual(batch.results[2]);
  });

  it('inspect --json: last logits and hidden states equal the reference forward', () => {
    const ids = [3, 10, 20, 7, 1];
    const r = run(['inspect', '--model', model, '--ids', ids.join(','), '--all-logits', '--json']);
    const ms = resolveModel(model);
    const spec = decoderSpecFromModel(ms);
    const w = new Map([...ms.weights.values()].map((t) => [t.name, { dims: t.shape, data: readTensorF32(t) }]));
    const ref = refForward(spec, w, ids);
    expect(r.ids).toEqual(ids);
    expect(r.last_logits).toHaveLength(spec.vocab);
    expect(r.logits).toHaveLength(ids.length);
    expect(r.hidden_last).toHaveLength(spec.layers + 1);
    const last = ref.logits[ids.length - 1];
    for (let i = 0; i < spec.vocab; i++) expect(Math.abs(r.last_logits[i] - last[i])).toBeLessThan(1e-4);
    for (let j = 0; j <= spec.layers; j++) {
      const h = ref.hidden[j][ids.length - 1];
      for (let i = 0; i < spec.hidden; i++) expect(Math.abs(r.hidden_last[j][i] - h[i])).toBeLessThan(1e-4);
    }
  });

  it('bad input exits with a clear message', () => {
    const a = spawnSync(process.execPath, [bin, 'generate', '--model', model, '--ids', '1,x'], { env, encoding: 'utf8' });
    expect(a.status).toBe(2);
    expect(a.stderr).toContain('--ids expects comma-separated');
    const b = spawnSync(process.execPath, [bin, 'inspect', '--model', path.join(model, 'nope'), '--ids', '1', '--json'], { env, encoding: 'utf8' });
    expect(b.status).toBe(1);
    expect(b.stderr).toMatch(/nope: not a folder/);
    const c = spawnSync(process.execPath, [bin, 'generate', '--model', model, '--ids', '999999'], { env, encoding: 'utf8' });
    expect(c.stderr).toMatch(/outside the vocabulary/);
  });
});
