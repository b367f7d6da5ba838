// Architecture profiles: each supported Hugging Face architecture as data. The code that differs between
// architectures reads these fields; nothing elsewhere tests an architecture's name.
//
// Tensor shapes are written in *stored* order using symbols resolved from the config:
//   vocab, hidden, inter (MLP width), q (= heads·headDim), kv (= kvHeads·headDim), qkv (= q + 2·kv), maxPos.
// torch.nn.Linear stores [out, in]; GPT-2's Conv1D stores [in, out] (linearLayout 'in_out').

export type ArchName = 'llama' | 'mistral' | 'qwen2' | 'gpt2';
export type ShapeSym = 'vocab' | 'hidden' | 'inter' | 'q' | 'kv' | 'qkv' | 'maxPos';
/** When a tensor is required: always, only with untied embeddings, or when a bias flag is on. */
export type TensorWhen = 'always' | 'untied' | 'qkvBias' | 'oBias';

export type GlobalRole = 'embed' | 'posEmbed' | 'finalNorm' | 'finalNormBias' | 'lmHead';
export type LayerRole =
  | 'attnNorm' | 'attnNormBias' | 'mlpNorm' | 'mlpNormBias'
  | 'q' | 'k' | 'v' | 'qBias' | 'kBias' | 'vBias' | 'qkv' | 'qkvBias' | 'o' | 'oBias'
  | 'gate' | 'up' | 'upBias' | 'down' | 'downBias';

export interface TensorTemplate {
  /** HF tensor name; `{i}` is the layer index */
  name: string;
  shape: ShapeSym[];
  when?: TensorWhen;
}

/** A config value that must be one of `ok` (absent counts as undefined); otherwise refused with `why`. */
export interface ConfigRefusal {
  field: string;
  ok: unknown[];
  why: string;
}

export interface ArchProfile {
  name: ArchName;
  /** what the model computes; classifier profiles (roberta, bert, distilbert) will use 'sequence_classifier' */
  task: 'causal_lm';
  /** config.json `architectures[0]` values and `model_type` values that select this profile */
  hfArchitectures: string[];
  modelTypes: string[];
  /** config field names (first present wins) */
  fields: {
    layers: string[];
    hidden: string[];
    heads: string[];
    kvHeads?: string[];
    headDim?: string[];
    intermediate: string[];
    vocab: string[];
    maxPos: string[];
    eps: string[];
    activation: string[];
  };
  /** intermediate size when the config leaves it null: hidden × this */
  intermediateDefaultMultiple?: number;
  /** accepted activation names → the kernel the graph uses */
  activations: Record<string, 'silu' | 'gelu_tanh'>;
  /** default eps when the config omits it */
  epsDefault: number;
  norm: 'rms' | 'layer';
  position: 'rope' | 'learned';
  /** gated MLP: down(act(gate(x)) * up(x)); otherwise down(act(up(x))) */
  gatedMlp: boolean;
  linearLayout: 'out_in' | 'in_out';
  /** q, k, v come from one fused projection (GPT-2 c_attn) split in q | k | v order along `out` */
  fusedQkv: boolean;
  tiedDefault: boolean;
  /** q/k/v (and o) projection biases: fixed by the architecture, or switched by a config field */
  qkvBias: boolean | { field: string };
  oBias: boolean | { field: string };
  /** sliding-window attention config, if the architecture has it */
  slidingWindow?: { field: string; enabledField?: string };
  /** tensor names may appear without this prefix (e.g. original GPT-2 checkpoints omit `transformer.`) */
  optionalPrefix?: string;
  globals: Partial<Record<GlobalRole, TensorTemplate>>;
  layer: Partial<Record<LayerRole, TensorTemplate>>;
  /** the MLP down-projection DINM edits (weight in stored layout; bias if the architecture has one) */
  editTarget: { weight: LayerRole; bias?: LayerRole };
  refuse: ConfigRefusal[];
}

