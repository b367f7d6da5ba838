// Sequence-classifier profiles (encoder + classification head) as data, and their resolver. The causal-LM
// registry (registry.ts / profiles.ts) is typed around decoder roles (ArchName, LayerRole, rope, lm head), so the
// encoder classifiers keep a separate, parallel registry here with the same design: a profile per Hugging Face
// architecture; config fields, tensor templates with symbolic shapes and refusals are data; nothing elsewhere
// tests an architecture's name.
//
// Every profile is a post-LayerNorm BERT-style encoder:
//   x = LN(word[ids] + pos[position_ids] (+ type[token_type_ids]))
//   per layer: x = LN(x + O·attn(Qx, Kx, Vx)); x = LN(x + Down·act(Up·x))
//   head on the first token: logits = Out·headAct(Pool·x[:, 0])
// Tensor shapes are written in stored (torch Linear [out, in]) order using symbols from the config.

import fs from 'node:fs';
import path from 'node:path';
import { AppError } from '../../../shared/errors';
import { openCheckpoint, numel, type Checkpoint, type TensorInfo } from '../safetensors/reader';
import type { ConfigRefusal } from './profiles';

export type ClassifierArchName = 'roberta' | 'bert' | 'distilbert';
export type EncoderShapeSym = 'vocab' | 'hidden' | 'inter' | 'maxPos' | 'typeVocab' | 'labels';
export type EncoderGlobalRole = 'embed' | 'posEmbed' | 'typeEmbed' | 'embedNorm' | 'embedNormBias' | 'pool' | 'poolBias' | 'out' | 'outBias';
export type EncoderLayerRole =
  | 'q' | 'qBias' | 'k' | 'kBias' | 'v' | 'vBias' | 'o' | 'oBias' | 'attnNorm' | 'attnNormBias'
  | 'up' | 'upBias' | 'down' | 'downBias' | 'mlpNorm' | 'mlpNormBias';

export interface EncoderTensorTemplate {
  /** HF tensor name; `{i}` is the layer index */
  name: string;
  shape: EncoderShapeSym[];
}

export interface ClassifierProfile {
  name: ClassifierArchName;
  task: 'sequence_classifier';
  /** config.json `architectures[0]` values and `model_type` values that select this profile */
  hfArchitectures: string[];
  modelTypes: string[];
  /** config field names (first present wins) */
  fields: {
    layers: string[];
    hidden: string[];
    heads: string[];
    intermediate: string[];
    vocab: string[];
    maxPos: string[];
    /** absent: the architecture fixes eps (epsDefault) */
    eps?: string[];
    activation: string[];
    /** absent: no token-type embedding */
    typeVocab?: string[];
  };
  epsDefault: number;
  /** accepted hidden activations → the nn.ts ACTIVATIONS name the graph uses */
  activations: Record<string, 'gelu' | 'gelu_tanh' | 'relu'>;
  /**
   * Position ids: 'from_zero' = 0, 1, 2, …; 'after_padding_idx' = pad_token_id + 1 + i for real tokens and
   * pad_token_id for padding (RoBERTa: inputs are then limited to max_position_embeddings - pad_token_id - 1).
   */
  positions: 'from_zero' | 'after_padding_idx';
  /** activation between the head's pooling dense layer and the output projection */
  headActivation: 'tanh' | 'relu';
  globals: Record<EncoderGlobalRole, EncoderTensorTemplate | undefined>;
  layer: Record<EncoderLayerRole, EncoderTensorTemplate>;
  refuse: ConfigRefusal[];
}

const NOT_QUANTIZED: ConfigRefusal = { field: 'quantization_config', ok: [undefined, null], why: 'quantized checkpoints are not supported' };
const ABSOLUTE_POSITIONS: ConfigRefusal = {
  field: 'position_embedding_type',
  ok: [undefined, null, 'absolute'],
  why: 'only absolute position embeddings are supported (position_embedding_type relative_key* is not)',
};
const NOT_DECODER: ConfigRefusal = { field: 'is_decoder', ok: [undefined, null, false], why: 'decoder-mode encoders (is_decoder: true) are not supported' };

