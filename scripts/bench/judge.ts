// Judge throughput on a RoBERTa-large-shaped classifier (random weights, tiny vocabulary; the compute is the
// encoder's): prepare (weights → cache), session open, and P(unsafe) for short and max-length texts, batch 1 vs 8.
//   npm run bench:judge [--layers 24] [--hidden 1024] [--heads 16] [--inter 4096] [--threads N]
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { writeTinyClassifier } from '../../main/engine/testing/tiny-classifier';
import { ClassifierSession } from '../../main/engine/classifier/session';
import { TINY_CORPUS } from '../../main/engine/testing/tiny-tokenizers';

const { values } = parseArgs({ options: { layers: { type: 'string' }, hidden: { type: 'string' }, heads: { type: 'string' }, inter: { type: 'string' }, threads: { type: 'string' } } });
const num = (v: string | undefined, d: number) => (v === undefined ? d : Number(v));
const shape = { layers: num(values.layers, 24), hidden: num(values.hidden, 1024), heads: num(values.heads, 16), intermediate: num(values.inter, 4096) };
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'safeedit-bench-judge-'));
const now = () => performance.now();
try {
  let t = now();
  const dir = writeTinyClassifier(path.join(tmp, 'judge'), 'roberta', { ...shape, maxPos: 514, seed: 1 }).dir;
  const writeMs = now() - t;
  t = now();
  const s = await ClassifierSession.open(dir, { dataDir: tmp, threads: values.threads ? Number(values.threads) : undefined });
  const openMs = now() - t;
  const short = Array.from({ length: 8 }, (_, i) => TINY_CORPUS[i % TINY_CORPUS.length]);
  const long = Array.from({ length: 8 }, (_, i) => `${TINY_CORPUS.slice(i % 3).join(' ')} `.repeat(40));
  const tokens = (xs: string[]) => s.encode(xs).map((r) => r.length);
  const time = async (texts: string[], batchSize: number) => {
    const t0 = now();
    await s.probabilities(texts, { batchSize });
    return (now() - t0) / texts.length;
  };
  await time(short.slice(0, 1), 1); // warm-up
  const report = {
    shape,
    cpus: os.cpus().length,
    writeFolderMs: Math.round(writeMs),
    prepareAndOpenMs: Math.round(openMs),
    shortTokens: tokens(short),
    longTokens: tokens(long.slice(0, 2)),
    msPerText: {
      shortBatch1: Math.round(await time(short, 1)),
      shortBatch8: Math.round(await time(short, 8)),
      longBatch1: Math.round(await time(long.slice(0, 2), 1)),
      longBatch2: Math.round(await time(long.slice(0, 2), 2)),
    },
  };
  await s.release();
  console.log(JSON.stringify(report, null, 2));
} finally {
  fs.rmSync(tmp, { recursive: true, force: true });
}
