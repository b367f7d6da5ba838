#!/usr/bin/env node
// npm run bench:eval [-- --repeats N --new N --cases N --layers N]
// Bundles scripts/bench/eval.ts with esbuild and runs it; prints a JSON report (see docs/benchmarks.md).
import { build } from 'esbuild';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const out = path.join(root, 'out', 'bench-eval', 'eval-bench.mjs');
await build({
  entryPoints: [path.join(root, 'scripts/bench/eval.ts')],
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'esm',
  packages: 'external',
  outfile: out,
  absWorkingDir: root,
  logLevel: 'warning',
  banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
});
// the evaluation job runs in a job worker: build the main-side bundles it loads
const b = spawnSync(process.execPath, [path.join(root, 'scripts/build.mjs'), '--main'], { stdio: 'inherit', cwd: root });
if (b.status !== 0) process.exit(b.status ?? 1);
// … and snapshot them beside the bench bundle (the job runner looks there first), so that a rebuild of out/main while
// the benchmark runs (other work on this checkout) cannot change the code it measures half-way
for (const f of fs.readdirSync(path.join(root, 'out', 'main'))) {
  if (f.endsWith('.mjs')) fs.copyFileSync(path.join(root, 'out', 'main', f), path.join(root, 'out', 'bench-eval', f));
}
const r = spawnSync(process.execPath, [out, ...process.argv.slice(2)], { stdio: 'inherit', cwd: root });
process.exit(r.status ?? 1);
