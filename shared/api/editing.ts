import { z } from 'zod';
import { def, Empty } from '../define';
import type { JobInfo } from '../jobs';

const Path = z.string().min(1).max(4096);

export const EDITING_METHODS = ['dinm', 'ft-l', 'prompt', 'profs'] as const;
export type EditingMethod = (typeof EDITING_METHODS)[number];

/** Where the case comes from: a stored dataset record (key "split:id" or a bare id) or a SafeEdit JSON file (+ id). */
const CaseFields = {
  recordKey: z.string().min(1).max(120).optional(),
  caseId: z.string().min(1).max(64).optional(),
  caseFile: Path.optional(),
};
export type EditCaseSource = { recordKey?: string; caseId?: string; caseFile?: string };

export const EditRunInput = z
  .object({
    modelDir: Path,
    ...CaseFields,
    method: z.enum(EDITING_METHODS).default('dinm'),
    mode: z.enum(['easyedit', 'paper']).default('easyedit'),
    /** fix the edited layer (0-based decoder block); DINM still reports the distances */
    layer: z.number().int().min(0).max(1000).optional(),
    steps: z.number().int().min(1).max(1000).optional(),
    lr: z.number().positive().max(1).optional(),
    suffix: z.string().max(2000).optional(),
    /** where to write the patch (default: <data dir>/patches/<id>.safetensors) */
    out: Path.optional(),
    /** generate the response to the adversarial prompt before and after (greedy) */
    compare: z.object({ maxNewTokens: z.number().int().min(1).max(2048).default(48) }).strict().optional(),
  })
  .strict()
  .refine((s) => s.recordKey !== undefined || s.caseId !== undefined || s.caseFile !== undefined, 'give a case (recordKey, caseId or caseFile)');
export type EditRunInput = z.output<typeof EditRunInput>;

export interface Generated {
  prompt: string;
  text: string;
  ids: number[];
}

/** An edit's report (`safeedit edit --json` prints the snake_case fields). */
export interface EditOutput {
  method: EditingMethod;
  mode: 'easyedit' | 'paper';
  toxic_layer: number | null;
  /** per decoder block (0-based); empty when not located (FT-L, prompt) */
  layer_distances: number[];
  /** edited tensor names */
  params: string[];
  /** loss before each step's update (as EasyEdit logs it) */
  losses: number[];
  nll: number[];
  kl: number[];
  step0: { loss: number; grad_norm: number; grad_sum: number } | null;
  stopped_early: boolean;
  hparams: Record<string, unknown>;
  timings: Record<string, unknown>;
  /** patch file (null for "prompt", which changes no weight) */
  patch: string | null;
  patchId: string | null;
  before: Generated | null;
  after: Generated | null;
}

export interface PatchInfo {
  id: string;
  file: string;
  modelPath: string;
  baseHash: string;
  arch: string;
  method: string;
  mode: string;
  caseKey: string | null;
  caseId: string | null;
  toxicLayer: number | null;
  params: string[];
  layerDistances: number[];
  losses: number[];
  exists: boolean;
  createdAt: string;
}

/** The patch the engine worker's loaded model generates with (Models-page playground). */
export interface ActivePatch {
  /** edit_patches row id (null when applied from a file that is not recorded) */
  id: string | null;
  file: string;
  modelDir: string;
  method: string;
  mode: string;
  caseId: string | null;
  toxicLayer: number | null;
  /** the patched tensors (graph inputs of the generation session) */
  params: string[];
  /** seconds to apply (graph + session when the tensor set changed, else just the new feeds) */
  applySeconds: number;
}

export interface EditDefaults {
  arch: string;
  layers: number;
  lr: number;
  steps: number;
  klFactor: number;
  suffix: string;
  hasChatTemplate: boolean;
}

export const editingApi = {
  /** Starts an edit job (progress per step: 'edit.step' job events with the loss). Result: EditOutput. */
  'editing.start': def(EditRunInput).returns<JobInfo>(),
  /** Default hyper-parameters for a model folder (per architecture). */
  'editing.defaults': def(z.object({ modelDir: Path }).strict()).returns<EditDefaults>(),
  /** modelDir: patches recorded for that folder path; sameContentAs: patches whose base content hash is that folder's */
  'editing.listPatches': def(z.object({ modelDir: Path.optional(), sameContentAs: Path.optional() }).strict()).returns<PatchInfo[]>(),
  /** Deletes a recorded patch: its file (only if it is a SafeEdit patch) and its row. Refused while an evaluation run
   *  references it, unless force. An applied patch stays in the engine's memory until cleared. */
  'editing.deletePatch': def(z.object({ id: z.string().min(1).max(100), force: z.boolean().default(false) }).strict()).returns<{ id: string; fileRemoved: boolean }>(),
  /** Applies a patch (a recorded id or a file) to the engine's loaded model (loading modelDir if needed): generation
   *  (engine.generate / engine.inspect, the playground) then feeds the patched tensors, without reloading the model. */
  'editing.applyPatch': def(
    z
      .object({ modelDir: Path, patchId: z.string().min(1).max(100).optional(), patch: Path.optional() })
      .strict()
      .refine((s) => (s.patchId === undefined) !== (s.patch === undefined), 'give exactly one of patchId or patch'),
  ).returns<ActivePatch>(),
  /** Removes the applied patch: generation uses the base weights again. */
  'editing.clearPatch': def(Empty).returns<{ active: null }>(),
  'editing.activePatch': def(Empty).returns<{ active: ActivePatch | null }>(),
  /** Writes a complete HF folder with the patch baked in (only the affected shards rewritten). */
  'editing.exportPatch': def(z.object({ modelDir: Path, patch: Path, outDir: Path }).strict()).returns<{ outDir: string; rewritten: string[]; linked: number; copied: number }>(),
};
