// Read side of the dataset: the service API other domains (editing, evaluation) reuse.
import type { Db } from '../store/db';
import { AppError } from '../../shared/errors';
import type { DatasetFacets, DatasetRecord, DatasetStats, RecordFilter, RecordSummary, SourceInfo } from '../../shared/api/dataset';
import { CATEGORIES, normaliseCategory } from './schema';

interface RecordRow {
  rowid: number;
  key: string;
  source_id: number;
  split: string;
  record_id: string;
  category: string;
  category_raw: string;
  attack_name: string;
  attack_category: string;
  adversarial_prompt: string;
  question: string;
  unsafe_generation: string;
  safe_generation: string;
  generalization_json: string | null;
  knowledge_json: string | null;
  is_demo: number;
}

function toRecord(r: RecordRow): DatasetRecord {
  return {
    key: r.key,
    split: r.split,
    id: r.record_id,
    sourceId: r.source_id,
    isDemo: r.is_demo === 1,
    category: r.category,
    categoryRaw: r.category_raw,
    adversarialPrompt: r.adversarial_prompt,
    question: r.question,
    attackCategory: r.attack_category,
    attackName: r.attack_name,
    unsafeGeneration: r.unsafe_generation,
    safeGeneration: r.safe_generation,
    generalization: r.generalization_json ? JSON.parse(r.generalization_json) : null,
    knowledgeConstraint: r.knowledge_json ? JSON.parse(r.knowledge_json) : null,
  };
}

const RECORD_COLUMNS = `r.*, s.is_demo`;

/**
 * Turns user text into a safe FTS5 query: every word becomes a quoted prefix term, all must match.
 * Returns null when the text has no searchable words.
 */
export function ftsQuery(q: string | undefined): string | null {
  if (!q) return null;
  const words = q.match(/[\p{L}\p{N}_]+/gu);
  if (!words || !words.length) return null;
  return words.slice(0, 16).map((w) => `"${w.replace(/"/g, '""')}"*`).join(' ');
}

/** The words of a search, for highlighting (same tokenisation as ftsQuery). */
export function searchTerms(q: string | undefined): string[] {
  return (q?.match(/[\p{L}\p{N}_]+/gu) ?? []).slice(0, 16);
}

type Dim = 'split' | 'category' | 'attack';

/** Searches with at most this many hits are ordered by relevance (bm25); larger ones in dataset order, which stays fast. */
export const RANK_LIMIT = 1000;

/**
 * FROM/WHERE for a filter over the narrow dataset_facets table (alias x; the search index is f when searching).
 * `omit` leaves one dimension out (for facet counts).
 */
function filterSql(f: RecordFilter, omit?: Dim): { from: string; where: string; params: unknown[]; match: string | null } {
  const match = ftsQuery(f.q);
  const conds: string[] = [];
  const params: unknown[] = [];
  let from = 'dataset_facets x';
  if (match) {
    from = 'dataset_fts f JOIN dataset_facets x ON x.rid = f.rowid';
    conds.push('dataset_fts MATCH ?');
    params.push(match);
  }
  if (f.split && omit !== 'split') {
    conds.push('x.split = ?');
    params.push(f.split);
  }
  if (f.category && omit !== 'category') {
    conds.push('x.category = ?');
    params.push(normaliseCategory(f.category) ?? f.category);
  }
  if (f.attack && omit !== 'attack') {
    conds.push('x.attack_name = ?');
    params.push(f.attack);
  }
  if (f.sourceId !== undefined) {
    conds.push('x.source_id = ?');
    params.push(f.sourceId);
  }
  return { from, where: conds.length ? `WHERE ${conds.join(' AND ')}` : '', params, match };
}

function count(db: Db, f: RecordFilter): number {
  const { from, where, params } = filterSql(f);
  return (db.prepare(`SELECT COUNT(*) AS n FROM ${from} ${where}`).get(...params) as { n: number }).n;
}

/**
 * One page of records matching a filter, in dataset order; with a search, a highlighted snippet per row, and
 * best matches first when there are at most RANK_LIMIT of them.
 */
export function listRecords(db: Db, filter: RecordFilter & { offset?: number; limit?: number }): { total: number; items: RecordSummary[] } {
  const { from, where, params, match } = filterSql(filter);
  const total = count(db, filter);
  const snippet = match ? `snippet(dataset_fts, -1, char(2), char(3), '…', 14)` : 'NULL';
  // f.rowid (not x.rid) lets SQLite stream the index in order and stop after the page, computing few snippets.
  const order = !match ? 'ORDER BY x.rid' : total <= RANK_LIMIT ? 'ORDER BY f.rank, f.rowid' : 'ORDER BY f.rowid';
  const rows = db
    .prepare(
      `SELECT r.key, r.split, r.record_id, r.category, r.attack_name, substr(r.question, 1, 300) AS question, s.is_demo, ${snippet} AS snippet
       FROM ${from} JOIN dataset_records r ON r.rowid = x.rid JOIN dataset_sources s ON s.id = x.source_id ${where} ${order} LIMIT ? OFFSET ?`,
    )
    .all(...params, filter.limit ?? 100, filter.offset ?? 0) as {
    key: string;
    split: string;
    record_id: string;
    category: string;
    attack_name: string;
    question: string;
    is_demo: number;
    snippet: string | null;
  }[];
  return {
    total,
    items: rows.map((r) => ({
      key: r.key,
      split: r.split,
      id: r.record_id,
      category: r.category,
      attackName: r.attack_name,
      question: r.question,
      isDemo: r.is_demo === 1,
      snippet: r.snippet,
    })),
  };
}