/** BERT-style encoder tensors under `prefix` (bert., roberta.). */
function bertEncoder(prefix: string): Pick<ClassifierProfile, 'layer'> & { embeddings: Pick<ClassifierProfile['globals'], 'embed' | 'posEmbed' | 'typeEmbed' | 'embedNorm' | 'embedNormBias'> } {
  const E = `${prefix}embeddings.`;
  const L = `${prefix}encoder.layer.{i}.`;
  return {
    embeddings: {
      embed: { name: `${E}word_embeddings.weight`, shape: ['vocab', 'hidden'] },
      posEmbed: { name: `${E}position_embeddings.weight`, shape: ['maxPos', 'hidden'] },
      typeEmbed: { name: `${E}token_type_embeddings.weight`, shape: ['typeVocab', 'hidden'] },
      embedNorm: { name: `${E}LayerNorm.weight`, shape: ['hidden'] },
      embedNormBias: { name: `${E}LayerNorm.bias`, shape: ['hidden'] },
    },
    layer: {
      q: { name: `${L}attention.self.query.weight`, shape: ['hidden', 'hidden'] },
      qBias: { name: `${L}attention.self.query.bias`, shape: ['hidden'] },
      k: { name: `${L}attention.self.key.weight`, shape: ['hidden', 'hidden'] },
      kBias: { name: `${L}attention.self.key.bias`, shape: ['hidden'] },
      v: { name: `${L}attention.self.value.weight`, shape: ['hidden', 'hidden'] },
      vBias: { name: `${L}attention.self.value.bias`, shape: ['hidden'] },
      o: { name: `${L}attention.output.dense.weight`, shape: ['hidden', 'hidden'] },
      oBias: { name: `${L}attention.output.dense.bias`, shape: ['hidden'] },
      attnNorm: { name: `${L}attention.output.LayerNorm.weight`, shape: ['hidden'] },
      attnNormBias: { name: `${L}attention.output.LayerNorm.bias`, shape: ['hidden'] },
      up: { name: `${L}intermediate.dense.weight`, shape: ['inter', 'hidden'] },
      upBias: { name: `${L}intermediate.dense.bias`, shape: ['inter'] },
      down: { name: `${L}output.dense.weight`, shape: ['hidden', 'inter'] },
      downBias: { name: `${L}output.dense.bias`, shape: ['hidden'] },
      mlpNorm: { name: `${L}output.LayerNorm.weight`, shape: ['hidden'] },
      mlpNormBias: { name: `${L}output.LayerNorm.bias`, shape: ['hidden'] },
    },
  };
}

const BERT_FIELDS: ClassifierProfile['fields'] = {
  layers: ['num_hidden_layers'],
  hidden: ['hidden_size'],
  heads: ['num_attention_heads'],
  intermediate: ['intermediate_size'],
  vocab: ['vocab_size'],
  maxPos: ['max_position_embeddings'],
  eps: ['layer_norm_eps'],
  activation: ['hidden_act'],
  typeVocab: ['type_vocab_size'],
};
const BERT_ACTS: ClassifierProfile['activations'] = { gelu: 'gelu', gelu_new: 'gelu_tanh', gelu_pytorch_tanh: 'gelu_tanh', relu: 'relu' };

const roberta = bertEncoder('roberta.');
const bert = bertEncoder('bert.');
const D = 'distilbert.transformer.layer.{i}.';

