#!/usr/bin/env node
// Runs a TypeScript benchmark: bundles scripts/bench/NAME.ts with esbuild into OUTDIR and runs it with the rest of
// the arguments; the benchmark prints a JSON report (see docs/benchmarks.md).
//   node scripts/bench/run.mjs NAME [--main-snapshot] [-- args…]
// --main-snapshot also builds the main-side bundles and copies them beside the bench bundle, for benchmarks that
// start job workers (the job runner looks beside its own bundle first), so a rebuild of out/main while the
// benchmark runs cannot change the code it measures half-way.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { bundleTs, root } from './bundle.mjs';

const [name, ...rest] = process.argv.slice(2);
const snapshot = rest[0] === '--main-snapshot';
const args = (snapshot ? rest.slice(1) : rest).filter((a, i, all) => !(a === '--' && i === 0 && all.length));
const outDir = path.join(root, 'out', snapshot ? `bench-${name}` : 'bench');
const out = path.join(outDir, `${name}-bench.mjs`);
await bundleTs({ entry: `scripts/bench/${name}.ts` }, `${name}-bench.mjs`, path.relative(path.join(root, 'out'), outDir));
if (snapshot) {
  const b = spawnSync(process.execPath, [path.join(root, 'scripts/build.mjs'), '--main'], { stdio: 'inherit', cwd: root });
  if (b.status !== 0) process.exit(b.status ?? 1);
  for (const f of fs.readdirSync(path.join(root, 'out', 'main'))) {
    if (f.endsWith('.mjs')) fs.copyFileSync(path.join(root, 'out', 'main', f), path.join(outDir, f));
  }
}
const r = spawnSync(process.execPath, [out, ...args], { stdio: 'inherit', cwd: root });
process.exit(r.status ?? 1);
