#!/usr/bin/env node
// Writes the tiny golden classifiers (main/engine/testing/tiny-classifier.ts, GOLDEN_CLASSIFIERS) into a folder,
// one subfolder each.   node scripts/reference/write-tiny-classifiers.mjs OUT_DIR
// make_judge_goldens.py reads them with transformers; the judge tests write the same folders from the same seeds.
import path from 'node:path';
import { importTs, outDirArg } from './lib.mjs';

const out = outDirArg('write-tiny-classifiers.mjs');
const { writeTinyClassifier, GOLDEN_CLASSIFIERS } = await importTs('main/engine/testing/tiny-classifier.ts', 'tiny-classifiers.mjs');
for (const g of GOLDEN_CLASSIFIERS) {
  const info = writeTinyClassifier(path.join(out, g.name), g.arch, g.options);
  console.log(`${g.name}: ${info.dir} (vocab ${info.vocab})`);
}