export const CLASSIFIER_PROFILES: Record<ClassifierArchName, ClassifierProfile> = {
  roberta: {
    name: 'roberta',
    task: 'sequence_classifier',
    // XLM-RoBERTa is the same network (transformers copies the RoBERTa modules); only the tokenizer differs.
    hfArchitectures: ['RobertaForSequenceClassification', 'XLMRobertaForSequenceClassification'],
    modelTypes: ['roberta', 'xlm-roberta'],
    fields: BERT_FIELDS,
    epsDefault: 1e-12,
    activations: BERT_ACTS,
    positions: 'after_padding_idx',
    headActivation: 'tanh',
    globals: {
      ...roberta.embeddings,
      pool: { name: 'classifier.dense.weight', shape: ['hidden', 'hidden'] },
      poolBias: { name: 'classifier.dense.bias', shape: ['hidden'] },
      out: { name: 'classifier.out_proj.weight', shape: ['labels', 'hidden'] },
      outBias: { name: 'classifier.out_proj.bias', shape: ['labels'] },
    },
    layer: roberta.layer,
    refuse: [NOT_QUANTIZED, ABSOLUTE_POSITIONS, NOT_DECODER],
  },
  bert: {
    name: 'bert',
    task: 'sequence_classifier',
    hfArchitectures: ['BertForSequenceClassification'],
    modelTypes: ['bert'],
    fields: BERT_FIELDS,
    epsDefault: 1e-12,
    activations: BERT_ACTS,
    positions: 'from_zero',
    headActivation: 'tanh',
    globals: {
      ...bert.embeddings,
      pool: { name: 'bert.pooler.dense.weight', shape: ['hidden', 'hidden'] },
      poolBias: { name: 'bert.pooler.dense.bias', shape: ['hidden'] },
      out: { name: 'classifier.weight', shape: ['labels', 'hidden'] },
      outBias: { name: 'classifier.bias', shape: ['labels'] },
    },
    layer: bert.layer,
    refuse: [NOT_QUANTIZED, ABSOLUTE_POSITIONS, NOT_DECODER],
  },
  distilbert: {
    name: 'distilbert',
    task: 'sequence_classifier',
    hfArchitectures: ['DistilBertForSequenceClassification'],
    modelTypes: ['distilbert'],
    fields: {
      layers: ['n_layers'],
      hidden: ['dim'],
      heads: ['n_heads'],
      intermediate: ['hidden_dim'],
      vocab: ['vocab_size'],
      maxPos: ['max_position_embeddings'],
      activation: ['activation'],
    },
    epsDefault: 1e-12, // fixed in the architecture
    activations: { gelu: 'gelu', relu: 'relu' },
    positions: 'from_zero',
    headActivation: 'relu',
    globals: {
      embed: { name: 'distilbert.embeddings.word_embeddings.weight', shape: ['vocab', 'hidden'] },
      posEmbed: { name: 'distilbert.embeddings.position_embeddings.weight', shape: ['maxPos', 'hidden'] },
      typeEmbed: undefined,
      embedNorm: { name: 'distilbert.embeddings.LayerNorm.weight', shape: ['hidden'] },
      embedNormBias: { name: 'distilbert.embeddings.LayerNorm.bias', shape: ['hidden'] },
      pool: { name: 'pre_classifier.weight', shape: ['hidden', 'hidden'] },
      poolBias: { name: 'pre_classifier.bias', shape: ['hidden'] },
      out: { name: 'classifier.weight', shape: ['labels', 'hidden'] },
      outBias: { name: 'classifier.bias', shape: ['labels'] },
    },
    layer: {
      q: { name: `${D}attention.q_lin.weight`, shape: ['hidden', 'hidden'] },
      qBias: { name: `${D}attention.q_lin.bias`, shape: ['hidden'] },
      k: { name: `${D}attention.k_lin.weight`, shape: ['hidden', 'hidden'] },
      kBias: { name: `${D}attention.k_lin.bias`, shape: ['hidden'] },
      v: { name: `${D}attention.v_lin.weight`, shape: ['hidden', 'hidden'] },
      vBias: { name: `${D}attention.v_lin.bias`, shape: ['hidden'] },
      o: { name: `${D}attention.out_lin.weight`, shape: ['hidden', 'hidden'] },
      oBias: { name: `${D}attention.out_lin.bias`, shape: ['hidden'] },
      attnNorm: { name: `${D}sa_layer_norm.weight`, shape: ['hidden'] },
      attnNormBias: { name: `${D}sa_layer_norm.bias`, shape: ['hidden'] },
      up: { name: `${D}ffn.lin1.weight`, shape: ['inter', 'hidden'] },
      upBias: { name: `${D}ffn.lin1.bias`, shape: ['inter'] },
      down: { name: `${D}ffn.lin2.weight`, shape: ['hidden', 'inter'] },
      downBias: { name: `${D}ffn.lin2.bias`, shape: ['hidden'] },
      mlpNorm: { name: `${D}output_layer_norm.weight`, shape: ['hidden'] },
      mlpNormBias: { name: `${D}output_layer_norm.bias`, shape: ['hidden'] },
    },
    refuse: [NOT_QUANTIZED],
  },
};

