import { z } from 'zod';
import { def, Empty } from '../define';

/** A prompt: text (tokenized with the model's tokenizer, optionally through its chat template) or token ids. */
export const PromptSchema = z.union([
  z.object({ text: z.string().max(200_000) }).strict(),
  z.object({ ids: z.array(z.number().int().min(0)).min(1).max(100_000) }).strict(),
]);

export const SamplingSchema = z
  .object({
    temperature: z.number().min(0).max(100).default(1),
    topP: z.number().gt(0).max(1).default(1),
    topK: z.number().int().min(0).default(0),
    seed: z.number().int().min(0).max(2 ** 32 - 1).default(0),
  })
  .strict();

export const GenerateInput = z
  .object({
    modelDir: z.string().min(1).max(4096),
    prompts: z.array(PromptSchema).min(1).max(64),
    /** wrap text prompts in the chat template as one user message */
    chat: z.boolean().default(false),
    maxNewTokens: z.number().int().min(1).max(8192).default(64),
    /** absent = greedy */
    sampling: SamplingSchema.optional(),
    repetitionPenalty: z.number().gt(0).max(10).default(1),
    stop: z.array(z.string().min(1).max(200)).max(16).default([]),
    /** id echoed in the engine.token events of this request */
    requestId: z.string().max(100).optional(),
  })
  .strict();

export const InspectInput = z
  .object({
    modelDir: z.string().min(1).max(4096),
    prompt: PromptSchema,
    chat: z.boolean().default(false),
    allLogits: z.boolean().default(false),
  })
  .strict();

export interface GenerateOutput {
  results: { ids: number[]; new_ids: number[]; text: string }[];
  provider: string;
  timing: { prefillS: number; decodeS: number; decodeSteps: number };
}

export interface InspectOutput {
  ids: number[];
  last_logits: number[];
  /** per layer, index 0 = embeddings, last = after the final norm; hidden state of the last position */
  hidden_last: number[][];
  /** every position's logits, with allLogits */
  logits?: number[][];
}

export interface LoadedModel {
  modelDir: string;
  arch: string;
  provider: string;
  /** why this provider (fallbacks included) */
  providerReason: string;
  dtype: 'float32' | 'float16';
  parameters: number;
  layers: number;
  vocab: number;
  hasTokenizer: boolean;
  hasChatTemplate: boolean;
  loadSeconds: number;
}

export interface EngineStatus {
  loaded: LoadedModel | null;
}

export interface MemoryEstimateOut {
  modelDir: string;
  arch: string;
  parameters: number;
  weightsBytes: number;
  kvCacheBytes: number;
  totalBytes: number;
  context: number;
  dtype: 'float32' | 'float16';
  /** free system memory now */
  freeBytes: number;
  fits: boolean;
}

export const engineApi = {
  'engine.status': def(Empty).returns<EngineStatus>(),
  'engine.estimate': def(z.object({ modelDir: z.string().min(1).max(4096), provider: z.string().max(40).optional() }).strict()).returns<MemoryEstimateOut>(),
  'engine.load': def(z.object({ modelDir: z.string().min(1).max(4096), provider: z.string().max(40).optional() }).strict()).returns<EngineStatus>(),
  'engine.eject': def(Empty).returns<EngineStatus>(),
  'engine.generate': def(GenerateInput).returns<GenerateOutput>(),
  'engine.inspect': def(InspectInput).returns<InspectOutput>(),
};
