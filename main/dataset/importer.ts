// Import of SafeEdit JSON files: streaming read, per-record validation, split inference, idempotent storage.
import fs from 'node:fs';
import path from 'node:path';
import { createHash } from 'node:crypto';
import type { Db } from '../store/db';
import type { DatasetIssue, FileImportResult, FileInspection } from '../../shared/api/dataset';
import { readArrayFile, StructureError } from './parse';
import { validateRecord, rawId, type ValidRecord } from './schema';

/** How many problems a result lists (errorCount has the total). */
export const MAX_REPORTED_ERRORS = 200;
/** Reading stops when this many records in a row are bad and none was good: the file is not SafeEdit data. */
export const GIVE_UP_AFTER_BAD = 1000;

/** File-name patterns → split, first match wins (test_ALL before test). */
const SPLIT_RULES: [RegExp, string][] = [
  [/test[_ -]?all/i, 'test_ALL'],
  [/train/i, 'train'],
  [/(^|[^a-z])(val|valid|validation|dev)([^a-z]|$)/i, 'val'],
  [/test/i, 'test'],
  [/ccks/i, 'ccks'],
];

export function inferSplit(fileName: string, shape: { records: number; withGeneralization: number; noAttackCategory: number }): { split: string; reason: string } {
  const base = path.basename(fileName).replace(/\.json$/i, '');
  for (const [re, split] of SPLIT_RULES) if (re.test(base)) return { split, reason: `file name "${path.basename(fileName)}" matches ${split}` };
  if (shape.records > 0 && shape.withGeneralization === 0) {
    if (shape.noAttackCategory === shape.records) return { split: 'test_ALL', reason: 'no generalization inputs and no attack categories (NLPCC test_ALL form)' };
    return { split: 'train', reason: 'records have no generalization inputs (train form)' };
  }
  return { split: 'test', reason: 'records have generalization inputs (val/test form); choose val or test' };
}

function issueText(i: DatasetIssue): string {
  const where = i.index === null ? '' : `record ${i.index}${i.id !== null ? ` (id ${i.id})` : ''}: `;
  return `${i.file}: ${where}${i.message}`;
}
/** One line per problem, e.g. "a.json: record 17 (id 903): 'safe generation' must be a string". */
export const formatIssue = issueText;

interface Analysis {
  inspection: FileInspection;
  records: { index: number; record: ValidRecord }[];
}

