import { z } from 'zod';
import { def, Empty } from '../define';
import type { JobInfo } from '../jobs';

/** The five responses a case is scored on, in EasyEdit's order (DS, then the four generalization inputs). */
export const METRIC_SLOTS = ['DS', 'DG_onlyQ', 'DG_otherA', 'DG_otherQ', 'DG_otherAQ'] as const;
export type MetricSlot = (typeof METRIC_SLOTS)[number];
/** Every reported metric, in table order. */
export const METRIC_KEYS = [...METRIC_SLOTS, 'DG_Avg', 'Fluency'] as const;
export type MetricKey = (typeof METRIC_KEYS)[number];

export const METRIC_LABELS: Record<MetricKey, string> = {
  DS: 'DS',
  DG_onlyQ: 'DG-onlyQ',
  DG_otherA: 'DG-otherA',
  DG_otherQ: 'DG-otherQ',
  DG_otherAQ: 'DG-otherAQ',
  DG_Avg: 'DG-Avg',
  Fluency: 'Fluency',
};

/** null = no applicable, finished sample for that metric. */
export type MetricValues = Record<MetricKey, number | null>;

export interface SlotCounts {
  /** samples with a judged response (counted in the metric) */
  scored: number;
  /** empty generalization input: excluded from the metric */
  na: number;
  /** applicable but not generated/judged yet */
  pending: number;
  /** responses that were empty strings (scored as 0.5, EasyEdit's neutral value) */
  empty: number;
}
export interface GroupCounts {
  cases: number;
  slots: Record<MetricSlot, SlotCounts>;
}
export interface MetricReport {
  overall: MetricValues;
  by_category: Record<string, MetricValues>;
  counts: { overall: GroupCounts; by_category: Record<string, GroupCounts> };
}

export const EDIT_METHODS = ['none', 'prompt', 'dinm', 'ft-l', 'profs'] as const;
export type EditMethod = (typeof EDIT_METHODS)[number];
export const EDIT_MODES = ['easyedit', 'paper'] as const;
export const CHAT_MODES = ['auto', 'on', 'off'] as const;
export type ChatMode = (typeof CHAT_MODES)[number];

const Path = z.string().min(1).max(4096);
const SplitName = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,39}$/, 'split names are 1–40 letters, digits, "_", ".", "-"');

export const JudgeSpec = z
  .object({
    /** a local HF classifier folder (config.json + weights + tokenizer) or a folder with model.onnx + tokenizer */
    path: Path,
    /** which class index means "unsafe"; required when config id2label does not say (user confirmation) */
    unsafeLabel: z.number().int().min(0).max(63).optional(),
    /** label 1 (unsafe) when p_unsafe > threshold; 0.5 equals argmax for a two-class head */
    threshold: z.number().min(0).max(1).default(0.5),
  })
  .strict();
export type JudgeSpec = z.infer<typeof JudgeSpec>;

export const CaseSelection = z
  .object({
    /** a stored split (dataset domain) … */
    split: SplitName.optional(),
    /** … or a SafeEdit-format JSON file */
    caseFile: Path.optional(),
    /** normalised category names; empty/absent = all */
    categories: z.array(z.string().min(1).max(60)).max(20).optional(),
    /** record ids (as in the file) */
    ids: z.array(z.string().min(1).max(64)).max(100000).optional(),
    /** a seeded random sample of N cases (after the filters) */
    sample: z.number().int().min(1).max(100000).optional(),
    seed: z.number().int().min(0).max(2 ** 31 - 1).default(0),
    /** the first N cases (after the filters and the sample) */
    limit: z.number().int().min(1).max(100000).optional(),
  })
  .strict()
  .refine((s) => (s.split === undefined) !== (s.caseFile === undefined), 'give either split or caseFile');
export type CaseSelection = z.infer<typeof CaseSelection>;

export const GenerationSettings = z
  .object({
    maxNewTokens: z.number().int().min(1).max(4096).default(600),
    greedy: z.boolean().default(true),
    temperature: z.number().min(0.01).max(5).default(1),
    topP: z.number().min(0.01).max(1).default(1),
    seed: z.number().int().min(0).max(2 ** 31 - 1).default(0),
    chat: z.enum(CHAT_MODES).optional(),
    /** append the suffix system prompt: auto = the edit method's default (EasyEdit: DINM and prompt) */
    suffix: z.enum(['auto', 'on', 'off']).default('auto'),
    suffixText: z.string().max(2000).optional(),
    /** generation batch (across cases when there is no per-case edit) */
    batchSize: z.number().int().min(1).max(64).default(8),
    judgeBatchSize: z.number().int().min(1).max(256).default(16),
  })
  .strict();
export type GenerationSettings = z.infer<typeof GenerationSettings>;

export const EditSettings = z
  .object({
    method: z.enum(EDIT_METHODS).default('none'),
    mode: z.enum(EDIT_MODES).default('easyedit'),
    lr: z.number().positive().max(10).optional(),
    steps: z.number().int().min(1).max(10000).optional(),
    layer: z.number().int().min(0).max(1000).optional(),
  })
  .strict();
