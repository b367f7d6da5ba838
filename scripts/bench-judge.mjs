#!/usr/bin/env node
// node scripts/bench-judge.mjs [--layers N --hidden N --heads N --inter N --threads N]
// Bundles scripts/bench/judge.ts with esbuild and runs it; prints a JSON report (see docs/evaluation.md, Judge).
import { build } from 'esbuild';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const out = path.join(root, 'out', 'bench', 'judge-bench.mjs');
await build({
  entryPoints: [path.join(root, 'scripts/bench/judge.ts')],
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
