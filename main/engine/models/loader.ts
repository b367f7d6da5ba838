// The seam between the registry (this domain) and the inference runtime: the runtime registers how a model
// folder is loaded and ejected; models.load / models.eject call through here and keep the registry state.

import type { AppContext } from '../../context';
import { AppError } from '../../../shared/errors';

export interface ModelLoader {
  /** Loads the folder into the runtime (resolves when ready; throws AppError on failure). */
  load(ctx: AppContext, dir: string, opts: { provider?: string }): Promise<void>;
  /** Ejects the folder if it is loaded. */
  eject(ctx: AppContext, dir: string): Promise<void>;
}

let loader: ModelLoader | null = null;

/** Called once by the runtime at start-up (from a module imported in main/register.ts). */
export function setModelLoader(l: ModelLoader | null): void {
  loader = l;
}

/** The registered loader, or null (tests swap it and restore it). */
export function currentModelLoader(): ModelLoader | null {
  return loader;
}

export function modelLoader(): ModelLoader {
  // the ORT runtime registers itself from main/engine/runtime/register.ts
  if (!loader) throw new AppError('not_available', 'loading models is not available in this build yet (no inference runtime registered)');
  return loader;
}
