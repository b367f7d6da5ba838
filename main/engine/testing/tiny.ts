// Tiny random-weight models of each supported architecture, written as real Hugging Face folders
// (config.json, model.safetensors or shards + index, tokenizer.json, tokenizer_config.json,
// generation_config.json). Deterministic from a seed; loadable by both this engine and transformers
// (scripts/reference/make_goldens.py computes the goldens from exactly these folders).

import fs from 'node:fs';
import path from 'node:path';
import { PROFILES, type ArchName, type TensorTemplate, type ShapeSym } from '../arch/profiles';
import { writeSafetensors, type TensorToWrite } from '../safetensors/writer';
import { INDEX_FILE } from '../safetensors/reader';
import type { StDtype } from '../safetensors/dtype';
import { buildTinyTokenizer, type TokenizerStyle } from './tiny-tokenizers';

export interface TinyOptions {
  seed?: number;
  hidden?: number;
  layers?: number;
  heads?: number;
  kvHeads?: number;
  intermediate?: number;
  maxPos?: number;
  dtype?: StDtype;
  /** write two shards + model.safetensors.index.json */
  sharded?: boolean;
  /** BPE merges learned for the tokenizer (vocab grows with them) */
  merges?: number;
  /** override tie_word_embeddings (qwen2 defaults to tied, as Qwen2-0.5B is) */
  tied?: boolean;
}

export interface TinyModelInfo {
  dir: string;
  arch: ArchName;
  vocab: number;
  config: Record<string, unknown>;
}

/** Which tokenizer style and config.json shape each tiny architecture gets (test data, mirroring transformers). */
const TINY: Record<ArchName, { tokenizer: TokenizerStyle; tied: boolean }> = {
  llama: { tokenizer: 'llama3', tied: false },
  mistral: { tokenizer: 'sentencepiece', tied: false },
  qwen2: { tokenizer: 'qwen2', tied: true },
  gpt2: { tokenizer: 'gpt2', tied: true },
};

/** mulberry32: small, fast, deterministic. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function normals(rand: () => number, n: number, std: number, mean = 0): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i += 2) {
    const u = Math.max(rand(), 1e-12);
    const v = rand();
    const r = Math.sqrt(-2 * Math.log(u));
    out[i] = mean + std * r * Math.cos(2 * Math.PI * v);
    if (i + 1 < n) out[i + 1] = mean + std * r * Math.sin(2 * Math.PI * v);
  }
  return out;
}

type TinyDims = Required<Pick<TinyOptions, 'hidden' | 'layers' | 'heads' | 'kvHeads' | 'intermediate' | 'maxPos'>>;
interface ConfigArgs {
  d: TinyDims;
  vocab: number;
  tied: boolean;
  bos: number | null;
  eos: number;
  torchDtype: string | undefined;
}

function rmsDecoderCommon(arch: ArchName, { d, vocab, tied, bos, eos }: ConfigArgs) {
  return {
    architectures: [PROFILES[arch].hfArchitectures[0]], attention_dropout: 0.0, bos_token_id: bos, eos_token_id: eos, hidden_act: 'silu',
    hidden_size: d.hidden, initializer_range: 0.02, intermediate_size: d.intermediate, max_position_embeddings: d.maxPos, model_type: arch,
    num_attention_heads: d.heads, num_hidden_layers: d.layers, num_key_value_heads: d.kvHeads, rms_norm_eps: 1e-6,
    tie_word_embeddings: tied, use_cache: true, vocab_size: vocab,
  };
}

/** config.json as transformers writes it for each architecture (key order kept: the goldens hash these bytes). */
const CONFIG_WRITERS: Record<ArchName, (a: ConfigArgs) => Record<string, unknown>> = {
  gpt2: ({ d, vocab, tied, eos, torchDtype }) => ({
    activation_function: 'gelu_new', architectures: ['GPT2LMHeadModel'], attn_pdrop: 0.0, bos_token_id: eos, embd_pdrop: 0.0,
    eos_token_id: eos, initializer_range: 0.02, layer_norm_epsilon: 1e-5, model_type: 'gpt2', n_embd: d.hidden,
    n_head: d.heads, n_inner: null, n_layer: d.layers, n_positions: d.maxPos, reorder_and_upcast_attn: false, resid_pdrop: 0.0,
    scale_attn_by_inverse_layer_idx: false, scale_attn_weights: true, tie_word_embeddings: tied, torch_dtype: torchDtype,
    transformers_version: '4.57.6', use_cache: true, vocab_size: vocab,
  }),
  llama: (a) => ({ ...rmsDecoderCommon('llama', a), attention_bias: false, head_dim: a.d.hidden / a.d.heads, mlp_bias: false, pretraining_tp: 1, rope_scaling: null, rope_theta: 500000.0, torch_dtype: a.torchDtype, transformers_version: '4.57.6' }),
  qwen2: (a) => ({ ...rmsDecoderCommon('qwen2', a), max_window_layers: a.d.layers, rope_scaling: null, rope_theta: 1000000.0, sliding_window: 4096, use_sliding_window: false, torch_dtype: a.torchDtype, transformers_version: '4.57.6' }),
  // transformers 5 style (rope_parameters, dtype) so both config generations are exercised
  mistral: (a) => ({ ...rmsDecoderCommon('mistral', a), head_dim: a.d.hidden / a.d.heads, rope_parameters: { rope_theta: 10000.0, rope_type: 'default' }, sliding_window: null, dtype: a.torchDtype, transformers_version: '5.18.0' }),
};

