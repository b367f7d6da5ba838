// Bundles project TypeScript for a benchmark with esbuild (native modules stay external) into out/<dir>/<name>.
//   bundleTs({ entry: 'scripts/bench/edit.ts' } | { contents: "export … from './main/…'" }, 'name.mjs', dir?)
import { build } from 'esbuild';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

export async function bundleTs(source, name, dir = 'bench') {
  const outfile = path.join(root, 'out', dir, name);
  await build({
    ...(source.entry
      ? { entryPoints: [path.join(root, source.entry)] }
      : { stdin: { contents: source.contents, resolveDir: root, sourcefile: name.replace(/\.mjs$/, '-entry.ts'), loader: 'ts' } }),
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    outfile,
    absWorkingDir: root,
    logLevel: 'warning',
    banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
  });
  return outfile;
}
