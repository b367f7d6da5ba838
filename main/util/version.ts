import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

function findPackageJson(): { name: string; version: string; productName?: string } {
  // Works from source (main/util) and from the bundle (out/main).
  for (const rel of ['../../package.json', '../package.json', '../../../package.json']) {
    try {
      const pkg = require(rel) as { name?: string; version?: string; productName?: string };
      if (pkg.name === 'safeedit-workbench' && pkg.version) return pkg as { name: string; version: string };
    } catch {
      /* try next */
    }
  }
  return { name: 'safeedit-workbench', version: '0.0.0' };
}

const pkg = findPackageJson();
export const APP_NAME = pkg.productName ?? 'SafeEdit Workbench';
export const APP_VERSION = pkg.version;
