#!/usr/bin/env node
// Writes the tiny golden models (main/engine/testing/tiny.ts, GOLDEN_MODELS) into a folder, one subfolder each.
//   node scripts/reference/write-tiny-models.mjs OUT_DIR
// make_goldens.py reads them with transformers; the engine's tests write the same folders from the same seeds.
import path from 'node:path';
import { importTs, outDirArg } from './lib.mjs';

const out = outDirArg('write-tiny-models.mjs');
const { writeTinyModel, GOLDEN_MODELS } = await importTs('main/engine/testing/tiny.ts', 'tiny-models.mjs');
for (const g of GOLDEN_MODELS) {
  const info = writeTinyModel(path.join(out, g.name), g.arch, g.options);
  console.log(`${g.name}: ${info.dir} (vocab ${info.vocab})`);
}
