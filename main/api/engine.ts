import type { HandlersFor } from './types';
import { engineOf, ejectModel, loadModel } from '../engine/runtime/service';

export const engineHandlers: HandlersFor<'engine.status' | 'engine.estimate' | 'engine.load' | 'engine.eject' | 'engine.generate' | 'engine.inspect'> = {
  'engine.status': (_i, ctx) => ({ loaded: engineOf(ctx).loaded }),
  'engine.estimate': (input, ctx) => engineOf(ctx).request({ op: 'estimate', args: input }),
  'engine.load': async (input, ctx) => ({ loaded: await loadModel(ctx, input.modelDir, input.provider) }),
  'engine.eject': async (_i, ctx) => {
    await ejectModel(ctx);
    return { loaded: null };
  },
  // generate/inspect load the model when another (or none) is loaded
  'engine.generate': async (input, ctx) => {
    await loadModel(ctx, input.modelDir);
    return engineOf(ctx).request({ op: 'generate', args: input });
  },
  'engine.inspect': async (input, ctx) => {
    await loadModel(ctx, input.modelDir);
    return engineOf(ctx).request({ op: 'inspect', args: input });
  },
};
