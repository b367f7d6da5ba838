import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createContext, type AppContext } from '../main/context';

/** A fresh data dir under the OS temp dir. */
export function tempDir(prefix = 'safeedit-test-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

/** A context on a fresh data dir; call ctx.close() in afterEach/afterAll. */
export async function tempContext(transport: 'cli' | 'http' = 'cli'): Promise<AppContext> {
  return createContext({ dataDir: tempDir(), transport });
}

/** Path of ../shared/safeedit/NAME when that folder exists (it does in CI and on dev machines), else null. */
export function sharedSafeEdit(name: string): string | null {
  const p = path.resolve(import.meta.dirname, '..', '..', 'shared', 'safeedit', name);
  return fs.existsSync(p) ? p : null;
}
