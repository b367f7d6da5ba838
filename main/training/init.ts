// Fresh, seeded weights for a model to be trained from scratch, from the architecture profiles' tensor templates
// (decoders: arch/profiles.ts; classifiers: arch/classifiers.ts), so every supported architecture is covered by
// data, and a Hugging Face config.json for the chosen dimensions.
import { PROFILES, type ArchName, type ShapeSym, type TensorWhen } from '../engine/arch/profiles';
import { CLASSIFIER_PROFILES, type ClassifierArchName, type EncoderShapeSym } from '../engine/arch/classifiers';
import type { TensorToWrite } from '../engine/safetensors/writer';
import { seededRandom } from './trainer';

export interface DecoderDims {
  layers: number;
  hidden: number;
  heads: number;
  kvHeads: number;
  intermediate: number;
  vocab: number;
  maxPos: number;
}

function normals(rand: () => number, n: number, std: number): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const u = Math.max(rand(), 1e-12);
    out[i] = std * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rand());
  }
  return out;
}

/** Initial value of a tensor by its role: norm gains 1, biases 0, matrices N(0, std). */
function initFor(role: string, n: number, rand: () => number, std: number): Float32Array {
  if (/Norm$/.test(role)) return new Float32Array(n).fill(1);
  if (/(Bias|NormBias)$/.test(role)) return new Float32Array(n);
  return normals(rand, n, std);
}

/** Every tensor of a decoder of `arch` with these dims (untied head, no optional biases unless the arch fixes them). */
export function initDecoderTensors(arch: ArchName, d: DecoderDims, seed: number, std = 0.02): TensorToWrite[] {
  const p = PROFILES[arch];
  const hd = d.hidden / d.heads;
  const sym: Record<ShapeSym, number> = { vocab: d.vocab, hidden: d.hidden, inter: d.intermediate, q: d.heads * hd, kv: d.kvHeads * hd, qkv: (d.heads + 2 * d.kvHeads) * hd, maxPos: d.maxPos };
  const flag = (x: boolean | { field: string }) => x === true;
  const on: Record<TensorWhen, boolean> = { always: true, untied: true, qkvBias: flag(p.qkvBias), oBias: flag(p.oBias) };
  const rand = seededRandom(seed);
  const out: TensorToWrite[] = [];
  const make = (name: string, role: string, shape: ShapeSym[], when: TensorWhen = 'always') => {
    if (!on[when]) return;
    const dims = shape.map((s) => sym[s]);
    out.push({ name, dtype: 'F32', shape: dims, data: initFor(role, dims.reduce((a, b) => a * b, 1), rand, std) });
  };
  for (const [role, t] of Object.entries(p.globals)) if (t) make(t.name, role, t.shape, t.when);
  for (let i = 0; i < d.layers; i++) for (const [role, t] of Object.entries(p.layer)) if (t) make(t.name.replace('{i}', String(i)), role, t.shape, t.when);
  return out;
}

/** config.json of a llama-family decoder (the demo uses llama; the keys are the profile's field names). */
export function llamaConfig(d: DecoderDims, ids: { eos: number; pad: number }): Record<string, unknown> {
  return {
    architectures: ['LlamaForCausalLM'],
    model_type: 'llama',
    num_hidden_layers: d.layers,
    hidden_size: d.hidden,
    num_attention_heads: d.heads,
    num_key_value_heads: d.kvHeads,
    head_dim: d.hidden / d.heads,
    intermediate_size: d.intermediate,
    vocab_size: d.vocab,
    max_position_embeddings: d.maxPos,
    rms_norm_eps: 1e-6,
    hidden_act: 'silu',
    rope_theta: 10000.0,
    rope_scaling: null,
    attention_bias: false,
    mlp_bias: false,
    tie_word_embeddings: false,
    bos_token_id: null,
    eos_token_id: ids.eos,
    pad_token_id: ids.pad,
    torch_dtype: 'float32',
    use_cache: true,
  };
}

export interface ClassifierDims {
  layers: number;
  hidden: number;
  heads: number;
  intermediate: number;
  vocab: number;
  maxPos: number;
  typeVocab: number;
  labels: number;
}

/** Every tensor of a sequence classifier of `arch` with these dims. */
export function initClassifierTensors(arch: ClassifierArchName, d: ClassifierDims, seed: number, std = 0.02): TensorToWrite[] {
  const p = CLASSIFIER_PROFILES[arch];
  const sym: Record<EncoderShapeSym, number> = { vocab: d.vocab, hidden: d.hidden, inter: d.intermediate, maxPos: d.maxPos, typeVocab: d.typeVocab, labels: d.labels };
  const rand = seededRandom(seed);
  const out: TensorToWrite[] = [];
  const make = (name: string, role: string, shape: EncoderShapeSym[]) => {
    const dims = shape.map((s) => sym[s]);
    out.push({ name, dtype: 'F32', shape: dims, data: initFor(role, dims.reduce((a, b) => a * b, 1), rand, std) });
  };
  for (const [role, t] of Object.entries(p.globals)) if (t) make(t.name, role, t.shape);
  for (let i = 0; i < d.layers; i++) for (const [role, t] of Object.entries(p.layer)) make(t.name.replace('{i}', String(i)), role, t.shape);
  return out;
}

/** config.json of a BERT sequence classifier with id2label {0: safe, 1: unsafe}. */
export function bertClassifierConfig(d: ClassifierDims, ids: { pad: number }): Record<string, unknown> {
  return {
    architectures: ['BertForSequenceClassification'],
    model_type: 'bert',
    num_hidden_layers: d.layers,
    hidden_size: d.hidden,
    num_attention_heads: d.heads,
    intermediate_size: d.intermediate,
    vocab_size: d.vocab,
    max_position_embeddings: d.maxPos,
    type_vocab_size: d.typeVocab,
    layer_norm_eps: 1e-12,
    hidden_act: 'gelu',
    pad_token_id: ids.pad,
    position_embedding_type: 'absolute',
    id2label: { '0': 'safe', '1': 'unsafe' },
    label2id: { safe: 0, unsafe: 1 },
    num_labels: 2,
    problem_type: 'single_label_classification',
    torch_dtype: 'float32',
  };
}
