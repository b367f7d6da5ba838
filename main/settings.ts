import type { Db } from './store/db';
import { SettingsSchema, type Settings } from '../shared/api/system';

export const DEFAULT_SETTINGS: Settings = {
  theme: 'dark',
  blurUnsafe: true,
  providerPreference: ['cuda', 'dml', 'coreml', 'cpu'],
};

export function getSettings(db: Db): Settings {
  const rows = db.prepare('SELECT key, value_json FROM settings').all() as { key: string; value_json: string }[];
  const raw: Record<string, unknown> = { ...DEFAULT_SETTINGS };
  for (const r of rows) {
    try {
      raw[r.key] = JSON.parse(r.value_json);
    } catch {
      /* a damaged value falls back to its default */
    }
  }
  const parsed = SettingsSchema.safeParse(raw);
  return parsed.success ? parsed.data : DEFAULT_SETTINGS;
}

export function setSettings(db: Db, patch: Partial<Settings>): Settings {
  const stmt = db.prepare('INSERT INTO settings(key, value_json) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value_json=excluded.value_json');
  db.transaction(() => {
    for (const [k, v] of Object.entries(patch)) if (v !== undefined) stmt.run(k, JSON.stringify(v));
  })();
  return getSettings(db);
}
