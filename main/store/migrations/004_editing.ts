import type { Migration } from './index';

/** Weight patches made by the editing domain (the file holds the tensors; this row the provenance). */
export const editingMigration: Migration = {
  version: 4,
  name: 'editing',
  sql: `
CREATE TABLE edit_patches (
  id TEXT PRIMARY KEY,
  file TEXT NOT NULL,
  model_path TEXT NOT NULL,
  base_hash TEXT NOT NULL,
  arch TEXT NOT NULL,
  method TEXT NOT NULL,
  mode TEXT NOT NULL,
  case_key TEXT,
  case_id TEXT,
  toxic_layer INTEGER,
  params_json TEXT NOT NULL,
  layer_distances_json TEXT NOT NULL,
  losses_json TEXT NOT NULL,
  hparams_json TEXT NOT NULL,
  timings_json TEXT NOT NULL,
  created_at TEXT NOT NULL
);
CREATE INDEX edit_patches_created ON edit_patches(created_at);
CREATE INDEX edit_patches_model ON edit_patches(model_path);
`,
};