function configFor(arch: ArchName, d: TinyDims, vocab: number, tied: boolean, bos: number | null, eos: number, dtype: string): Record<string, unknown> {
  const torchDtype = ({ F32: 'float32', F16: 'float16', BF16: 'bfloat16' } as Record<string, string>)[dtype];
  return CONFIG_WRITERS[arch]({ d, vocab, tied, bos, eos, torchDtype });
}

/** Writes a tiny model folder for `arch` into `dir` (created if needed). Same seed → byte-identical files. */
export function writeTinyModel(dir: string, arch: ArchName, opts: TinyOptions = {}): TinyModelInfo {
  const profile = PROFILES[arch];
  const spec = TINY[arch];
  const d = {
    hidden: opts.hidden ?? 32,
    layers: opts.layers ?? 2,
    heads: opts.heads ?? 4,
    kvHeads: profile.fields.kvHeads ? (opts.kvHeads ?? 2) : (opts.heads ?? 4),
    intermediate: opts.intermediate ?? (profile.intermediateDefaultMultiple ? (opts.hidden ?? 32) * profile.intermediateDefaultMultiple : 64),
    maxPos: opts.maxPos ?? 128,
  };
  const dtype = opts.dtype ?? 'F32';
  const tied = opts.tied ?? spec.tied;
  const tok = buildTinyTokenizer(spec.tokenizer, opts.merges);
  const vocab = tok.vocabSize;
  const config = configFor(arch, d, vocab, tied, tok.bosId, tok.eosId, dtype);
  const headDim = d.hidden / d.heads;
  const q = d.heads * headDim;
  const kv = d.kvHeads * headDim;
  const sym: Record<ShapeSym, number> = { vocab, hidden: d.hidden, inter: d.intermediate, q, kv, qkv: q + 2 * kv, maxPos: d.maxPos };
  const bias = { qkvBias: profile.qkvBias === true, oBias: profile.oBias === true, untied: !tied, always: true };

  const rand = prng(opts.seed ?? 1);
  const tensors: TensorToWrite[] = [];
  const make = (name: string, t: TensorTemplate, role: string) => {
    if (!bias[t.when ?? 'always']) return;
    const shape = t.shape.map((s) => sym[s]);
    const n = shape.reduce((a, b) => a * b, 1);
    let data: Float32Array;
    if (/Norm$/.test(role)) data = normals(rand, n, 0.1, 1); // norm gains around 1
    else if (/Bias$/.test(role)) data = normals(rand, n, 0.1);
    else if (role === 'embed' || role === 'posEmbed') data = normals(rand, n, role === 'embed' ? 0.5 : 0.2);
    else {
      // a linear map: std ~1/sqrt(fan_in) keeps activations O(1) (fan_in is the `in` dim of the stored layout);
      // a little larger so the layers, not the residual copy of the input embedding, decide the next token
      const fanIn = profile.linearLayout === 'in_out' && role !== 'lmHead' ? shape[0] : shape[shape.length - 1];
      data = normals(rand, n, 2 / Math.sqrt(fanIn));
    }
    tensors.push({ name, dtype, shape, data });
  };
  for (const [role, t] of Object.entries(profile.globals)) make(t!.name, t!, role);
  for (let i = 0; i < d.layers; i++) for (const [role, t] of Object.entries(profile.layer)) make(t!.name.replace('{i}', String(i)), t!, role);

  fs.mkdirSync(dir, { recursive: true });
  const meta = { format: 'pt' };
  if (opts.sharded) {
    const half = Math.ceil(tensors.length / 2);
    const shards = [tensors.slice(0, half), tensors.slice(half)];
    const weightMap: Record<string, string> = {};
    let total = 0;
    shards.forEach((s, k) => {
      const name = `model-0000${k + 1}-of-00002.safetensors`;
      writeSafetensors(path.join(dir, name), s, meta);
      for (const t of s) {
        weightMap[t.name] = name;
        total += t.shape.reduce((a, b) => a * b, 1) * (dtype === 'F32' ? 4 : 2);
      }
    });
    fs.writeFileSync(path.join(dir, INDEX_FILE), JSON.stringify({ metadata: { total_size: total }, weight_map: weightMap }, null, 2));
  } else writeSafetensors(path.join(dir, 'model.safetensors'), tensors, meta);

  const json = (name: string, v: unknown) => fs.writeFileSync(path.join(dir, name), JSON.stringify(v, null, 2) + '\n');
  json('config.json', config);
  json('tokenizer.json', tok.tokenizerJson);
  json('tokenizer_config.json', tok.tokenizerConfig);
  json('generation_config.json', {
    ...(tok.bosId !== null ? { bos_token_id: tok.bosId } : {}),
    eos_token_id: tok.eosId,
    ...(tok.padId !== null ? { pad_token_id: tok.padId } : {}),
    transformers_version: '4.57.6',
  });
  return { dir, arch, vocab, config };
}

/** The tiny models the committed goldens (test/goldens/<name>.json) were produced from. Changing any of these,
 *  or the writer, means re-running scripts/reference (see its README). */
export const GOLDEN_MODELS: { name: string; arch: ArchName; options: TinyOptions }[] = [
  { name: 'llama', arch: 'llama', options: { seed: 11 } },
  { name: 'mistral', arch: 'mistral', options: { seed: 12 } },
  { name: 'qwen2', arch: 'qwen2', options: { seed: 13 } },
  { name: 'gpt2', arch: 'gpt2', options: { seed: 14 } },
  { name: 'llama-bf16-sharded', arch: 'llama', options: { seed: 15, dtype: 'BF16', sharded: true } },
];