const NOT_QUANTIZED: ConfigRefusal = {
  field: 'quantization_config',
  ok: [undefined, null],
  why: 'quantized checkpoints are not supported (use the float16/bfloat16/float32 weights)',
};

const LLAMA_FAMILY_FIELDS: ArchProfile['fields'] = {
  layers: ['num_hidden_layers'],
  hidden: ['hidden_size'],
  heads: ['num_attention_heads'],
  kvHeads: ['num_key_value_heads'],
  headDim: ['head_dim'],
  intermediate: ['intermediate_size'],
  vocab: ['vocab_size'],
  maxPos: ['max_position_embeddings'],
  eps: ['rms_norm_eps'],
  activation: ['hidden_act'],
};

const L = 'model.layers.{i}.';
function llamaLayer(): ArchProfile['layer'] {
  return {
    attnNorm: { name: `${L}input_layernorm.weight`, shape: ['hidden'] },
    q: { name: `${L}self_attn.q_proj.weight`, shape: ['q', 'hidden'] },
    k: { name: `${L}self_attn.k_proj.weight`, shape: ['kv', 'hidden'] },
    v: { name: `${L}self_attn.v_proj.weight`, shape: ['kv', 'hidden'] },
    qBias: { name: `${L}self_attn.q_proj.bias`, shape: ['q'], when: 'qkvBias' },
    kBias: { name: `${L}self_attn.k_proj.bias`, shape: ['kv'], when: 'qkvBias' },
    vBias: { name: `${L}self_attn.v_proj.bias`, shape: ['kv'], when: 'qkvBias' },
    o: { name: `${L}self_attn.o_proj.weight`, shape: ['hidden', 'q'] },
    oBias: { name: `${L}self_attn.o_proj.bias`, shape: ['hidden'], when: 'oBias' },
    mlpNorm: { name: `${L}post_attention_layernorm.weight`, shape: ['hidden'] },
    gate: { name: `${L}mlp.gate_proj.weight`, shape: ['inter', 'hidden'] },
    up: { name: `${L}mlp.up_proj.weight`, shape: ['inter', 'hidden'] },
    down: { name: `${L}mlp.down_proj.weight`, shape: ['hidden', 'inter'] },
  };
}
const LLAMA_GLOBALS: ArchProfile['globals'] = {
  embed: { name: 'model.embed_tokens.weight', shape: ['vocab', 'hidden'] },
  finalNorm: { name: 'model.norm.weight', shape: ['hidden'] },
  lmHead: { name: 'lm_head.weight', shape: ['vocab', 'hidden'], when: 'untied' },
};

function llamaFamily(over: Pick<ArchProfile, 'name' | 'hfArchitectures' | 'modelTypes'> & Partial<ArchProfile>): ArchProfile {
  return {
    task: 'causal_lm',
    fields: LLAMA_FAMILY_FIELDS,
    activations: { silu: 'silu', swish: 'silu' },
    epsDefault: 1e-6,
    norm: 'rms',
    position: 'rope',
    gatedMlp: true,
    linearLayout: 'out_in',
    fusedQkv: false,
    tiedDefault: false,
    qkvBias: false,
    oBias: false,
    globals: LLAMA_GLOBALS,
    layer: llamaLayer(),
    editTarget: { weight: 'down' },
    refuse: [NOT_QUANTIZED],
    ...over,
  };
}

const H = 'transformer.h.{i}.';

