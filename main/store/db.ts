import Database from 'better-sqlite3';
import fs from 'node:fs';
import path from 'node:path';
import { migrations as allMigrations, type Migration } from './migrations/index';

export type Db = Database.Database;

export const DB_FILE = 'workbench.sqlite';

/** Opens (creating if needed) the workbench database in WAL mode with foreign keys on, and migrates it. */
export function openDb(dataDir: string, options: { migrate?: boolean } = {}): Db {
  fs.mkdirSync(dataDir, { recursive: true });
  const file = path.join(dataDir, DB_FILE);
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma('foreign_keys = ON');
  db.pragma('busy_timeout = 10000');
  db.pragma('synchronous = NORMAL');
  if (options.migrate !== false) migrate(db);
  return db;
}

/** Applies the migrations not yet recorded, each in its own transaction. Returns the versions applied. */
export function migrate(db: Db, migrations: Migration[] = allMigrations): number[] {
  db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
    version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)`);
  const done = new Set(
    (db.prepare('SELECT version FROM schema_migrations').all() as { version: number }[]).map((r) => r.version),
  );
  let last = 0;
  for (const m of migrations) {
    if (m.version <= last) throw new Error(`migration ${m.name}: version ${m.version} is not after ${last}`);
    last = m.version;
  }
  const applied: number[] = [];
  for (const m of migrations) {
    if (done.has(m.version)) continue;
    db.transaction(() => {
      db.exec(m.sql);
      db.prepare('INSERT INTO schema_migrations(version, name, applied_at) VALUES (?, ?, ?)').run(
        m.version,
        m.name,
        new Date().toISOString(),
      );
    })();
    applied.push(m.version);
  }
  return applied;
}

export function sqliteVersion(db: Db): string {
  return (db.prepare('SELECT sqlite_version() AS v').get() as { v: string }).v;
}
