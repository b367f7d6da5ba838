import type { z } from 'zod';
import type { RequestDef } from './define';
import type { AppEvent } from './events';
import { systemApi } from './api/system';
import { jobsApi } from './api/jobs';
import { datasetApi } from './api/dataset';
import { evalApi } from './api/eval';
import { engineApi } from './api/engine';
import { modelsApi } from './api/models';
import { experimentsApi } from './api/experiments';
import { editingApi } from './api/editing';
import { demoApi } from './api/demo';

/**
 * The whole API between renderer (or any client) and the main-side services: request name → input schema →
 * output type. Each domain owns one file in shared/api/ and is spread in here.
 */
export const contract = {
  ...systemApi,
  ...jobsApi,
  ...datasetApi,
  ...evalApi,
  ...engineApi,
  ...modelsApi,
  ...experimentsApi,
  ...editingApi,
  ...demoApi,
} as const;

export type Contract = typeof contract;
export type RequestName = keyof Contract;
type DefOf<N extends RequestName> = Contract[N];
/** What a caller passes (defaults optional). */
export type Input<N extends RequestName> = DefOf<N> extends RequestDef<infer I, unknown> ? z.input<I> : never;
/** What a handler receives after validation (defaults applied). */
export type ParsedInput<N extends RequestName> = DefOf<N> extends RequestDef<infer I, unknown> ? z.output<I> : never;
export type Output<N extends RequestName> = DefOf<N> extends RequestDef<z.ZodType, infer O> ? O : never;

export const requestNames = Object.keys(contract) as RequestName[];

/** What the preload exposes on window.safeedit and what the HTTP client implements. */
export interface SafeEditBridge {
  readonly transport: 'electron' | 'http';
  invoke<N extends RequestName>(name: N, input: Input<N>): Promise<Output<N>>;
  onEvent(listener: (event: AppEvent) => void): () => void;
  /** Native pickers; absent in the headless host, where paths are typed. */
  readonly pickers?: {
    folder(title?: string): Promise<string | null>;
    files(options?: { title?: string; extensions?: string[]; multiple?: boolean }): Promise<string[]>;
  };
}

/** Wire format of a request's answer (HTTP and IPC alike). */
export type Envelope<T> = { ok: true; result: T } | { ok: false; error: { code: string; message: string; details?: unknown } };
