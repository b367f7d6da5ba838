#!/usr/bin/env node
// Writes the tiny golden models (main/engine/testing/tiny.ts, GOLDEN_MODELS) into a folder, one subfolder each.
//   node scripts/reference/write-tiny-models.mjs OUT_DIR
// make_goldens.py reads them with transformers; the engine's tests write the same folders from the same seeds.
import { build } from 'esbuild';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const out = process.argv[2];
if (!out) {
  console.error('usage: node scripts/reference/write-tiny-models.mjs OUT_DIR');
  process.exit(2);
}
const bundle = path.join(root, '.tmp', 'tiny-models.mjs');
fs.mkdirSync(path.dirname(bundle), { recursive: true });
await build({
  entryPoints: [path.join(root, 'main/engine/testing/tiny.ts')],
  bundle: true,
  platform: 'node',
  format: 'esm',
  packages: 'external',
  outfile: bundle,
  logLevel: 'warning',
});
const { writeTinyModel, GOLDEN_MODELS } = await import(pathToFileURL(bundle).href);
fs.mkdirSync(out, { recursive: true });
for (const g of GOLDEN_MODELS) {
  const info = writeTinyModel(path.join(out, g.name), g.arch, g.options);
  console.log(`${g.name}: ${info.dir} (vocab ${info.vocab})`);
}
