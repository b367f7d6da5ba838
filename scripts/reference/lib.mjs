// Shared by the reference writers: load a project TypeScript module (bundled with esbuild into .tmp/) and read the
// OUT_DIR argument. Dev-time tooling only.
import { build } from 'esbuild';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Bundles `entry` (relative to the project root) and imports it. */
export async function importTs(entry, bundleName) {
  const bundle = path.join(root, '.tmp', bundleName);
  fs.mkdirSync(path.dirname(bundle), { recursive: true });
  await build({
    entryPoints: [path.join(root, entry)],
    bundle: true,
    platform: 'node',
    format: 'esm',
    packages: 'external',
    outfile: bundle,
    logLevel: 'warning',
  });
  return import(pathToFileURL(bundle).href);
}

/** The OUT_DIR argument (created), or a usage line and exit 2. */
export function outDirArg(script) {
  const out = process.argv[2];
  if (!out) {
    console.error(`usage: node scripts/reference/${script} OUT_DIR`);
    process.exit(2);
  }
  fs.mkdirSync(out, { recursive: true });
  return out;
}
