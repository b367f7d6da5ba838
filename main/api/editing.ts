import path from 'node:path';
import type { HandlersFor } from './types';
import { resolveModel } from '../engine/arch/registry';
import { loadTokenizer } from '../engine/text/tokenizer';
import { defaultHparams } from '../editing/dinm';
import { exportPatchedModel } from '../editing/export';
import { listPatches } from '../editing/service';
import { EDIT_JOB } from '../editing/task';

export const editingHandlers: HandlersFor<'editing.start' | 'editing.defaults' | 'editing.listPatches' | 'editing.exportPatch'> = {
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
  'editing.listPatches': ({ modelDir }, ctx) => listPatches(ctx.db, modelDir),
  'editing.exportPatch': ({ modelDir, patch, outDir }) => exportPatchedModel(modelDir, patch, outDir),
};
