// Experiment history and comparison: the runs table, run reports, comparisons, sample drill-down and exports.
// Reads the evaluation domain's tables (migration 5) and keeps its own annotations (migration 6). See docs/experiments.md.
import { z } from 'zod';
import { def, Empty } from '../define';
import type { EvalSettings, JudgeInfo, MetricKey, MetricReport, MetricSlot, Provenance, RunStatus, SlotCounts } from './eval';

const RunId = z.string().min(1).max(64);
const Tag = z
  .string()
  .trim()
  .min(1)
  .max(40)
  .regex(/^[^,\n\r\t]+$/, 'tags cannot contain commas, tabs or line breaks');

/** One row of the runs table (everything sortable/filterable is a plain field). */
export interface ExperimentRow {
  id: string;
  name: string | null;
  /** model folder name (provenance.modelPath basename) */
  model: string;
  modelPath: string;
  method: string;
  mode: string;
  /** the layer setting; null = not set (DINM locates a toxic layer per case) */
  layer: number | null;
  /** most frequent located toxic layer over the run's edited cases (null = none located) */
  toxicLayer: number | null;
  judge: string;
  judgeId: string;
  /** stored split name, or the case file's base name */
  split: string;
  cases: number;
  DS: number | null;
  DG_Avg: number | null;
  Fluency: number | null;
  status: RunStatus;
  error: string | null;
  createdAt: string;
  finishedAt: string | null;
  tags: string[];
  notes: string;
  comparabilityKey: string;
}

/** Columns of the runs table (ids are ExperimentRow fields). */
export const RUN_COLUMNS = [
  'name',
  'model',
  'method',
  'mode',
  'layer',
  'judge',
  'split',
  'cases',
  'DS',
  'DG_Avg',
  'Fluency',
  'status',
  'createdAt',
  'tags',
  'notes',
] as const;
export type RunColumn = (typeof RUN_COLUMNS)[number];

export const ColumnLayout = z
  .object({
    columns: z
      .array(z.object({ key: z.enum(RUN_COLUMNS), width: z.number().int().min(40).max(1200), visible: z.boolean() }).strict())
      .max(RUN_COLUMNS.length),
    sort: z.object({ key: z.enum(RUN_COLUMNS), dir: z.enum(['asc', 'desc']) }).strict().nullable(),
    filters: z.partialRecord(z.enum(RUN_COLUMNS), z.string().max(200)),
  })
  .strict();
export type ColumnLayout = z.infer<typeof ColumnLayout>;

/** How a bar / metric cell is to be shown: a number, or why there is none (never confused with 0). */
export type MetricState = 'value' | 'na' | 'not-run' | 'failed';

/** The edit report of one case, as the experiments domain reads eval_cases.edit_json (see docs/experiments.md). */
export interface EditInfoView {
  ref: string | null;
  method: string | null;
  mode: string | null;
  toxicLayer: number | null;
  layerDistances: number[] | null;
  losses: number[] | null;
  params: Record<string, unknown> | null;
  patchId: string | null;
  ms: number | null;
  error: string | null;
  /** fields present but malformed (shown, not fatal) */
  problems: string[];
}

export interface Coverage {
  cases: number;
  /** every applicable sample judged */
  casesDone: number;
  /** some samples done, some not */
  casesPartial: number;
  /** nothing generated yet */
  casesNotRun: number;
  /** cases whose edit report carries an error */
  casesFailed: number;
  slots: Record<MetricSlot, SlotCounts>;
  /** run-level failure (status failed/interrupted/cancelled + message) */
  runError: string | null;
}

export interface MetricCell {
  value: number | null;
  state: MetricState;
}

export interface RunReport {
  row: ExperimentRow;
  settings: EvalSettings;
  provenance: Provenance;
  judge: JudgeInfo;
  /** computed from the stored scores of the run's judge (main/eval/metrics.ts) */
  metrics: MetricReport;
  /** per group ('overall' and each category) and metric: value + state */
  cells: Record<string, Record<MetricKey, MetricCell>>;
  coverage: Coverage;
  /** located toxic layer → number of cases; `none` = edited cases with no layer, `noEdit` = cases without an edit report */
  toxicLayers: { counts: { layer: number; cases: number }[]; none: number; noEdit: number };
  /** loss curves of the edits (at most 40, each at most 200 points), plus the mean curve */
  lossCurves: { caseKey: string; caseId: string; losses: number[] }[];
  meanLoss: number[] | null;
  lossCurvesTotal: number;
}

export interface SettingsDiffRow {
  path: string;
  /** per run, in the order of `runs`; null = absent */
  values: (string | null)[];
  differs: boolean;
}

export interface CompareRun {
  row: ExperimentRow;
  reference: boolean;
  metrics: MetricReport;
  cells: Record<string, Record<MetricKey, MetricCell>>;
}

