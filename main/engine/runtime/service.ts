// Main-side engine operations on an AppContext (used by the engine.* handlers and the models registry's loader).
import path from 'node:path';
import type { AppContext } from '../../context';
import { getSettings } from '../../settings';
import type { LoadedModel } from '../../../shared/api/engine';
import { engineFor, type EngineClient } from './manager';

export function engineOf(ctx: AppContext): EngineClient {
  return engineFor(ctx.dataDir, {
    onLog: (message) => ctx.events.emit({ type: 'log', level: 'warn', message: `engine: ${message}`, time: new Date().toISOString() }),
    onToken: (e) => ctx.events.emit({ type: 'engine.token', ...e }),
  });
}

/** Loads a model folder in the engine worker (a no-op when it is already the loaded one). */
export async function loadModel(ctx: AppContext, modelDir: string, provider?: string): Promise<LoadedModel> {
  const e = engineOf(ctx);
  const info = await e.request<LoadedModel>({
    op: 'load',
    args: { modelDir, provider, dataDir: ctx.dataDir, providerPreference: getSettings(ctx.db).providerPreference },
  });
  const changed = e.loaded?.modelDir !== info.modelDir || e.loaded?.provider !== info.provider;
  e.loaded = info;
  if (changed) ctx.events.emit({ type: 'engine.status', loaded: info });
  return info;
}

/** Ejects the loaded model (only if it is `modelDir`, when given). */
export async function ejectModel(ctx: AppContext, modelDir?: string): Promise<void> {
  const e = engineOf(ctx);
  if (!e.loaded) return;
  if (modelDir && path.resolve(modelDir) !== e.loaded.modelDir) return;
  await e.request({ op: 'eject' });
  e.loaded = null;
  ctx.events.emit({ type: 'engine.status', loaded: null });
}
