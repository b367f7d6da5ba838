import { describe, it, expect } from 'vitest';
import Database from 'better-sqlite3';
import path from 'node:path';
import { migrate, openDb } from '../main/store/db';
import { migrations } from '../main/store/migrations/index';
import { tempDir } from './helpers';

describe('migrations', () => {
  it('apply from empty, in order, and are idempotent', () => {
    const db = new Database(':memory:');
    const first = migrate(db);
    expect(first).toEqual(migrations.map((m) => m.version));
    expect(migrate(db)).toEqual([]);
    const rows = db.prepare('SELECT version FROM schema_migrations ORDER BY version').all() as { version: number }[];
    expect(rows.map((r) => r.version)).toEqual(migrations.map((m) => m.version));
    db.close();
  });

  it('versions are strictly increasing and unique', () => {
    const v = migrations.map((m) => m.version);
    expect([...v].sort((a, b) => a - b)).toEqual(v);
    expect(new Set(v).size).toBe(v.length);
  });

  it('rejects an out-of-order migration list', () => {
    const db = new Database(':memory:');
    expect(() =>
      migrate(db, [
        { version: 2, name: 'b', sql: 'CREATE TABLE b(x)' },
        { version: 1, name: 'a', sql: 'CREATE TABLE a(x)' },
      ]),
    ).toThrow(/not after/);
  });

  it('a failing migration leaves no partial schema behind', () => {
    const db = new Database(':memory:');
    expect(() => migrate(db, [{ version: 1, name: 'bad', sql: 'CREATE TABLE t(x); THIS IS NOT SQL' }])).toThrow();
    expect(db.prepare("SELECT count(*) c FROM sqlite_master WHERE name='t'").get()).toEqual({ c: 0 });
  });

  it('openDb uses WAL and foreign keys, and re-opening migrates nothing', () => {
    const dir = tempDir();
    const db = openDb(dir);
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.pragma('foreign_keys', { simple: true })).toBe(1);
    db.close();
    const again = new Database(path.join(dir, 'workbench.sqlite'));
    expect(migrate(again)).toEqual([]);
    again.close();
  });
});
