// The evaluation's per-case Editor (main/eval/interfaces.ts) over the editing domain: apply() edits the case with the
// run's method (DINM / FT-L / ProFS), locating per case, and points the generator at a decoder session that takes the
// edited tensors as inputs (the base weights are never rewritten); restore() points it back at the base session.
import type { EditSettings } from '../../shared/api/eval';
import { AppError } from '../../shared/errors';
import type { ModelSpec } from '../engine/arch/registry';
import { checkpointHash } from '../engine/decoder/prepare';
import type { DecoderSession } from '../engine/runtime/session';
import type { EditInfo, Editor } from '../eval/interfaces';
import type { EvalCase } from '../eval/protocol';
import { runEdit, type EditRun } from './dinm';
import { EditModel } from './model';
import { applyPatchTo, openPatchedSession, type Patch } from './patches';
import { runProfs } from './profs';

/** What the editor needs of the generator: its model and a way to swap the session it generates with. */
export interface SwappableGenerator {
  ms: ModelSpec;
  dataDir: string;
  /** generate with this session from now on; null = the generator's own (unedited) session */
  use(session: DecoderSession | null): void;
}

export type WeightEditMethod = 'dinm' | 'ft-l' | 'profs';

export function openCaseEditor(method: WeightEditMethod, target: SwappableGenerator, o: { threads?: number } = {}): Editor & { dispose(): Promise<void> } {
  let model: EditModel | null = null;
  let patched: { key: string; session: DecoderSession } | null = null;
  const baseHash = checkpointHash(target.ms);
  return {
    async apply(c: EvalCase, settings: EditSettings, signal: AbortSignal): Promise<EditInfo> {
      const t0 = performance.now();
      model ??= await EditModel.open(target.ms.dir, { dataDir: target.dataDir, threads: o.threads });
      const m = model;
      if (!c.knowledgeConstraint) throw new AppError('invalid_input', `case ${c.key}: has no 'knowledge constrain'`);
      const ec = { id: c.id, adversarialPrompt: c.adversarialPrompt, safeGeneration: c.safeGeneration, unsafeGeneration: c.unsafeGeneration, knowledgeConstraint: c.knowledgeConstraint };
      let run: EditRun;
      if (method === 'profs') run = await runProfs(m, ec, { layers: settings.layer !== undefined ? [settings.layer] : undefined, signal });
      else {
        // FT-L edits a fixed layer: the chosen one, else the middle block
        const layer = settings.layer ?? (method === 'ft-l' ? Math.floor(m.spec.layers / 2) : undefined);
        run = await runEdit(m, ec, { method, mode: settings.mode, layer, hparams: { steps: settings.steps, lr: settings.lr }, signal });
      }
      const patch: Patch = {
        file: '(in memory)',
        meta: {
          baseHash, arch: m.ms.arch, modelDir: m.ms.dir, method, mode: settings.mode, caseId: c.id, toxicLayer: run.toxicLayer,
          layerDistances: run.layerDistances, params: run.params, hparams: run.hparams, losses: run.losses, timings: run.timings, createdAt: new Date().toISOString(),
        },
        tensors: run.tensors.map((t) => ({ name: t.name, dims: t.dims, data: t.edited })),
      };
      const key = [...run.params].sort().join('|');
      if (patched?.key !== key) {
        if (patched) await patched.session.release();
        patched = null;
        patched = { key, session: await openPatchedSession(target.ms, target.dataDir, patch, {}, o.threads) };
      } else applyPatchTo(patched.session, target.ms, patch);
      target.use(patched.session);
      return {
        method,
        ms: performance.now() - t0,
        details: {
          mode: settings.mode,
          toxic_layer: run.toxicLayer,
          layer_distances: run.layerDistances.length ? run.layerDistances : undefined,
          losses: run.losses.length ? run.losses : undefined,
          params: { ...run.hparams, tensors: run.params },
          stopped_early: run.stoppedEarly,
        },
      };
    },
    async restore(): Promise<void> {
      target.use(null);
    },
    async dispose(): Promise<void> {
      target.use(null);
      await patched?.session.release();
      patched = null;
      await model?.release();
      model = null;
    },
  };
}
