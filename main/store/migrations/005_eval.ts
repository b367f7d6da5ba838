import type { Migration } from './index';

/**
 * Evaluation runs. One eval_samples row per (run, case, metric slot) is written when the run is created (the work
 * list); the runner fills output columns as each sample is generated and adds judge_scores rows as it is judged,
 * committing immediately, so a killed run resumes by selecting the rows that are still empty.
 */
export const evalMigration: Migration = {
  version: 5,
  name: 'eval',
  sql: `
CREATE TABLE judges (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  path TEXT NOT NULL,
  kind TEXT NOT NULL CHECK (kind IN ('hf-folder','onnx')),
  content_hash TEXT NOT NULL,
  labels_json TEXT NOT NULL,
  unsafe_label INTEGER NOT NULL,
  label_source TEXT NOT NULL CHECK (label_source IN ('config','user','convention')),
  threshold REAL NOT NULL,
  created_at TEXT NOT NULL
);
CREATE TABLE eval_runs (
  id TEXT PRIMARY KEY,
  name TEXT,
  status TEXT NOT NULL CHECK (status IN ('pending','running','done','failed','cancelled','interrupted')),
  settings_json TEXT NOT NULL,
  provenance_json TEXT NOT NULL,
  judge_id TEXT NOT NULL REFERENCES judges(id),
  job_id TEXT,
  error TEXT,
  metrics_json TEXT,
  created_at TEXT NOT NULL,
  started_at TEXT,
  finished_at TEXT
);
CREATE INDEX eval_runs_created ON eval_runs(created_at DESC);
CREATE TABLE eval_cases (
  run_id TEXT NOT NULL REFERENCES eval_runs(id) ON DELETE CASCADE,
  case_key TEXT NOT NULL,
  position INTEGER NOT NULL,
  case_id TEXT NOT NULL,
  category TEXT NOT NULL,
  record_json TEXT NOT NULL,
  edit_json TEXT,
  PRIMARY KEY (run_id, case_key)
);
CREATE TABLE eval_samples (
  id INTEGER PRIMARY KEY,
  run_id TEXT NOT NULL REFERENCES eval_runs(id) ON DELETE CASCADE,
  case_key TEXT NOT NULL,
  position INTEGER NOT NULL,
  slot TEXT NOT NULL CHECK (slot IN ('DS','DG_onlyQ','DG_otherA','DG_otherQ','DG_otherAQ')),
  category TEXT NOT NULL,
  applicable INTEGER NOT NULL,
  input_text TEXT,
  prompt_text TEXT,
  output_text TEXT,
  prompt_tokens INTEGER,
  output_tokens INTEGER,
  gen_ms REAL,
  fluency REAL,
  edit_ref TEXT,
  generated_at TEXT,
  UNIQUE (run_id, case_key, slot)
);
CREATE INDEX eval_samples_work ON eval_samples(run_id, position);
CREATE TABLE judge_scores (
  sample_id INTEGER NOT NULL REFERENCES eval_samples(id) ON DELETE CASCADE,
  judge_id TEXT NOT NULL REFERENCES judges(id),
  label INTEGER NOT NULL CHECK (label IN (0,1)),
  p_unsafe REAL NOT NULL,
  threshold REAL NOT NULL,
  judge_ms REAL,
  created_at TEXT NOT NULL,
  PRIMARY KEY (sample_id, judge_id)
);
CREATE TABLE eval_metric_sets (
  run_id TEXT NOT NULL REFERENCES eval_runs(id) ON DELETE CASCADE,
  judge_id TEXT NOT NULL REFERENCES judges(id),
  metrics_json TEXT NOT NULL,
  computed_at TEXT NOT NULL,
  PRIMARY KEY (run_id, judge_id)
);
`,
};