export const SUPPORTED_CLASSIFIERS = Object.keys(CLASSIFIER_PROFILES) as ClassifierArchName[];

/** The judge runtime never reads more than this many tokens per text (SafeEdit's classifier setting). */
export const MAX_JUDGE_TOKENS = 512;

export interface ClassifierDims {
  layers: number;
  hidden: number;
  heads: number;
  headDim: number;
  intermediate: number;
  vocab: number;
  maxPos: number;
  /** 0 when the architecture has no token-type embedding */
  typeVocab: number;
  labels: number;
  eps: number;
}

/** What the classifier graph and its tokenizer side need; weights located but not read. */
export interface ClassifierSpec {
  dir: string;
  arch: ClassifierArchName;
  profile: ClassifierProfile;
  hfArchitecture: string;
  dims: ClassifierDims;
  activation: 'gelu' | 'gelu_tanh' | 'relu';
  /** config pad_token_id (also the padding id of batched inputs) */
  padTokenId: number;
  /** position id of the first token (pad_token_id + 1 for RoBERTa, else 0) */
  positionOffset: number;
  /** longest input in tokens, specials included: min(512, max_position_embeddings - positionOffset) */
  maxTokens: number;
  /** config id2label (or LABEL_i for num_labels) */
  labels: Record<string, string>;
  checkpoint: Checkpoint;
  /** resolved tensor per role: `embed`, `pool`, … and `${role}.${layer}` for layer roles */
  tensors: Map<string, TensorInfo>;
  parameters: number;
  config: Record<string, unknown>;
}

function cfgErr(file: string, what: string): AppError {
  return new AppError('invalid_model', `${file}: ${what}`);
}

function pick(config: Record<string, unknown>, names: string[] | undefined): unknown {
  for (const n of names ?? []) if (config[n] !== undefined && config[n] !== null) return config[n];
  return undefined;
}

function posInt(config: Record<string, unknown>, names: string[], file: string, what: string): number {
  const v = pick(config, names);
  if (v === undefined) throw cfgErr(file, `missing ${names.join(' / ')} (${what})`);
  if (!Number.isSafeInteger(v) || (v as number) <= 0) throw cfgErr(file, `${names[0]} must be a positive integer (got ${JSON.stringify(v)})`);
  return v as number;
}

/** Finds the classifier profile for a config, or refuses naming the architecture and listing the supported ones. */
export function classifierProfileFor(config: Record<string, unknown>, file = 'config.json'): { profile: ClassifierProfile; hfArchitecture: string } {
  const archs = Array.isArray(config.architectures) ? (config.architectures as unknown[]).filter((a): a is string => typeof a === 'string') : [];
  const modelType = typeof config.model_type === 'string' ? config.model_type : null;
  const supported = SUPPORTED_CLASSIFIERS.map((a) => CLASSIFIER_PROFILES[a].hfArchitectures.join(', ')).join('; ');
  const all = Object.values(CLASSIFIER_PROFILES);
  if (archs.length) {
    const p = all.find((pr) => pr.hfArchitectures.includes(archs[0]));
    if (p) return { profile: p, hfArchitecture: archs[0] };
    throw new AppError('unsupported_architecture', `${file}: architecture ${archs[0]}${modelType ? ` (model_type ${modelType})` : ''} is not a supported sequence classifier; supported: ${supported}`);
  }
  if (modelType) {
    const p = all.find((pr) => pr.modelTypes.includes(modelType));
    if (p) return { profile: p, hfArchitecture: p.hfArchitectures[0] };
    throw new AppError('unsupported_architecture', `${file}: model_type ${modelType} is not a supported sequence classifier; supported: ${supported}`);
  }
  throw cfgErr(file, `neither "architectures" nor "model_type" is set; supported: ${supported}`);
}

