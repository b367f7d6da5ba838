import type { HandlersFor } from './types';
import { addModel, getModel, listModels, modelDir, removeModel, setModelState, tokenizerFor } from '../engine/models/registry';
import { modelLoader } from '../engine/models/loader';

export const modelsHandlers: HandlersFor<'models.add' | 'models.list' | 'models.get' | 'models.remove' | 'models.tokenize' | 'models.load' | 'models.eject'> = {
  'models.add': (input, ctx) => addModel(ctx.db, input.path, input.name),
  'models.list': (_input, ctx) => listModels(ctx.db),
  'models.get': (input, ctx) => getModel(ctx.db, input.id),
  'models.remove': async (input, ctx) => {
    const m = getModel(ctx.db, input.id);
    if (m.state === 'ready' || m.state === 'loading') await modelLoader().eject(ctx, m.path);
    return { removed: removeModel(ctx.db, input.id) };
  },
  'models.tokenize': (input, ctx) => {
    const tok = tokenizerFor(modelDir(ctx.db, input.model));
    const text = input.chat ? tok.renderChat([{ role: 'user', content: input.text }], { addGenerationPrompt: true }) : input.text;
    const ids = tok.encode(text, { addSpecialTokens: input.chat ? false : input.addSpecialTokens });
    return { ids, tokens: tok.tokens(ids), text };
  },
  'models.load': async (input, ctx) => {
    const m = getModel(ctx.db, input.id);
    const loader = modelLoader();
    setModelState(ctx.db, m.id, 'loading');
    try {
      await loader.load(ctx, m.path, { provider: input.provider });
    } catch (e) {
      setModelState(ctx.db, m.id, 'error', (e as Error).message);
      throw e;
    }
    // one model is loaded at a time: the others go back to registered
    ctx.db.prepare("UPDATE models SET state = 'registered', error = NULL WHERE id != ? AND state IN ('ready','loading')").run(m.id);
    return setModelState(ctx.db, m.id, 'ready');
  },
  'models.eject': async (input, ctx) => {
    const m = getModel(ctx.db, input.id);
    await modelLoader().eject(ctx, m.path);
    return setModelState(ctx.db, m.id, 'registered');
  },
};
