// The narrow interfaces the evaluation runner needs from the model engine and the editing domain.
// The engine (main/engine/generate, main/engine/runtime) and editing (main/editing) provide the real ones;
// main/eval/engine.ts is the one place that constructs them.
import type { EditSettings, GenerationSettings } from '../../shared/api/eval';
import type { EvalCase } from './protocol';

export interface GenerateOptions extends Omit<GenerationSettings, 'chat' | 'suffix' | 'suffixText' | 'judgeBatchSize'> {
  /** wrap each prompt as one user turn with the model's chat template */
  chat: boolean;
}

export interface Generation {
  /** the response only (prompt not included), special tokens removed */
  text: string;
  promptTokens: number;
  outputTokens: number;
}

/** Batched text generation (left padding); one result per prompt, in order. */
export interface Generator {
  /** sha256 identity of the model files */
  readonly modelHash: string;
  /** whether the model's tokenizer_config has a chat_template */
  readonly hasChatTemplate: boolean;
  generate(prompts: string[], options: GenerateOptions, signal: AbortSignal): Promise<Generation[]>;
  dispose?(): Promise<void> | void;
}

/** Batched sequence classification: P(unsafe) per text (inputs truncated to the judge's max length, 512). */
export interface Judge {
  classify(texts: string[], signal: AbortSignal): Promise<number[]>;
  dispose?(): Promise<void> | void;
}

/** What an applied edit reports (stored with the case). */
export interface EditInfo {
  method: string;
  /** e.g. loss curve summary, steps, layer, changed tensors */
  details: Record<string, unknown>;
  ms: number;
}

/** Per-case editing: apply an edit for one case to the generator's model, then restore the original weights. */
export interface Editor {
  apply(c: EvalCase, settings: EditSettings, signal: AbortSignal): Promise<EditInfo>;
  restore(): Promise<void>;
}