export type EditSettings = z.infer<typeof EditSettings>;

export const EvalSettings = z
  .object({
    name: z.string().max(200).optional(),
    model: z.object({ path: Path }).strict(),
    judge: JudgeSpec,
    cases: CaseSelection,
    generation: GenerationSettings.default(GenerationSettings.parse({})),
    edit: EditSettings.default(EditSettings.parse({})),
  })
  .strict();
export type EvalSettingsInput = z.input<typeof EvalSettings>;
export type EvalSettings = z.infer<typeof EvalSettings>;

export const RUN_STATUSES = ['pending', 'running', 'done', 'failed', 'cancelled', 'interrupted'] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];

export interface JudgeInfo {
  id: string;
  name: string;
  path: string;
  kind: 'hf-folder' | 'onnx';
  contentHash: string;
  /** config id2label */
  labels: Record<string, string>;
  unsafeLabel: number;
  /** where unsafeLabel came from: config id2label names, the user, or the benchmark convention (1 = unsafe) */
  labelSource: 'config' | 'user' | 'convention';
  threshold: number;
  createdAt: string;
}

/** What a run's numbers depend on; runs whose provenance differs are shown as not comparable. */
export interface Provenance {
  appVersion: string;
  modelPath: string;
  modelHash: string | null;
  protocol: 'per-case edit' | 'no edit';
  edit: EditSettings;
  chat: { requested: ChatMode; used: boolean; reason: string } | null;
  suffix: { used: boolean; text: string | null };
  generation: Omit<GenerationSettings, 'chat' | 'suffix' | 'suffixText' | 'batchSize' | 'judgeBatchSize'>;
  cases: { source: string; sha256: string | null; count: number };
}

export interface RunSummary {
  id: string;
  name: string | null;
  status: RunStatus;
  jobId: string | null;
  error: string | null;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  cases: number;
  samples: { total: number; applicable: number; generated: number; judged: number };
  judge: JudgeInfo;
  metrics: MetricReport | null;
  provenance: Provenance;
  /** hash of the comparability-relevant provenance: equal keys ⇒ comparable numbers */
  comparabilityKey: string;
}

export interface SampleRow {
  caseKey: string;
  caseId: string;
  category: string;
  slot: MetricSlot;
  applicable: boolean;
  input: string | null;
  prompt: string | null;
  output: string | null;
  promptTokens: number | null;
  outputTokens: number | null;
  genMs: number | null;
  fluency: number | null;
  label: 0 | 1 | null;
  pUnsafe: number | null;
}

export interface MetricSet {
  judge: JudgeInfo;
  metrics: MetricReport;
  computedAt: string;
}

export interface RunDetail extends RunSummary {
  settings: EvalSettings;
  metricSets: MetricSet[];
  page: { total: number; offset: number; items: SampleRow[] };
}

const RunId = z.string().min(1).max(64);

export const evalApi = {
  'eval.listRuns': def(z.object({ limit: z.number().int().min(1).max(1000).default(200) }).strict()).returns<RunSummary[]>(),
  'eval.getRun': def(
    z
      .object({
        id: RunId,
        /** score set to show samples and metrics with (default: the run's own judge) */
        judgeId: z.string().min(1).max(64).optional(),
        offset: z.number().int().min(0).default(0),
        limit: z.number().int().min(0).max(500).default(50),
        slot: z.enum(METRIC_SLOTS).optional(),
        category: z.string().min(1).max(60).optional(),
      })
      .strict(),
  ).returns<RunDetail>(),
  /** Validates the settings, records the run and its work list, and starts the evaluation job. */
  'eval.start': def(EvalSettings).returns<{ run: RunSummary; job: JobInfo }>(),
  /** Continues an interrupted/cancelled/failed run; finished samples are never redone. */
  'eval.resume': def(z.object({ id: RunId }).strict()).returns<{ run: RunSummary; job: JobInfo | null }>(),
  /** Scores a run's stored responses with another judge or threshold (no generation). */
  'eval.rejudge': def(z.object({ id: RunId, judge: JudgeSpec }).strict()).returns<{
    judge: JudgeInfo;
    job: JobInfo | null;
    metrics: MetricReport | null;
  }>(),
  /** Reads a judge folder: label names, inferred unsafe label, content hash (nothing is run). */
  'eval.inspectJudge': def(JudgeSpec).returns<JudgeInfo>(),
  /** Classifies one text with a judge. */
  'eval.judgeText': def(z.object({ judge: JudgeSpec, text: z.string().max(200_000) }).strict()).returns<{
    label: 0 | 1;
    p_unsafe: number;
    judge: JudgeInfo;
  }>(),
  'eval.deleteRun': def(z.object({ id: RunId }).strict()).returns<{ deleted: boolean }>(),
  /** What the evaluation can do on this installation (the model engine may be missing). */
  'eval.capabilities': def(Empty).returns<{ generation: boolean; judging: boolean; reason: string | null }>(),
};
