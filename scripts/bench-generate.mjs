#!/usr/bin/env node
// npm run bench:generate [-- --layers N --prompt N --new N --repeats N --threads N --spinning --plain-norms --compare --profile]
// Bundles scripts/bench/generate.ts with esbuild and runs it; prints a JSON report (see docs/benchmarks.md).
import { build } from 'esbuild';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const out = path.join(root, 'out', 'bench', 'generate-bench.mjs');
await build({
  entryPoints: [path.join(root, 'scripts/bench/generate.ts')],
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
const r = spawnSync(process.execPath, [out, ...process.argv.slice(2)], { stdio: 'inherit', cwd: root });
process.exit(r.status ?? 1);
