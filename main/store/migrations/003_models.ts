import type { Migration } from './index';

/** Registered model folders (validated when added) and their load state. */
export const models: Migration = {
  version: 3,
  name: 'models',
  sql: `
CREATE TABLE models (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  path TEXT NOT NULL UNIQUE,
  arch TEXT NOT NULL,
  hf_architecture TEXT NOT NULL,
  dtype TEXT NOT NULL,
  parameters INTEGER NOT NULL,
  file_bytes INTEGER NOT NULL,
  summary_json TEXT NOT NULL,
  content_hash TEXT NOT NULL,
  state TEXT NOT NULL CHECK (state IN ('registered','loading','ready','error')),
  error TEXT,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
);
CREATE INDEX models_created ON models(created_at);
`,
};
