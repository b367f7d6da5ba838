import type { Migration } from './index';

/**
 * Experiment annotations over the evaluation runs (migration 5): tags, notes and the saved layout of the runs table.
 * The run's name stays in eval_runs.name (renaming updates it there). Rows go with their run (ON DELETE CASCADE).
 */
export const experimentsMigration: Migration = {
  version: 6,
  name: 'experiments',
  sql: `
CREATE TABLE experiment_tags (
  run_id TEXT NOT NULL REFERENCES eval_runs(id) ON DELETE CASCADE,
  tag TEXT NOT NULL,
  PRIMARY KEY (run_id, tag)
);
CREATE INDEX experiment_tags_tag ON experiment_tags(tag);
CREATE TABLE experiment_notes (
  run_id TEXT PRIMARY KEY REFERENCES eval_runs(id) ON DELETE CASCADE,
  notes TEXT NOT NULL,
  updated_at TEXT NOT NULL
);
CREATE TABLE experiment_views (
  name TEXT PRIMARY KEY,
  layout_json TEXT NOT NULL,
  updated_at TEXT NOT NULL
);
`,
};
