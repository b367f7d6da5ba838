// Messages between the main-side EngineClient and the engine worker.
import type { z } from 'zod';
import type { ApiErrorShape } from '../../../shared/errors';
import type { GenerateInput, InspectInput } from '../../../shared/api/engine';
import type { ApplyPatchRequest, LoadRequest, TokenEvent } from './core';

export type EngineRequest =
  | { id: number; op: 'load'; args: LoadRequest }
  | { id: number; op: 'eject' }
  | { id: number; op: 'status' }
  | { id: number; op: 'estimate'; args: { modelDir: string; provider?: string } }
  | { id: number; op: 'generate'; args: z.input<typeof GenerateInput> }
  | { id: number; op: 'inspect'; args: z.input<typeof InspectInput> }
  | { id: number; op: 'applyPatch'; args: ApplyPatchRequest }
  | { id: number; op: 'clearPatch' }
  | { id: number; op: 'activePatch' }
  | { id: number; op: 'cancel'; target: number };

export type EngineMessage =
  | { type: 'result'; id: number; ok: true; result: unknown }
  | { type: 'result'; id: number; ok: false; error: ApiErrorShape }
  | { type: 'token'; id: number; event: TokenEvent }
  | { type: 'log'; message: string };
