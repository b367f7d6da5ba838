// Registers the dataset's start-up work (imported by main/register.ts): schema repair, then the demo set on first start.
import { startupHooks } from '../context';
import type { Db } from '../store/db';
import { DATASET_FACETS_SQL } from '../store/migrations/002_dataset';
import { ensureDemo } from './demo';

/** Adds dataset_facets to a data dir migrated by an early build of migration 2 that lacked it. Returns true if added. */
export function repairDatasetSchema(db: Db): boolean {
  const has = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'dataset_facets'").get();
  const migrated = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'dataset_records'").get();
  if (has || !migrated) return false;
  db.transaction(() => db.exec(DATASET_FACETS_SQL))();
  return true;
}

startupHooks.push(async (ctx) => {
  repairDatasetSchema(ctx.db);
  try {
    await ensureDemo(ctx.db);
  } catch (e) {
    // A missing or broken demo file must not stop the app; say so in the log.
    ctx.events.emit({ type: 'log', level: 'warn', message: `demo dataset not loaded: ${(e as Error).message}`, time: new Date().toISOString() });
  }
});