/** Every full record matching a filter, in import order (for evaluation and editing runs). */
export function allRecords(db: Db, filter: RecordFilter = {}): DatasetRecord[] {
  const { from, where, params } = filterSql(filter);
  return (
    db
      .prepare(`SELECT ${RECORD_COLUMNS} FROM ${from} JOIN dataset_records r ON r.rowid = x.rid JOIN dataset_sources s ON s.id = x.source_id ${where} ORDER BY x.rid`)
      .all(...params) as RecordRow[]
  ).map(toRecord);
}

/** A record by its key ("test:903"); AppError not_found otherwise. */
export function getRecord(db: Db, key: string): DatasetRecord {
  const r = db.prepare(`SELECT ${RECORD_COLUMNS} FROM dataset_records r JOIN dataset_sources s ON s.id = r.source_id WHERE r.key = ?`).get(key) as
    | RecordRow
    | undefined;
  if (!r) throw new AppError('not_found', `no dataset record with key '${key}'`);
  return toRecord(r);
}

/** "split:id" → that record; a bare id → the records with that id in every split (possibly none). */
export function findRecords(db: Db, idOrKey: string): DatasetRecord[] {
  const byKey = db.prepare(`SELECT ${RECORD_COLUMNS} FROM dataset_records r JOIN dataset_sources s ON s.id = r.source_id WHERE r.key = ?`).get(idOrKey) as
    | RecordRow
    | undefined;
  if (byKey) return [toRecord(byKey)];
  return (
    db
      .prepare(`SELECT ${RECORD_COLUMNS} FROM dataset_records r JOIN dataset_sources s ON s.id = r.source_id WHERE r.record_id = ? ORDER BY r.split`)
      .all(idOrKey) as RecordRow[]
  ).map(toRecord);
}

function countBy(db: Db, column: string, f: RecordFilter, omit?: Dim): { name: string; count: number }[] {
  const { from, where, params } = filterSql(f, omit);
  return db.prepare(`SELECT ${column} AS name, COUNT(*) AS count FROM ${from} ${where} GROUP BY ${column} ORDER BY count DESC, name`).all(...params) as {
    name: string;
    count: number;
  }[];
}

/** Counts per category / attack / split; each dimension is counted with the other filters applied. */
export function facets(db: Db, f: RecordFilter): DatasetFacets {
  const cats = new Map(countBy(db, 'x.category', f, 'category').map((c) => [c.name, c.count]));
  return {
    total: count(db, f),
    categories: CATEGORIES.map((c) => ({ name: c.name, label: c.label, count: cats.get(c.name) ?? 0 })),
    attacks: countBy(db, 'x.attack_name', f, 'attack'),
    splits: countBy(db, 'x.split', f, 'split'),
  };
}

/** Counts per split, normalised category and attack name (optionally within one split). */
export function stats(db: Db, split?: string): DatasetStats {
  const f: RecordFilter = split ? { split } : {};
  const obj = (rows: { name: string; count: number }[]) => Object.fromEntries(rows.map((r) => [r.name, r.count]));
  return {
    total: count(db, f),
    by_split: obj(countBy(db, 'x.split', f)),
    by_category: obj(countBy(db, 'x.category', f)),
    by_attack: obj(countBy(db, 'x.attack_name', f)),
  };
}

export function listSources(db: Db): SourceInfo[] {
  const rows = db.prepare('SELECT * FROM dataset_sources ORDER BY id').all() as {
    id: number;
    file_name: string;
    file_path: string | null;
    sha256: string;
    size_bytes: number;
    split: string;
    is_demo: number;
    record_count: number;
    skipped_count: number;
    imported_at: string;
  }[];
  return rows.map((r) => ({
    id: r.id,
    fileName: r.file_name,
    filePath: r.file_path,
    sha256: r.sha256,
    sizeBytes: r.size_bytes,
    split: r.split,
    isDemo: r.is_demo === 1,
    records: r.record_count,
    skipped: r.skipped_count,
    importedAt: r.imported_at,
  }));
}

/** Deletes imports and their records; returns what went. */
export function removeSources(db: Db, where: { sourceId: number } | { demo: true }): { removedSources: number; removedRecords: number } {
  return db.transaction(() => {
    const ids = (
      'sourceId' in where
        ? db.prepare('SELECT id FROM dataset_sources WHERE id = ?').all(where.sourceId)
        : db.prepare('SELECT id FROM dataset_sources WHERE is_demo = 1').all()
    ) as { id: number }[];
    if ('sourceId' in where && !ids.length) throw new AppError('not_found', `no dataset import with id ${where.sourceId}`);
    let removedRecords = 0;
    for (const { id } of ids) {
      removedRecords += db.prepare('DELETE FROM dataset_records WHERE source_id = ?').run(id).changes;
      db.prepare('DELETE FROM dataset_sources WHERE id = ?').run(id);
    }
    return { removedSources: ids.length, removedRecords };
  })();
}
