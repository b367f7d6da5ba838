import { z } from 'zod';
import { def, Empty } from '../define';

/** Split names: train, val, test, test_ALL, demo, or a user-chosen short name. */
export const SplitName = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,39}$/, 'split names are 1–40 letters, digits, "_", ".", "-"');
/** A stored record's stable key: "<split>:<id>", e.g. "test:903". */
export const RecordKey = z.string().min(3).max(120);
const FilePath = z.string().min(1).max(4096);
/** The file's original name when path is an upload copy (provenance and split inference use it). */
const FileName = z.string().min(1).max(255);

export interface GeneralizationInputs {
  onlyHarmfulQuestion: string;
  otherAttackPrompt: string;
  attackCategory: string;
  attackName: string;
  otherQuestion: string;
  otherQuestionsAndAttackPrompts: string;
}
export interface KnowledgeConstraint {
  prompt: string;
  answer: string;
}

/** A full SafeEdit record as stored (what the editing and evaluation domains consume). */
export interface DatasetRecord {
  key: string;
  split: string;
  id: string;
  sourceId: number;
  isDemo: boolean;
  /** normalised lower-case category name */
  category: string;
  /** the spelling in the file */
  categoryRaw: string;
  adversarialPrompt: string;
  question: string;
  attackCategory: string;
  attackName: string;
  unsafeGeneration: string;
  safeGeneration: string;
  /** null when the file has none (train, test_ALL) */
  generalization: GeneralizationInputs | null;
  knowledgeConstraint: KnowledgeConstraint | null;
}

/** A row of the record list. */
export interface RecordSummary {
  key: string;
  split: string;
  id: string;
  category: string;
  attackName: string;
  question: string;
  isDemo: boolean;
  /** With a search: a fragment with matches between \u0002 and \u0003. */
  snippet: string | null;
}

/** One problem found in an input file. index is the 0-based position in the top-level array (null: file level). */
export interface DatasetIssue {
  file: string;
  index: number | null;
  id: string | null;
  field: string | null;
  message: string;
}

export interface FileInspection {
  path: string;
  fileName: string;
  sizeBytes: number;
  sha256: string;
  /** records read (valid or not) */
  records: number;
  valid: number;
  /** records with at least one problem */
  invalid: number;
  /** true when the file cannot be read as a JSON array at all (truncated, not an array, invalid UTF-8…) */
  fatal: boolean;
  errorCount: number;
  /** the first errors (see errorCount for the total) */
  errors: DatasetIssue[];
  inferredSplit: string;
  splitReason: string;
  byCategory: Record<string, number>;
  withGeneralization: number;
  alreadyImported: { sourceId: number; split: string }[];
}

export interface FileImportResult extends FileInspection {
  split: string;
  status: 'imported' | 'already_imported' | 'failed';
  sourceId: number | null;
  imported: number;
  /** invalid records left out because skipBad was set */
  skipped: number;
  /** records already stored with identical content under the same key (from another file) */
  unchanged: number;
}

export interface SourceInfo {
  id: number;
  fileName: string;
  filePath: string | null;
  sha256: string;
  sizeBytes: number;
  split: string;
  isDemo: boolean;
  records: number;
  skipped: number;
  importedAt: string;
}

export interface DatasetStats {
  total: number;
  by_split: Record<string, number>;
  by_category: Record<string, number>;
  by_attack: Record<string, number>;
}

export interface DatasetFacets {
  total: number;
  categories: { name: string; label: string; count: number }[];
  attacks: { name: string; count: number }[];
  splits: { name: string; count: number }[];
}

export const RecordFilter = z
  .object({
    split: SplitName.optional(),
    category: z.string().min(1).max(60).optional(),
    attack: z.string().min(1).max(200).optional(),
    sourceId: z.number().int().positive().optional(),
    q: z.string().max(500).optional(),
  })
  .strict();
export type RecordFilter = z.infer<typeof RecordFilter>;

export const datasetApi = {
  /** Reads and validates a file without importing: counts, errors, inferred split. */
  'dataset.inspect': def(z.object({ path: FilePath, name: FileName.optional() }).strict()).returns<FileInspection>(),
  /** Imports files (each with an optional split; inferred otherwise). A file with errors imports nothing unless skipBad. */
  'dataset.import': def(
    z
      .object({
        files: z.array(z.object({ path: FilePath, split: SplitName.optional(), name: FileName.optional() }).strict()).min(1).max(50),
        skipBad: z.boolean().default(false),
      })
      .strict(),
  ).returns<{ results: FileImportResult[] }>(),
  'dataset.list': def(
    RecordFilter.extend({
      offset: z.number().int().min(0).default(0),
      limit: z.number().int().min(1).max(1000).default(100),
    }).strict(),
  ).returns<{ total: number; items: RecordSummary[] }>(),
  'dataset.facets': def(RecordFilter).returns<DatasetFacets>(),
  'dataset.get': def(z.object({ key: RecordKey }).strict()).returns<DatasetRecord>(),
  /** "split:id" or a bare id (every split that has it). */
  'dataset.find': def(z.object({ id: z.string().min(1).max(120) }).strict()).returns<DatasetRecord[]>(),
  'dataset.stats': def(z.object({ split: SplitName.optional() }).strict()).returns<DatasetStats>(),
  'dataset.sources': def(Empty).returns<SourceInfo[]>(),
  /** Removes one import (sourceId) or the demo set (demo: true; it then stays away on later starts). */
  'dataset.remove': def(
    z
      .object({ sourceId: z.number().int().positive().optional(), demo: z.boolean().optional() })
      .strict()
      .refine((x) => (x.sourceId !== undefined) !== (x.demo === true), 'give either sourceId or demo: true'),
  ).returns<{ removedSources: number; removedRecords: number }>(),
  /** Loads the demo set again (after it was removed). */
  'dataset.restoreDemo': def(Empty).returns<{ records: number }>(),
};
