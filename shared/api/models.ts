import { z } from 'zod';
import { def, Empty } from '../define';

/** An absolute path on the machine running the main side (POSIX or Windows). */
export const AbsPath = z
  .string()
  .min(1)
  .max(4096)
  .refine((p) => /^(\/|[A-Za-z]:[\\/]|\\\\)/.test(p), 'must be an absolute path');

export const ModelState = z.enum(['registered', 'loading', 'ready', 'error']);
export type ModelState = z.infer<typeof ModelState>;

export interface ModelDimsOut {
  layers: number;
  hidden: number;
  heads: number;
  kvHeads: number;
  headDim: number;
  intermediate: number;
  vocab: number;
  maxPos: number;
}

/** What the registry knows about a model folder (validated when added). */
export interface ModelInfo {
  id: string;
  name: string;
  path: string;
  /** engine profile: llama | mistral | qwen2 | gpt2 */
  arch: string;
  /** config.json architectures[0] */
  hfArchitecture: string;
  /** dominant stored dtype: F32 | F16 | BF16 */
  dtype: string;
  parameters: number;
  /** bytes of the checkpoint files */
  fileBytes: number;
  dims: ModelDimsOut;
  maxContext: number;
  slidingWindow: number | null;
  /** float32 weights + KV cache at `memory.context` tokens (what the CPU provider needs) */
  memory: { weightsF32: number; weightsF16: number; kvCache: number; totalCpu: number; context: number };
  tokenizer: { vocabSize: number; bosToken: string | null; eosToken: string | null; hasChatTemplate: boolean };
  /** sha256 over config.json, the safetensors headers and file sizes (cheap; detects a changed folder) */
  contentHash: string;
  state: ModelState;
  error: string | null;
  /** whether the folder still exists (checked when listed) */
  exists: boolean;
  createdAt: string;
  updatedAt: string;
}

export const ModelRef = z.object({ id: z.string().min(1).max(100) }).strict();

export const TokenizeInput = z
  .object({
    /** a registered model id, or an absolute model folder path */
    model: z.string().min(1).max(4096),
    text: z.string().max(1_000_000),
    /** wrap the text as one user message in the chat template (with the generation prompt) */
    chat: z.boolean().default(false),
    addSpecialTokens: z.boolean().default(true),
  })
  .strict();

export interface TokenizeOutput {
  ids: number[];
  tokens: string[];
  /** the text that was tokenized (the rendered chat when chat is on) */
  text: string;
}

export const modelsApi = {
  'models.add': def(z.object({ path: AbsPath, name: z.string().min(1).max(200).optional() }).strict()).returns<ModelInfo>(),
  'models.list': def(Empty).returns<ModelInfo[]>(),
  'models.get': def(ModelRef).returns<ModelInfo>(),
  'models.remove': def(ModelRef).returns<{ removed: boolean }>(),
  'models.tokenize': def(TokenizeInput).returns<TokenizeOutput>(),
  'models.load': def(z.object({ id: z.string().min(1).max(100), provider: z.string().max(40).optional() }).strict()).returns<ModelInfo>(),
  'models.eject': def(ModelRef).returns<ModelInfo>(),
};