/** config id2label as {"0": name, …} (LABEL_i for num_labels when absent); checks the keys are 0..n-1. */
export function labelsOf(config: Record<string, unknown>, file: string): Record<string, string> {
  const raw = config.id2label;
  let labels: Record<string, string>;
  if (raw && typeof raw === 'object' && !Array.isArray(raw)) {
    labels = Object.fromEntries(Object.entries(raw as Record<string, unknown>).map(([k, v]) => [String(Number(k)), String(v)]));
  } else {
    const n = Number.isSafeInteger(config.num_labels) ? (config.num_labels as number) : 2;
    labels = Object.fromEntries(Array.from({ length: n }, (_, i) => [String(i), `LABEL_${i}`]));
  }
  const n = Object.keys(labels).length;
  for (let i = 0; i < n; i++) if (!(String(i) in labels)) throw cfgErr(file, `id2label must map 0..${n - 1} to names (got ${JSON.stringify(raw)})`);
  if (n < 1) throw cfgErr(file, 'id2label is empty');
  return labels;
}

export function readConfig(dir: string): { file: string; config: Record<string, unknown> } {
  const file = path.join(dir, 'config.json');
  if (!fs.existsSync(file)) throw new AppError('invalid_model', `${file}: missing (a Hugging Face classifier folder needs config.json)`);
  let v: unknown;
  try {
    v = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (e) {
    throw cfgErr(file, `not valid JSON (${(e as Error).message})`);
  }
  if (!v || typeof v !== 'object' || Array.isArray(v)) throw cfgErr(file, 'not a JSON object');
  return { file, config: v as Record<string, unknown> };
}

/** Position offset and input limit from a config (also used for prebuilt ONNX classifiers). */
export function inputLimits(profile: ClassifierProfile | null, config: Record<string, unknown>, file: string): { padTokenId: number; positionOffset: number; maxTokens: number } {
  const pad = config.pad_token_id;
  const padTokenId = Number.isSafeInteger(pad) && (pad as number) >= 0 ? (pad as number) : 0;
  const positions = profile?.positions ?? ((config.model_type === 'roberta' || config.model_type === 'xlm-roberta') ? 'after_padding_idx' : 'from_zero');
  if (positions === 'after_padding_idx' && !(Number.isSafeInteger(pad) && (pad as number) >= 0)) {
    throw cfgErr(file, `pad_token_id must be set: ${profile?.name ?? String(config.model_type)} position ids start after it`);
  }
  const positionOffset = positions === 'after_padding_idx' ? padTokenId + 1 : 0;
  const mp = pick(config, profile?.fields.maxPos ?? ['max_position_embeddings']);
  const maxPos = Number.isSafeInteger(mp) && (mp as number) > 0 ? (mp as number) : MAX_JUDGE_TOKENS + positionOffset;
  const maxTokens = Math.min(MAX_JUDGE_TOKENS, maxPos - positionOffset);
  if (maxTokens < 2) throw cfgErr(file, `max_position_embeddings ${maxPos} leaves no room for input (position ids start at ${positionOffset})`);
  return { padTokenId, positionOffset, maxTokens };
}

/** Reads and validates config.json and the checkpoint headers of a sequence-classifier folder (no weights read). */
export function resolveClassifier(dirIn: string): ClassifierSpec {
  const dir = path.resolve(dirIn);
  if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) throw new AppError('not_found', `${dir}: not a folder`);
  const { file, config } = readConfig(dir);
  const { profile, hfArchitecture } = classifierProfileFor(config, file);
  for (const r of profile.refuse) {
    if (!r.ok.some((o) => o === config[r.field])) throw cfgErr(file, `${r.why} (${profile.name}: ${r.field} = ${JSON.stringify(config[r.field])})`);
  }
  const f = profile.fields;
  const layers = posInt(config, f.layers, file, 'number of layers');
  const hidden = posInt(config, f.hidden, file, 'hidden size');
  const heads = posInt(config, f.heads, file, 'attention heads');
  if (hidden % heads) throw cfgErr(file, `hidden size ${hidden} is not divisible by ${heads} attention heads`);
  const intermediate = posInt(config, f.intermediate, file, 'feed-forward size');
  const vocab = posInt(config, f.vocab, file, 'vocabulary size');
  const maxPos = posInt(config, f.maxPos, file, 'maximum positions');
  const typeVocab = f.typeVocab ? posInt(config, f.typeVocab, file, 'token type vocabulary') : 0;
  const epsRaw = f.eps ? (pick(config, f.eps) ?? profile.epsDefault) : profile.epsDefault;
  if (typeof epsRaw !== 'number' || !(epsRaw > 0)) throw cfgErr(file, `${f.eps?.[0]} must be a positive number (got ${JSON.stringify(epsRaw)})`);
  const actName = pick(config, f.activation);
  const activation = typeof actName === 'string' ? profile.activations[actName] : undefined;
  if (!activation) throw cfgErr(file, `${f.activation[0]} ${JSON.stringify(actName)} is not supported for ${profile.name} (supported: ${Object.keys(profile.activations).join(', ')})`);
  const labels = labelsOf(config, file);
  const nLabels = Object.keys(labels).length;
  if (Number.isSafeInteger(config.num_labels) && config.num_labels !== nLabels) {
    throw cfgErr(file, `num_labels ${String(config.num_labels)} disagrees with id2label (${nLabels} labels)`);
  }
  const { padTokenId, positionOffset, maxTokens } = inputLimits(profile, config, file);
  if (padTokenId >= vocab) throw cfgErr(file, `pad_token_id ${padTokenId} is outside the vocabulary (0..${vocab - 1})`);

  const checkpoint = openCheckpoint(dir);
  const sym: Record<EncoderShapeSym, number> = { vocab, hidden, inter: intermediate, maxPos, typeVocab, labels: nLabels };
  const tensors = new Map<string, TensorInfo>();
  let parameters = 0;
  const need = (key: string, t: EncoderTensorTemplate, name: string) => {
    const info = checkpoint.tensors.get(name);
    if (!info) throw new AppError('invalid_model', `${dir}: missing tensor '${name}' (required by ${profile.name} sequence classification)`);
    const want = t.shape.map((s) => sym[s]);
    if (info.shape.length !== want.length || info.shape.some((d, i) => d !== want[i])) {
      throw new AppError('invalid_model', `${info.file}: tensor '${name}' has shape [${info.shape.join(', ')}] but config.json implies [${want.join(', ')}] (${t.shape.join(', ')})`);
    }
    tensors.set(key, info);
    parameters += numel(info.shape);
  };
  for (const [role, t] of Object.entries(profile.globals) as [EncoderGlobalRole, EncoderTensorTemplate | undefined][]) if (t) need(role, t, t.name);
  for (let i = 0; i < layers; i++) {
    for (const [role, t] of Object.entries(profile.layer) as [EncoderLayerRole, EncoderTensorTemplate][]) need(`${role}.${i}`, t, t.name.replace('{i}', String(i)));
  }
  return {
    dir,
    arch: profile.name,
    profile,
    hfArchitecture,
    dims: { layers, hidden, heads, headDim: hidden / heads, intermediate, vocab, maxPos, typeVocab, labels: nLabels, eps: epsRaw },
    activation,
    padTokenId,
    positionOffset,
    maxTokens,
    labels,
    checkpoint,
    tensors,
    parameters,
    config,
  };
}
