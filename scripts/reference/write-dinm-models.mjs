#!/usr/bin/env node
// Writes the tiny models the DINM goldens (test/goldens/dinm-<arch>.json) were computed from, one subfolder each.
//   node scripts/reference/write-dinm-models.mjs OUT_DIR
// Same writer as write-tiny-models.mjs (main/engine/testing/tiny.ts), but 4 decoder blocks instead of 2 so the
// toxic-layer choice is not trivial. The list below is also recorded in every golden ("model": {arch, options});
// the engine's DINM tests must write their folders with exactly these options.
import fs from 'node:fs';
import path from 'node:path';
import { importTs, outDirArg } from './lib.mjs';

export const DINM_MODELS = [
  { name: 'llama', arch: 'llama', options: { seed: 41, layers: 4, maxPos: 256 } },
  { name: 'mistral', arch: 'mistral', options: { seed: 42, layers: 4, maxPos: 256 } },
  { name: 'qwen2', arch: 'qwen2', options: { seed: 43, layers: 4, maxPos: 256 } },
  { name: 'gpt2', arch: 'gpt2', options: { seed: 44, layers: 4, maxPos: 256 } },
];

const out = outDirArg('write-dinm-models.mjs');
const { writeTinyModel } = await importTs('main/engine/testing/tiny.ts', 'tiny-models-dinm.mjs');
for (const m of DINM_MODELS) {
  const dir = path.join(out, m.name);
  const info = writeTinyModel(dir, m.arch, m.options);
  // the reference script copies this into the golden so the test side knows how to rebuild the folder
  fs.writeFileSync(path.join(dir, 'writer.json'), JSON.stringify({ arch: m.arch, options: m.options }, null, 2) + '\n');
  console.log(`${m.name}: ${info.dir} (vocab ${info.vocab})`);
}
