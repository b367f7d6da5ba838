import path from 'node:path';
import type { HandlersFor } from './types';
import type { ActivePatch } from '../../shared/api/editing';
import { resolveModel } from '../engine/arch/registry';
import { checkpointHash } from '../engine/decoder/prepare';
import { engineOf, loadModel } from '../engine/runtime/service';
import { loadTokenizer } from '../engine/text/tokenizer';
import { defaultHparams } from '../editing/dinm';
import { exportPatchedModel } from '../editing/export';
import { deletePatch, patchById } from '../editing/patch-store';
import { listPatches } from '../editing/service';
import { EDIT_JOB } from '../editing/task';

export const editingHandlers: HandlersFor<
  | 'editing.start'
  | 'editing.defaults'
  | 'editing.listPatches'
  | 'editing.exportPatch'
  | 'editing.deletePatch'
  | 'editing.applyPatch'
  | 'editing.clearPatch'
  | 'editing.activePatch'
> = {
  'editing.start': (input, ctx) => {
    resolveModel(input.modelDir); // a clear error now rather than in the worker
    const what = input.caseFile ? `${path.basename(input.caseFile)}${input.caseId ? `#${input.caseId}` : ''}` : (input.recordKey ?? input.caseId);
    return ctx.jobs.start(EDIT_JOB, input, `Edit (${input.method}) ${what} on ${path.basename(input.modelDir)}`);
  },
  'editing.defaults': ({ modelDir }) => {
    const ms = resolveModel(modelDir);
    const h = defaultHparams(ms.arch);
    let hasChatTemplate = false;
    try {
      hasChatTemplate = loadTokenizer(ms.dir).info.hasChatTemplate;
    } catch {
      hasChatTemplate = false;
    }
    return { arch: ms.arch, layers: ms.dims.layers, lr: h.lr, steps: h.steps, klFactor: h.klFactor, suffix: h.suffix, hasChatTemplate };
  },
  'editing.listPatches': ({ modelDir, sameContentAs }, ctx) =>
    listPatches(ctx.db, modelDir, sameContentAs ? checkpointHash(resolveModel(sameContentAs)) : undefined),
  'editing.exportPatch': ({ modelDir, patch, outDir }) => exportPatchedModel(modelDir, patch, outDir),
  'editing.deletePatch': ({ id, force }, ctx) => deletePatch(ctx.db, id, force),
  // the engine worker's loaded model (the playground) generates with the patch from now on
  'editing.applyPatch': async ({ modelDir, patchId, patch }, ctx) => {
    const file = patchId ? patchById(ctx.db, patchId).file : path.resolve(patch!);
    const info = await loadModel(ctx, modelDir);
    return engineOf(ctx).request<ActivePatch>({ op: 'applyPatch', args: { modelDir: info.modelDir, file, id: patchId ?? null } });
  },
  'editing.clearPatch': async (_i, ctx) => {
    const e = engineOf(ctx);
    if (e.loaded) await e.request({ op: 'clearPatch' });
    return { active: null };
  },
  'editing.activePatch': async (_i, ctx) => {
    const e = engineOf(ctx);
    return { active: e.loaded ? await e.request<ActivePatch | null>({ op: 'activePatch' }) : null };
  },
};