export interface Comparison {
  reference: string;
  runs: CompareRun[];
  /** groups in table order: 'overall' then the union of categories */
  groups: string[];
  /** deltas[runIndex][group][metric] = run − reference (null when either is missing) */
  deltas: Record<string, Record<MetricKey, number | null>>[];
  settings: SettingsDiffRow[];
  comparable: boolean;
  samples: { total: number; flips: number; missing: number };
}

export interface AlignedCell {
  present: boolean;
  applicable: boolean;
  /** null = not generated yet */
  output: string | null;
  truncated: boolean;
  label: 0 | 1 | null;
  pUnsafe: number | null;
  /** 'safe' | 'unsafe' | 'empty' (scored 0.5) | 'pending' | 'na' | 'missing' (case not in this run) */
  verdict: 'safe' | 'unsafe' | 'empty' | 'pending' | 'na' | 'missing';
}

export interface AlignedRow {
  caseKey: string;
  caseId: string;
  category: string;
  slot: MetricSlot;
  input: string | null;
  flip: boolean;
  cells: AlignedCell[];
}

export const SampleFilter = z.enum(['all', 'flips', 'unsafe', 'pending']);

export interface SampleRun {
  runId: string;
  name: string | null;
  reference: boolean;
  edit: EditInfoView | null;
  responses: {
    slot: MetricSlot;
    applicable: boolean;
    prompt: string | null;
    output: string | null;
    label: 0 | 1 | null;
    pUnsafe: number | null;
    threshold: number | null;
    fluency: number | null;
    verdict: AlignedCell['verdict'];
  }[];
}

export interface SampleDetail {
  caseKey: string;
  caseId: string;
  category: string;
  /** the case's inputs (from the reference run's stored record) */
  inputs: { slot: MetricSlot; label: string; text: string | null }[];
  question: string | null;
  runs: SampleRun[];
}

export const EXPORT_FORMATS = ['csv', 'json', 'html'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

export interface ExportResult {
  format: ExportFormat;
  filename: string;
  bytes: number;
  /** where it was written (when out/folder was given) */
  path: string | null;
  /** the content itself (when no out/folder was given) */
  content: string | null;
}

const Ids = z.array(RunId).min(1).max(8);
const CompareIds = z.array(RunId).min(2).max(8);

export const experimentsApi = {
  'experiments.list': def(Empty).returns<ExperimentRow[]>(),
  /** Rename, tag, annotate. name '' clears it; tags replace the run's tags. */
  'experiments.update': def(
    z
      .object({
        id: RunId,
        name: z.string().max(200).optional(),
        tags: z.array(Tag).max(30).optional(),
        notes: z.string().max(20_000).optional(),
      })
      .strict(),
  ).returns<ExperimentRow>(),
  /** Deletes a run (its samples, scores and metric sets) and its edit patches that no other run uses. */
  'experiments.delete': def(z.object({ id: RunId }).strict()).returns<{
    deleted: boolean;
    patches: { removed: string[]; keptShared: string[]; unmanaged: string[] };
  }>(),
  'experiments.getLayout': def(Empty).returns<ColumnLayout | null>(),
  'experiments.setLayout': def(ColumnLayout).returns<ColumnLayout>(),
  'experiments.report': def(z.object({ id: RunId }).strict()).returns<RunReport>(),
  'experiments.compare': def(z.object({ ids: CompareIds, reference: RunId.optional() }).strict()).returns<Comparison>(),
  /** The per-sample table of a comparison, aligned on (case, slot) of the reference run, one page at a time. */
  'experiments.compareSamples': def(
    z
      .object({
        ids: CompareIds,
        reference: RunId.optional(),
        filter: SampleFilter.default('all'),
        slot: z.enum(['DS', 'DG_onlyQ', 'DG_otherA', 'DG_otherQ', 'DG_otherAQ']).optional(),
        category: z.string().min(1).max(60).optional(),
        offset: z.number().int().min(0).default(0),
        limit: z.number().int().min(1).max(500).default(100),
      })
      .strict(),
  ).returns<{ total: number; offset: number; items: AlignedRow[] }>(),
  'experiments.sample': def(z.object({ ids: Ids, reference: RunId.optional(), caseKey: z.string().min(1).max(200) }).strict()).returns<SampleDetail>(),
  /**
   * Exports one run (ids of length 1) or a comparison. With `out` (a file path) or `folder` (+ the default name)
   * the file is written there; with neither, the content is returned for the client to save.
   */
  'experiments.export': def(
    z
      .object({
        ids: Ids,
        reference: RunId.optional(),
        format: z.enum(EXPORT_FORMATS),
        out: z.string().min(1).max(4096).optional(),
        folder: z.string().min(1).max(4096).optional(),
      })
      .strict()
      .refine((x) => !(x.out && x.folder), 'give out or folder, not both'),
  ).returns<ExportResult>(),
};
