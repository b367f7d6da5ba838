import { execFileSync } from 'node:child_process';
import path from 'node:path';

/** Job workers run the bundled code: build the main-side bundles once before the unit tests. */
export default function setup() {
  const root = path.resolve(import.meta.dirname, '..');
  execFileSync(process.execPath, [path.join(root, 'scripts/build.mjs'), '--main'], { cwd: root, stdio: 'inherit' });
}
