// The engine's sequence-classifier graphs against torch + transformers goldens (test/goldens/judge-<name>.json,
// scripts/reference/make_judge_goldens.py): tokenization with truncation, logits alone, logits in a padded batch.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GOLDEN_CLASSIFIERS, writeTinyClassifier } from '../main/engine/testing/tiny-classifier';
import { ClassifierSession } from '../main/engine/classifier/session';
import { resolveClassifier } from '../main/engine/arch/classifiers';
import { tempDir } from './helpers';

interface Golden {
  files: Record<string, string>;
  maxTokens: number;
  id2label: Record<string, string>;
  texts: string[];
  ids: number[][];
  logits: number[][];
  batchLogits: number[][];
}

const goldenDir = path.resolve(import.meta.dirname, 'goldens');
const maxErr = (a: number[][], b: number[][]) => {
  expect(a.map((r) => r.length)).toEqual(b.map((r) => r.length));
  let e = 0;
  a.forEach((row, i) => row.forEach((x, j) => (e = Math.max(e, Math.abs(x - b[i][j])))));
  return e;
};

describe.each(GOLDEN_CLASSIFIERS.map((m) => [m.name, m] as const))('judge goldens: %s', (name, m) => {
  const g = JSON.parse(fs.readFileSync(path.join(goldenDir, `judge-${name}.json`), 'utf8')) as Golden;
  let dir: string;
  let s: ClassifierSession;
  beforeAll(async () => {
    dir = writeTinyClassifier(path.join(tempDir(), name), m.arch, m.options).dir;
    s = await ClassifierSession.open(dir, { dataDir: tempDir() });
  });
  afterAll(async () => {
    await s?.release();
  });

  it('the folder is the one the goldens were computed from', () => {
    for (const [f, hash] of Object.entries(g.files)) {
      expect(createHash('sha256').update(fs.readFileSync(path.join(dir, f))).digest('hex'), f).toBe(hash);
    }
    expect(fs.readdirSync(dir).sort()).toEqual(Object.keys(g.files).sort());
  });

  it('reads the input limit and labels from config.json', () => {
    const spec = resolveClassifier(dir);
    expect(spec.maxTokens).toBe(g.maxTokens);
    expect(s.labels).toEqual(g.id2label);
  });

  it('tokenizes and truncates as transformers does', () => {
    expect(s.encode(g.texts)).toEqual(g.ids);
    expect(g.ids.some((ids) => ids.length === g.maxTokens)).toBe(true); // the long text was truncated
  });

  it('logits of each text alone match torch (max abs error < 1e-4)', async () => {
    const single: number[][] = [];
    for (const t of g.texts) single.push(...(await s.logits([t])));
    expect(maxErr(single, g.logits)).toBeLessThan(1e-4);
  });

  it('a padded batch gives the same logits as one at a time', async () => {
    const batch = await s.logitsOfIds(g.ids); // exactly the golden batch (right padding, input order)
    expect(maxErr(batch, g.batchLogits)).toBeLessThan(1e-4);
    const sorted = await s.logits(g.texts, { batchSize: 3 });
    expect(maxErr(sorted, g.logits)).toBeLessThan(1e-4);
  });
});