export const PROFILES: Record<ArchName, ArchProfile> = {
  llama: llamaFamily({
    name: 'llama',
    hfArchitectures: ['LlamaForCausalLM'],
    modelTypes: ['llama'],
    qkvBias: { field: 'attention_bias' },
    oBias: { field: 'attention_bias' },
    refuse: [NOT_QUANTIZED, { field: 'mlp_bias', ok: [undefined, null, false], why: 'MLP biases (mlp_bias: true) are not supported' }],
  }),
  mistral: llamaFamily({
    name: 'mistral',
    hfArchitectures: ['MistralForCausalLM'],
    modelTypes: ['mistral'],
    slidingWindow: { field: 'sliding_window' },
  }),
  qwen2: llamaFamily({
    name: 'qwen2',
    hfArchitectures: ['Qwen2ForCausalLM'],
    modelTypes: ['qwen2'],
    qkvBias: true,
    slidingWindow: { field: 'sliding_window', enabledField: 'use_sliding_window' },
  }),
  gpt2: {
    name: 'gpt2',
    task: 'causal_lm',
    hfArchitectures: ['GPT2LMHeadModel'],
    modelTypes: ['gpt2'],
    fields: {
      layers: ['n_layer', 'num_hidden_layers'],
      hidden: ['n_embd', 'hidden_size'],
      heads: ['n_head', 'num_attention_heads'],
      intermediate: ['n_inner'],
      vocab: ['vocab_size'],
      maxPos: ['n_positions', 'max_position_embeddings'],
      eps: ['layer_norm_epsilon'],
      activation: ['activation_function'],
    },
    intermediateDefaultMultiple: 4,
    activations: { gelu_new: 'gelu_tanh', gelu_pytorch_tanh: 'gelu_tanh' },
    epsDefault: 1e-5,
    norm: 'layer',
    position: 'learned',
    gatedMlp: false,
    linearLayout: 'in_out',
    fusedQkv: true,
    tiedDefault: true,
    qkvBias: true,
    oBias: true,
    optionalPrefix: 'transformer.',
    globals: {
      embed: { name: 'transformer.wte.weight', shape: ['vocab', 'hidden'] },
      posEmbed: { name: 'transformer.wpe.weight', shape: ['maxPos', 'hidden'] },
      finalNorm: { name: 'transformer.ln_f.weight', shape: ['hidden'] },
      finalNormBias: { name: 'transformer.ln_f.bias', shape: ['hidden'] },
      lmHead: { name: 'lm_head.weight', shape: ['vocab', 'hidden'], when: 'untied' },
    },
    layer: {
      attnNorm: { name: `${H}ln_1.weight`, shape: ['hidden'] },
      attnNormBias: { name: `${H}ln_1.bias`, shape: ['hidden'] },
      qkv: { name: `${H}attn.c_attn.weight`, shape: ['hidden', 'qkv'] },
      qkvBias: { name: `${H}attn.c_attn.bias`, shape: ['qkv'] },
      o: { name: `${H}attn.c_proj.weight`, shape: ['q', 'hidden'] },
      oBias: { name: `${H}attn.c_proj.bias`, shape: ['hidden'] },
      mlpNorm: { name: `${H}ln_2.weight`, shape: ['hidden'] },
      mlpNormBias: { name: `${H}ln_2.bias`, shape: ['hidden'] },
      up: { name: `${H}mlp.c_fc.weight`, shape: ['hidden', 'inter'] },
      upBias: { name: `${H}mlp.c_fc.bias`, shape: ['inter'] },
      down: { name: `${H}mlp.c_proj.weight`, shape: ['inter', 'hidden'] },
      downBias: { name: `${H}mlp.c_proj.bias`, shape: ['hidden'] },
    },
    editTarget: { weight: 'down', bias: 'downBias' },
    refuse: [
      NOT_QUANTIZED,
      { field: 'add_cross_attention', ok: [undefined, null, false], why: 'cross-attention (add_cross_attention: true) is not supported' },
      { field: 'scale_attn_by_inverse_layer_idx', ok: [undefined, null, false], why: 'scale_attn_by_inverse_layer_idx: true is not supported' },
      { field: 'scale_attn_weights', ok: [undefined, null, true], why: 'scale_attn_weights: false is not supported' },
    ],
  },
};

/** Rope scaling kinds the engine implements (see rope.ts); others are refused by name. */
export const SUPPORTED_ROPE_TYPES = ['default', 'linear', 'llama3'] as const;