/** Reads and validates one file (nothing is stored). Never throws for bad content: problems become issues. */
export async function analyseFile(db: Db, file: string, name?: string): Promise<Analysis> {
  const fileName = path.basename(name ?? file);
  const issues: DatasetIssue[] = [];
  let errorCount = 0;
  const add = (i: Omit<DatasetIssue, 'file'>) => {
    errorCount++;
    if (issues.length < MAX_REPORTED_ERRORS) issues.push({ file: fileName, ...i });
  };
  const hash = createHash('sha256');
  const records: { index: number; record: ValidRecord }[] = [];
  const invalid = new Set<number>();
  const firstIndexOfId = new Map<string, number>();
  const byCategory: Record<string, number> = {};
  let total = 0;
  let withGeneralization = 0;
  let noAttackCategory = 0;
  let fatal = false;
  let size = 0;
  try {
    const st = fs.statSync(file);
    if (!st.isFile()) throw new Error('not a regular file');
    size = st.size;
    await readArrayFile(
      file,
      ({ index, text }) => {
        total++;
        if (records.length === 0 && invalid.size >= GIVE_UP_AFTER_BAD) {
          throw new StructureError(`stopped reading: the first ${invalid.size} records are all invalid, so this does not look like a SafeEdit file`, index);
        }
        let value: unknown;
        try {
          value = JSON.parse(text);
        } catch (e) {
          const m = /^\s*\{[^{}]*?"id"\s*:\s*(\d+)/.exec(text);
          invalid.add(index);
          add({ index, id: m ? m[1] : null, field: null, message: `not valid JSON: ${(e as Error).message}` });
          return;
        }
        const v = validateRecord(value, index);
        if ('issues' in v) {
          invalid.add(index);
          for (const i of v.issues) add(i);
          return;
        }
        const r = v.record;
        const first = firstIndexOfId.get(r.id);
        if (first !== undefined) {
          invalid.add(index);
          add({ index, id: r.id, field: 'id', message: `duplicate id ${r.id} (first used by record ${first})` });
          return;
        }
        firstIndexOfId.set(r.id, index);
        byCategory[r.category] = (byCategory[r.category] ?? 0) + 1;
        if (r.generalization) withGeneralization++;
        if (!r.attackCategory.trim()) noAttackCategory++;
        records.push({ index, record: r });
      },
      (chunk) => hash.update(chunk),
    );
  } catch (e) {
    fatal = true;
    // The problem that stopped reading is always listed, even when the list is full.
    if (issues.length >= MAX_REPORTED_ERRORS) issues.pop();
    if (e instanceof StructureError) add({ index: e.index, id: null, field: null, message: e.message });
    else add({ index: null, id: null, field: null, message: `cannot read the file: ${(e as Error).message}` });
  }
  const sha256 = hash.digest('hex');
  const { split, reason } = inferSplit(fileName, { records: records.length, withGeneralization, noAttackCategory });
  const already = fatal
    ? []
    : (db.prepare('SELECT id AS sourceId, split FROM dataset_sources WHERE sha256 = ? ORDER BY id').all(sha256) as { sourceId: number; split: string }[]);
  return {
    inspection: {
      path: file,
      fileName,
      sizeBytes: size,
      sha256,
      records: total,
      valid: records.length,
      invalid: invalid.size,
      fatal,
      errorCount,
      errors: issues,
      inferredSplit: split,
      splitReason: reason,
      byCategory,
      withGeneralization,
      alreadyImported: already,
    },
    records,
  };
}

export interface ImportOptions {
  split?: string;
  skipBad?: boolean;
  isDemo?: boolean;
  /** The file's original name, recorded as provenance and used to infer the split (default: the path's base name). */
  displayName?: string;
}

/**
 * Imports one file. A file with any problem imports nothing unless skipBad (structural problems always block);
 * importing the same content into the same split again changes nothing.
 */
export async function importFile(db: Db, file: string, options: ImportOptions = {}): Promise<FileImportResult> {
  const { inspection, records } = await analyseFile(db, file, options.displayName);
  const split = options.split ?? inspection.inferredSplit;
  const base: FileImportResult = { ...inspection, split, status: 'failed', sourceId: null, imported: 0, skipped: 0, unchanged: 0 };
  if (inspection.fatal) return base;
  const existing = db.prepare('SELECT id, record_count AS n, skipped_count AS s FROM dataset_sources WHERE sha256 = ? AND split = ?').get(inspection.sha256, split) as
    | { id: number; n: number; s: number }
    | undefined;
  if (existing) return { ...base, status: 'already_imported', sourceId: existing.id, imported: 0, skipped: 0, unchanged: existing.n };

  // Records already stored under the same key: identical content is fine (another file of the same split), else a conflict.
  const lookup = db.prepare(
    `SELECT r.content_hash AS h, s.file_name AS f FROM dataset_records r JOIN dataset_sources s ON s.id = r.source_id WHERE r.split = ? AND r.record_id = ?`,
  );
  const toInsert: { index: number; record: ValidRecord }[] = [];
  let unchanged = 0;
  let conflicts = 0;
  const issues = [...inspection.errors];
  let errorCount = inspection.errorCount;
  for (const x of records) {
    const hit = lookup.get(split, x.record.id) as { h: string; f: string } | undefined;
    if (!hit) toInsert.push(x);
    else if (hit.h === x.record.contentHash) unchanged++;
    else {
      conflicts++;
      errorCount++;
      if (issues.length < MAX_REPORTED_ERRORS) {
        issues.push({
          file: inspection.fileName,
          index: x.index,
          id: x.record.id,
          field: 'id',
          message: `split '${split}' already has a different record with id ${x.record.id} (from ${hit.f}); remove that import first or choose another split`,
        });
      }
    }
  }
  issues.sort((a, b) => (a.index ?? -1) - (b.index ?? -1));
  const bad = inspection.invalid + conflicts;
  const result: FileImportResult = { ...base, errors: issues, errorCount, invalid: bad, valid: inspection.valid - conflicts, unchanged };
  if (bad > 0 && !options.skipBad) return result;

  const insertSource = db.prepare(
    `INSERT INTO dataset_sources(file_name, file_path, sha256, size_bytes, split, is_demo, record_count, skipped_count, imported_at)
     VALUES (?,?,?,?,?,?,?,?,?)`,
  );
  const insertRecord = db.prepare(
    `INSERT INTO dataset_records(key, source_id, split, record_id, record_index, category, category_raw, attack_name, attack_category,
       adversarial_prompt, question, unsafe_generation, safe_generation, generalization_json, knowledge_json, content_hash)
     VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)`,
  );
  const sourceId = db.transaction(() => {
    const sid = Number(
      insertSource.run(
        result.fileName,
        options.isDemo ? null : path.resolve(file),
        inspection.sha256,
        inspection.sizeBytes,
        split,
        options.isDemo ? 1 : 0,
        toInsert.length,
        bad,
        new Date().toISOString(),
      ).lastInsertRowid,
    );
    for (const { index, record: r } of toInsert) {
      insertRecord.run(
        recordKey(split, r.id),
        sid,
        split,
        r.id,
        index,
        r.category,
        r.categoryRaw,
        r.attackName,
        r.attackCategory,
        r.adversarialPrompt,
        r.question,
        r.unsafeGeneration,
        r.safeGeneration,
        r.generalization ? JSON.stringify(r.generalization) : null,
        r.knowledgeConstraint ? JSON.stringify(r.knowledgeConstraint) : null,
        r.contentHash,
      );
    }
    return sid;
  })();
  return { ...result, status: 'imported', sourceId, imported: toInsert.length, skipped: bad };
}

export function recordKey(split: string, id: string): string {
  return `${split}:${id}`;
}

export { rawId };
