// Random tiny checkpoints for each profile (config.json + model.safetensors), written from the profile's
// tensor templates. Used by the engine tests until/besides main/engine/testing.
import fs from 'node:fs';
import path from 'node:path';
import { PROFILES, type ArchName, type ShapeSym, type TensorWhen } from '../../main/engine/arch/profiles';
import { writeSafetensors, type TensorToWrite } from '../../main/engine/safetensors/writer';
import type { StDtype } from '../../main/engine/safetensors/dtype';

export const TINY_CONFIGS: Record<ArchName, Record<string, unknown>> = {
  llama: {
    architectures: ['LlamaForCausalLM'], model_type: 'llama', num_hidden_layers: 2, hidden_size: 32, num_attention_heads: 4,
    num_key_value_heads: 2, intermediate_size: 48, vocab_size: 64, max_position_embeddings: 128, rms_norm_eps: 1e-6,
    hidden_act: 'silu', rope_theta: 10000, tie_word_embeddings: false, bos_token_id: 1, eos_token_id: 2,
  },
  mistral: {
    architectures: ['MistralForCausalLM'], model_type: 'mistral', num_hidden_layers: 2, hidden_size: 32, num_attention_heads: 4,
    num_key_value_heads: 1, intermediate_size: 40, vocab_size: 64, max_position_embeddings: 128, rms_norm_eps: 1e-5,
    hidden_act: 'silu', rope_theta: 1000000, tie_word_embeddings: false, sliding_window: null, bos_token_id: 1, eos_token_id: 2,
  },
  qwen2: {
    architectures: ['Qwen2ForCausalLM'], model_type: 'qwen2', num_hidden_layers: 3, hidden_size: 32, num_attention_heads: 4,
    num_key_value_heads: 2, intermediate_size: 56, vocab_size: 64, max_position_embeddings: 128, rms_norm_eps: 1e-6,
    hidden_act: 'silu', rope_theta: 1000000, tie_word_embeddings: true, use_sliding_window: false, bos_token_id: 1, eos_token_id: 2,
  },
  gpt2: {
    architectures: ['GPT2LMHeadModel'], model_type: 'gpt2', n_layer: 2, n_embd: 32, n_head: 4, n_inner: null, vocab_size: 64,
    n_positions: 128, layer_norm_epsilon: 1e-5, activation_function: 'gelu_new', bos_token_id: 1, eos_token_id: 2,
  },
};

function lcg(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32 - 0.5;
  };
}

/** Writes a tiny random model of `arch` into `dir`; `over` patches config.json. */
export function writeTinyModel(dir: string, arch: ArchName, opts: { seed?: number; dtype?: StDtype; over?: Record<string, unknown> } = {}): string {
  const p = PROFILES[arch];
  const cfg = { ...TINY_CONFIGS[arch], ...opts.over };
  const f = (names: string[] | undefined) => names?.map((n) => cfg[n]).find((v) => v !== undefined && v !== null) as number | undefined;
  const layers = f(p.fields.layers)!;
  const hidden = f(p.fields.hidden)!;
  const heads = f(p.fields.heads)!;
  const kvHeads = f(p.fields.kvHeads) ?? heads;
  const hd = hidden / heads;
  const inter = f(p.fields.intermediate) ?? hidden * (p.intermediateDefaultMultiple ?? 4);
  const sym: Record<ShapeSym, number> = { vocab: f(p.fields.vocab)!, hidden, inter, q: heads * hd, kv: kvHeads * hd, qkv: (heads + 2 * kvHeads) * hd, maxPos: f(p.fields.maxPos)! };
  const tied = typeof cfg.tie_word_embeddings === 'boolean' ? cfg.tie_word_embeddings : p.tiedDefault;
  const flag = (x: boolean | { field: string }) => (typeof x === 'boolean' ? x : cfg[x.field] === true);
  const on: Record<TensorWhen, boolean> = { always: true, untied: !tied, qkvBias: flag(p.qkvBias), oBias: flag(p.oBias) };
  const r = lcg(opts.seed ?? 42);
  const tensors: TensorToWrite[] = [];
  const add = (name: string, shape: ShapeSym[], isNorm: boolean) => {
    const dims = shape.map((s) => sym[s]);
    const n = dims.reduce((a, b) => a * b, 1);
    const data = new Float32Array(n);
    for (let i = 0; i < n; i++) data[i] = isNorm ? 1 + 0.2 * r() : 0.4 * r();
    tensors.push({ name, dtype: opts.dtype ?? 'F32', shape: dims, data });
  };
  for (const [role, t] of Object.entries(p.globals)) if (t && on[t.when ?? 'always']) add(t.name, t.shape, /Norm/.test(role) && !/Bias/.test(role));
  for (let i = 0; i < layers; i++)
    for (const [role, t] of Object.entries(p.layer)) if (t && on[t.when ?? 'always']) add(t.name.replace('{i}', String(i)), t.shape, /Norm$/.test(role));
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify(cfg, null, 2));
  writeSafetensors(path.join(dir, 'model.safetensors'), tensors);
  return dir;
}
