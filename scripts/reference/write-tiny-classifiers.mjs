#!/usr/bin/env node
// Writes the tiny golden classifiers (main/engine/testing/tiny-classifier.ts, GOLDEN_CLASSIFIERS) into a folder,
// one subfolder each.   node scripts/reference/write-tiny-classifiers.mjs OUT_DIR
// make_judge_goldens.py reads them with transformers; the judge tests write the same folders from the same seeds.
import { build } from 'esbuild';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const out = process.argv[2];
if (!out) {
  console.error('usage: node scripts/reference/write-tiny-classifiers.mjs OUT_DIR');
  process.exit(2);
}
const bundle = path.join(root, '.tmp', 'tiny-classifiers.mjs');
fs.mkdirSync(path.dirname(bundle), { recursive: true });
await build({
  entryPoints: [path.join(root, 'main/engine/testing/tiny-classifier.ts')],
  bundle: true,
  platform: 'node',
  format: 'esm',
  packages: 'external',
  outfile: bundle,
  logLevel: 'warning',
});
const { writeTinyClassifier, GOLDEN_CLASSIFIERS } = await import(pathToFileURL(bundle).href);
fs.mkdirSync(out, { recursive: true });
for (const g of GOLDEN_CLASSIFIERS) {
  const info = writeTinyClassifier(path.join(out, g.name), g.arch, g.options);
  console.log(`${g.name}: ${info.dir} (vocab ${info.vocab})`);
}
