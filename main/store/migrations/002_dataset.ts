import type { Migration } from './index';

/**
 * Narrow copy of the filter columns, kept by triggers: counting and filtering search hits joins this instead of the
 * wide text rows (see docs/benchmarks.md). Exported so main/dataset can add it to a data dir made by an early
 * build of this migration that lacked it.
 */
export const DATASET_FACETS_SQL = `
CREATE TABLE dataset_facets (
  rid INTEGER PRIMARY KEY,
  split TEXT NOT NULL,
  category TEXT NOT NULL,
  attack_name TEXT NOT NULL,
  source_id INTEGER NOT NULL
);
CREATE INDEX dataset_facets_category ON dataset_facets(category);
CREATE INDEX dataset_facets_attack ON dataset_facets(attack_name);
CREATE INDEX dataset_facets_split ON dataset_facets(split);
INSERT INTO dataset_facets(rid, split, category, attack_name, source_id) SELECT rowid, split, category, attack_name, source_id FROM dataset_records;
CREATE TRIGGER dataset_facets_ai AFTER INSERT ON dataset_records BEGIN
  INSERT INTO dataset_facets(rid, split, category, attack_name, source_id) VALUES (new.rowid, new.split, new.category, new.attack_name, new.source_id);
END;
CREATE TRIGGER dataset_facets_ad AFTER DELETE ON dataset_records BEGIN
  DELETE FROM dataset_facets WHERE rid = old.rowid;
END;
CREATE TRIGGER dataset_facets_au AFTER UPDATE ON dataset_records BEGIN
  UPDATE dataset_facets SET split = new.split, category = new.category, attack_name = new.attack_name, source_id = new.source_id WHERE rid = old.rowid;
END;
`;

/** SafeEdit records, their import provenance, and an FTS5 index over prompts, questions and generations. */
export const dataset: Migration = {
  version: 2,
  name: 'dataset',
  sql: `
CREATE TABLE dataset_sources (
  id INTEGER PRIMARY KEY,
  file_name TEXT NOT NULL,
  file_path TEXT,
  sha256 TEXT NOT NULL,
  size_bytes INTEGER NOT NULL,
  split TEXT NOT NULL,
  is_demo INTEGER NOT NULL DEFAULT 0,
  record_count INTEGER NOT NULL,
  skipped_count INTEGER NOT NULL DEFAULT 0,
  imported_at TEXT NOT NULL,
  UNIQUE (sha256, split)
);
CREATE TABLE dataset_records (
  rowid INTEGER PRIMARY KEY,
  key TEXT NOT NULL UNIQUE,
  source_id INTEGER NOT NULL REFERENCES dataset_sources(id) ON DELETE CASCADE,
  split TEXT NOT NULL,
  record_id TEXT NOT NULL,
  record_index INTEGER NOT NULL,
  category TEXT NOT NULL,
  category_raw TEXT NOT NULL,
  attack_name TEXT NOT NULL,
  attack_category TEXT NOT NULL,
  adversarial_prompt TEXT NOT NULL,
  question TEXT NOT NULL,
  unsafe_generation TEXT NOT NULL,
  safe_generation TEXT NOT NULL,
  generalization_json TEXT,
  knowledge_json TEXT,
  content_hash TEXT NOT NULL,
  UNIQUE (split, record_id)
);
CREATE INDEX dataset_records_source ON dataset_records(source_id);
CREATE INDEX dataset_records_id ON dataset_records(record_id);
CREATE VIRTUAL TABLE dataset_fts USING fts5(
  adversarial_prompt, question, unsafe_generation, safe_generation,
  content='dataset_records', content_rowid='rowid', tokenize='unicode61 remove_diacritics 2', prefix='2 3'
);
CREATE TRIGGER dataset_records_ai AFTER INSERT ON dataset_records BEGIN
  INSERT INTO dataset_fts(rowid, adversarial_prompt, question, unsafe_generation, safe_generation)
  VALUES (new.rowid, new.adversarial_prompt, new.question, new.unsafe_generation, new.safe_generation);
END;
CREATE TRIGGER dataset_records_ad AFTER DELETE ON dataset_records BEGIN
  INSERT INTO dataset_fts(dataset_fts, rowid, adversarial_prompt, question, unsafe_generation, safe_generation)
  VALUES ('delete', old.rowid, old.adversarial_prompt, old.question, old.unsafe_generation, old.safe_generation);
END;
CREATE TRIGGER dataset_records_au AFTER UPDATE ON dataset_records BEGIN
  INSERT INTO dataset_fts(dataset_fts, rowid, adversarial_prompt, question, unsafe_generation, safe_generation)
  VALUES ('delete', old.rowid, old.adversarial_prompt, old.question, old.unsafe_generation, old.safe_generation);
  INSERT INTO dataset_fts(rowid, adversarial_prompt, question, unsafe_generation, safe_generation)
  VALUES (new.rowid, new.adversarial_prompt, new.question, new.unsafe_generation, new.safe_generation);
END;
CREATE TABLE dataset_meta (
  key TEXT PRIMARY KEY,
  value TEXT NOT NULL
);
${DATASET_FACETS_SQL}`,
};
