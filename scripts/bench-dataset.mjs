#!/usr/bin/env node
// `npm run bench:dataset`: synthesises ~8,600 records in SafeEdit's schema (train 4,050 / val 2,700 / test 1,350 /
// test_ALL 540), imports them through the real importer into a fresh data dir, then times full-text searches
// (a page of 100 results + total count, as the Dataset page and `safeedit dataset search` ask) and facet counts.
// Prints a table and a JSON line; the target is < 50 ms per search.
import { bundleTs } from './bench/bundle.mjs';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { performance } from 'node:perf_hooks';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'safeedit-bench-'));
// Inside the project so node_modules resolves (out/ is build output, not committed).
const bundle = await bundleTs({ contents: `export { openDb } from './main/store/db';\nexport * from './main/dataset/index';` }, 'dataset-bench.mjs');
const ds = await import(pathToFileURL(bundle).href);

// Deterministic pseudo-text: common English words mixed with a synthetic vocabulary.
let seed = 7;
const rnd = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
const COMMON = 'the a to of and in is that for it you with as on be this are or not your can how what will my if do have i me about would some'.split(' ');
const SYL = ['ka', 'lo', 'mi', 'tra', 'sen', 'vor', 'qui', 'del', 'pha', 'rin', 'gos', 'tel', 'mon', 'ar', 'ex', 'ul'];
const VOCAB = Array.from({ length: 3000 }, () => Array.from({ length: 2 + Math.floor(rnd() * 3) }, () => SYL[Math.floor(rnd() * SYL.length)]).join(''));
const words = (n) => Array.from({ length: n }, () => (rnd() < 0.45 ? COMMON[Math.floor(rnd() * COMMON.length)] : VOCAB[Math.floor(rnd() * VOCAB.length)])).join(' ');
const CATS = ['illegal activities', 'mental harm', 'physical harm', 'offensiveness', 'privacy and property', 'ethics and morality', 'Political Sensitivity', 'unfairness and bias', 'Pornography'];
const ATTACKS = Array.from({ length: 30 }, (_, i) => `Attack ${i}`);
const empty = {
  gen: { 'test input of only harmful question': '', 'test input of other attack prompt input': '', attack_category: '', attack_name: '', 'test input of other question input': '', 'test input of other questions and attack prompts': '' },
  kc: { prompt: '', answer: '' },
};
function record(id, complete) {
  const q = `${words(12)}?`;
  return {
    id,
    'unsafety category': CATS[id % 9],
    'adversarial prompt': `${words(140)} ${q}`,
    question: q,
    'attack category': complete ? 'Character Roleplay' : '',
    'attack name': ATTACKS[id % ATTACKS.length],
    'unsafe generation': words(120),
    'safe generation': words(60),
    'generalization test': complete
      ? { 'test input of only harmful question': q, 'test input of other attack prompt input': words(100), attack_category: 'Superior Model', attack_name: ATTACKS[(id + 3) % 30], 'test input of other question input': words(100), 'test input of other questions and attack prompts': words(100) }
      : empty.gen,
    'knowledge constrain': complete ? { prompt: words(15), answer: words(25) } : empty.kc,
  };
}
const SPLITS = [['train', 4050, false], ['val', 2700, true], ['test', 1350, true], ['test_ALL', 540, false]];
const dataDir = path.join(tmp, 'data');
const db = ds.openDb(dataDir);
let importMs = 0;
let bytes = 0;
for (const [split, n, complete] of SPLITS) {
  const file = path.join(tmp, `SafeEdit_${split}.json`);
  fs.writeFileSync(file, JSON.stringify(Array.from({ length: n }, (_, i) => record(i, complete))));
  bytes += fs.statSync(file).size;
  const t0 = performance.now();
  const r = await ds.importFile(db, file);
  importMs += performance.now() - t0;
  if (r.status !== 'imported' || r.split !== split || r.imported !== n) throw new Error(`import of ${split} went wrong: ${r.status} ${r.imported}`);
}
const total = ds.stats(db).total;

// Queries: frequent and rare words, prefixes, two words, with filters.
const rare = VOCAB[1234];
const queries = [
  { label: 'frequent word ("the")', f: { q: 'the' } },
  { label: 'frequent word + category', f: { q: 'what', category: 'mental harm' } },
  { label: 'synthetic word', f: { q: VOCAB[17] } },
  { label: 'rare word', f: { q: rare } },
  { label: 'prefix ("ka")', f: { q: 'ka' } },
  { label: 'two words', f: { q: `${VOCAB[5]} ${VOCAB[9]}` } },
  { label: 'word + split + attack', f: { q: 'you', split: 'val', attack: 'Attack 3' } },
  { label: 'no match', f: { q: 'zzzzqqq' } },
  { label: 'no search, category filter', f: { category: 'pornography' } },
  { label: 'frequent word, page at 8,500', f: { q: 'the' }, offset: 8500 },
];
const RUNS = 25;
const pct = (xs, p) => xs.slice().sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(p * xs.length))];
const rows = [];
for (const { label, f, offset = 0 } of queries) {
  const list = [];
  const fac = [];
  let hits = 0;
  for (let i = 0; i < RUNS + 3; i++) {
    const t0 = performance.now();
    const res = ds.listRecords(db, { ...f, offset, limit: 100 });
    const t1 = performance.now();
    ds.facets(db, f);
    const t2 = performance.now();
    hits = res.total;
    if (i >= 3) {
      list.push(t1 - t0);
      fac.push(t2 - t1);
    }
  }
  rows.push({ label, hits, medianMs: pct(list, 0.5), p95Ms: pct(list, 0.95), maxMs: Math.max(...list), facetsMedianMs: pct(fac, 0.5) });
}
db.close();
if (!process.env.BENCH_KEEP) fs.rmSync(tmp, { recursive: true, force: true });
else console.log('kept', dataDir);

const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
console.log(`Dataset benchmark: ${total} records (${(bytes / 1e6).toFixed(1)} MB JSON), imported in ${(importMs / 1000).toFixed(2)} s`);
console.log(`machine: ${cpu}, ${os.cpus().length} cores, ${(os.totalmem() / 2 ** 30).toFixed(0)} GB, Node ${process.versions.node}, ${process.platform}-${process.arch}`);
console.log(`search = one page of 100 results with snippets + total count; ${RUNS} runs each after 3 warm-up runs\n`);
console.log('query'.padEnd(30), 'hits'.padStart(6), 'median'.padStart(9), 'p95'.padStart(9), 'max'.padStart(9), 'facets'.padStart(9));
for (const r of rows) {
  console.log(r.label.padEnd(30), String(r.hits).padStart(6), ...[r.medianMs, r.p95Ms, r.maxMs, r.facetsMedianMs].map((x) => `${x.toFixed(2)}ms`.padStart(9)));
}
const worstP95 = Math.max(...rows.map((r) => r.p95Ms));
console.log(`\nworst p95 search: ${worstP95.toFixed(2)} ms (target < 50 ms): ${worstP95 < 50 ? 'PASS' : 'FAIL'}`);
console.log(JSON.stringify({ records: total, importSeconds: importMs / 1000, worstP95Ms: worstP95, rows }));
process.exitCode = worstP95 < 50 ? 0 : 1;
