// The synthetic demo set (resources/demo/safeedit-demo.json, written for this project): loaded on first start so
// the app is never empty; removable, and then it stays removed.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Db } from '../store/db';
import { AppError } from '../../shared/errors';
import { importFile } from './importer';
import { removeSources } from './records';

export const DEMO_SPLIT = 'demo';
export const DEMO_FILE_NAME = 'safeedit-demo.json';
const REMOVED_KEY = 'demo_removed';

/** Where the demo file is: next to the sources / bundles, or in a packaged app's resources folder. */
export function demoFilePath(): string | null {
  const here = path.dirname(fileURLToPath(import.meta.url));
  const resources = (process as { resourcesPath?: string }).resourcesPath;
  const candidates = [
    process.env.SAFEEDIT_DEMO_FILE,
    path.resolve(here, '../../resources/demo', DEMO_FILE_NAME),
    resources && path.join(resources, 'demo', DEMO_FILE_NAME),
    resources && path.join(resources, 'resources', 'demo', DEMO_FILE_NAME),
  ];
  for (const c of candidates) if (c && fs.existsSync(c)) return c;
  return null;
}

export function demoRemoved(db: Db): boolean {
  return (db.prepare('SELECT value FROM dataset_meta WHERE key = ?').get(REMOVED_KEY) as { value: string } | undefined)?.value === '1';
}

/** Loads the demo set unless it is there already or the user removed it. Returns records added. */
export async function ensureDemo(db: Db, file: string | null = demoFilePath()): Promise<number> {
  if (demoRemoved(db)) return 0;
  if (db.prepare('SELECT 1 FROM dataset_sources WHERE is_demo = 1 LIMIT 1').get()) return 0;
  if (!file) throw new AppError('not_found', `the demo dataset (${DEMO_FILE_NAME}) is missing from this installation`);
  const r = await importFile(db, file, { split: DEMO_SPLIT, isDemo: true, displayName: DEMO_FILE_NAME });
  if (r.status === 'failed') {
    throw new AppError('demo_invalid', `the demo dataset does not validate: ${r.errors.slice(0, 3).map((e) => e.message).join('; ')}`);
  }
  return r.imported;
}

/** Removes the demo records and remembers that, so start-up does not bring them back. */
export function removeDemo(db: Db): { removedSources: number; removedRecords: number } {
  const r = removeSources(db, { demo: true });
  db.prepare('INSERT INTO dataset_meta(key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value').run(REMOVED_KEY, '1');
  return r;
}

export async function restoreDemo(db: Db): Promise<number> {
  db.prepare('DELETE FROM dataset_meta WHERE key = ?').run(REMOVED_KEY);
  await ensureDemo(db);
  return (db.prepare('SELECT COUNT(*) AS n FROM dataset_records r JOIN dataset_sources s ON s.id = r.source_id WHERE s.is_demo = 1').get() as { n: number }).n;
}
