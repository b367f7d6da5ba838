#!/usr/bin/env node
// Builds everything the app runs: main-side bundles (esbuild) and the renderer (vite).
//   node scripts/build.mjs            all
//   node scripts/build.mjs --main     main-side bundles only (used by the unit-test setup)
import { build } from 'esbuild';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const mainOnly = process.argv.includes('--main');

const common = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  packages: 'external',
  sourcemap: true,
  logLevel: 'warning',
  absWorkingDir: root,
};

await build({
  ...common,
  format: 'esm',
  entryPoints: {
    cli: 'main/cli/index.ts',
    worker: 'main/jobs/worker.ts',
    'engine-worker': 'main/engine/runtime/engine-worker.ts',
    'judge-worker': 'main/engine/classifier/worker.ts',
    electron: 'main/electron/main.ts',
  },
  outdir: 'out/main',
  outExtension: { '.js': '.mjs' },
  // Electron is only ever imported by main/electron; it is resolved at run time.
  external: ['electron'],
  banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
});
// A sandboxed preload must be a single CommonJS file that requires only 'electron'.
await build({
  ...common,
  packages: undefined,
  external: ['electron'],
  format: 'cjs',
  entryPoints: { preload: 'preload/index.ts' },
  outdir: 'out/preload',
  outExtension: { '.js': '.cjs' },
});

if (!mainOnly) {
  execFileSync(process.execPath, [path.join(root, 'node_modules', 'vite', 'bin', 'vite.js'), 'build', '--logLevel', 'warn'], {
    cwd: root,
    stdio: 'inherit',
  });
}
