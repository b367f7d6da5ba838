// Resolves a Hugging Face model folder into a normalised ModelSpec: picks the architecture profile, validates
// config.json against it (clear errors for what the engine does not support), and checks that every tensor the
// profile requires exists in the checkpoint with the shape the config implies. Nothing here reads weights.

import fs from 'node:fs';
import path from 'node:path';
import { AppError } from '../../../shared/errors';
import { openCheckpoint, numel, type Checkpoint, type TensorInfo } from '../safetensors/reader';
import type { StDtype } from '../safetensors/dtype';
import {
  PROFILES,
  SUPPORTED_ROPE_TYPES,
  type ArchName,
  type ArchProfile,
  type GlobalRole,
  type LayerRole,
  type ShapeSym,
  type TensorTemplate,
  type TensorWhen,
} from './profiles';
import type { RopeScaling, RopeSpec } from './rope';

export { PROFILES, type ArchName, type ArchProfile } from './profiles';

export const SUPPORTED_ARCHS = Object.keys(PROFILES) as ArchName[];

export interface ModelDims {
  layers: number;
  hidden: number;
  heads: number;
  kvHeads: number;
  headDim: number;
  intermediate: number;
  vocab: number;
  maxPos: number;
  eps: number;
  /** null for learned positions */
  ropeTheta: number | null;
}

export interface ModelSpec {
  dir: string;
  arch: ArchName;
  profile: ArchProfile;
  /** config.json architectures[0] (or model_type when absent) */
  hfArchitecture: string;
  dims: ModelDims;
  activation: 'silu' | 'gelu_tanh';
  tiedEmbeddings: boolean;
  bias: { qkv: boolean; o: boolean };
  rope: RopeSpec | null;
  /** sliding-window size when the config turns it on, else null */
  slidingWindow: number | null;
  /**
   * Longest sequence (prompt + generated) the engine runs. With a sliding window in use this is capped at the
   * window, so full causal attention equals the model's windowed attention for every sequence we run.
   */
  maxContext: number;
  /** dominant stored dtype of the weights */
  dtype: StDtype;
  /** config.json torch_dtype / dtype when given */
  configDtype: string | null;
  checkpoint: Checkpoint;
  /** resolved tensor for each required role: 'embed', 'lmHead', ... and `${role}.${layer}` for layer roles */
  weights: Map<string, TensorInfo>;
  /** parameter count of the required tensors (tied embeddings counted once) */
  parameters: number;
  bosTokenId: number | null;
  eosTokenIds: number[];
  padTokenId: number | null;
  config: Record<string, unknown>;
}

function cfgErr(file: string, what: string): AppError {
  return new AppError('invalid_model', `${file}: ${what}`);
}

function readJson(file: string, required: boolean): Record<string, unknown> | null {
  if (!fs.existsSync(file)) {
    if (required) throw new AppError('invalid_model', `${file}: missing (a model folder needs config.json)`);
    return null;
  }
  let v: unknown;
  try {
    v = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (e) {
    throw cfgErr(file, `not valid JSON (${(e as Error).message})`);
  }
  if (!v || typeof v !== 'object' || Array.isArray(v)) throw cfgErr(file, 'not a JSON object');
  return v as Record<string, unknown>;
}

/** Finds the profile for a config, or refuses naming the architecture and listing the supported ones. */
export function profileForConfig(config: Record<string, unknown>, file = 'config.json'): { profile: ArchProfile; hfArchitecture: string } {
  const archs = Array.isArray(config.architectures) ? (config.architectures as unknown[]).filter((a): a is string => typeof a === 'string') : [];
  const modelType = typeof config.model_type === 'string' ? config.model_type : null;
  const supportedList = SUPPORTED_ARCHS.map((a) => `${a} (${PROFILES[a].hfArchitectures.join(', ')})`).join('; ');
  if (archs.length) {
    const p = Object.values(PROFILES).find((pr) => pr.hfArchitectures.includes(archs[0]));
    if (p) return { profile: p, hfArchitecture: archs[0] };
    throw new AppError(
      'unsupported_architecture',
      `${file}: architecture ${archs[0]}${modelType ? ` (model_type ${modelType})` : ''} is not supported; supported: ${supportedList}`,
    );
  }
  if (modelType) {
    const p = Object.values(PROFILES).find((pr) => pr.modelTypes.includes(modelType));
    if (p) return { profile: p, hfArchitecture: p.hfArchitectures[0] };
    throw new AppError('unsupported_architecture', `${file}: model_type ${modelType} is not supported; supported: ${supportedList}`);
  }
  throw cfgErr(file, `neither "architectures" nor "model_type" is set; supported: ${supportedList}`);
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

export function parseRope(config: Record<string, unknown>, file: string, headDim: number): RopeSpec {
  const params = (config.rope_parameters && typeof config.rope_parameters === 'object' ? config.rope_parameters : null) as Record<string, unknown> | null;
  const scalingRaw = (config.rope_scaling && typeof config.rope_scaling === 'object' ? config.rope_scaling : params) as Record<string, unknown> | null;
  const theta = (params?.rope_theta ?? config.rope_theta ?? 10000) as unknown;
  if (typeof theta !== 'number' || !(theta > 0)) throw cfgErr(file, `rope_theta must be a positive number (got ${JSON.stringify(theta)})`);
  const prf = config.partial_rotary_factor ?? params?.partial_rotary_factor;
  if (prf !== undefined && prf !== null && prf !== 1 && prf !== 1.0) throw cfgErr(file, `partial_rotary_factor ${String(prf)} is not supported`);
  let scaling: RopeScaling = { type: 'default' };
  if (scalingRaw) {
    const type = String(scalingRaw.rope_type ?? scalingRaw.type ?? 'default');
    if (!(SUPPORTED_ROPE_TYPES as readonly string[]).includes(type)) {
      throw cfgErr(file, `rope scaling type '${type}' is not supported (supported: ${SUPPORTED_ROPE_TYPES.join(', ')})`);
    }
    const num = (k: string) => {
      const v = scalingRaw[k];
      if (typeof v !== 'number' || !(v > 0)) throw cfgErr(file, `rope scaling '${type}' needs a positive number ${k} (got ${JSON.stringify(v)})`);
      return v;
    };
    if (type === 'linear') scaling = { type, factor: num('factor') };
    if (type === 'llama3') {
      scaling = {
        type,
        factor: num('factor'),
        lowFreqFactor: num('low_freq_factor'),
        highFreqFactor: num('high_freq_factor'),
        originalMaxPos: num('original_max_position_embeddings'),
      };
    }
  }
  if (headDim % 2) throw cfgErr(file, `head_dim ${headDim} must be even for rotary embeddings`);
  return { theta, dim: headDim, scaling };
}

function flag(config: Record<string, unknown>, f: boolean | { field: string }): boolean {
  return typeof f === 'boolean' ? f : config[f.field] === true;
}

function ids(v: unknown): number[] {
  if (Number.isSafeInteger(v)) return [v as number];
  if (Array.isArray(v)) return v.filter((x): x is number => Number.isSafeInteger(x));
  return [];
}

/** The tensor name for a role (layer roles need `layer`). */
export function tensorName(profile: ArchProfile, role: GlobalRole | LayerRole, layer?: number): string | null {
  const t = (profile.globals as Record<string, TensorTemplate | undefined>)[role] ?? (profile.layer as Record<string, TensorTemplate | undefined>)[role];
  if (!t) return null;
  return t.name.replace('{i}', String(layer ?? 0));
}

/** The resolved tensor for a role of a spec; throws if the architecture has no such tensor. */
export function weight(spec: ModelSpec, role: GlobalRole | LayerRole, layer?: number): TensorInfo {
  const t = spec.weights.get(layer === undefined ? role : `${role}.${layer}`);
  if (!t) throw new AppError('internal', `${spec.arch}: no tensor for role ${role}${layer === undefined ? '' : ` layer ${layer}`}`);
  return t;
}

/** Reads and validates config.json (+ generation_config.json) and the checkpoint headers of a model folder. */
export function resolveModel(dirIn: string): ModelSpec {
  const dir = path.resolve(dirIn);
  if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) throw new AppError('not_found', `${dir}: not a folder`);
  const cfgFile = path.join(dir, 'config.json');
  const config = readJson(cfgFile, true)!;
  const { profile, hfArchitecture } = profileForConfig(config, cfgFile);
  for (const r of profile.refuse) {
    if (!r.ok.some((o) => o === config[r.field])) throw cfgErr(cfgFile, `${r.why} (${profile.name})`);
  }
  const f = profile.fields;
  const layers = posInt(config, f.layers, cfgFile, 'number of layers');
  const hidden = posInt(config, f.hidden, cfgFile, 'hidden size');
  const heads = posInt(config, f.heads, cfgFile, 'attention heads');
  const kvHeads = pick(config, f.kvHeads) === undefined ? heads : posInt(config, f.kvHeads!, cfgFile, 'key/value heads');
  if (heads % kvHeads) throw cfgErr(cfgFile, `num_attention_heads ${heads} is not a multiple of num_key_value_heads ${kvHeads}`);
  let headDim: number;
  if (pick(config, f.headDim) !== undefined) headDim = posInt(config, f.headDim!, cfgFile, 'head dim');
  else {
    if (hidden % heads) throw cfgErr(cfgFile, `hidden size ${hidden} is not divisible by ${heads} heads and head_dim is not given`);
    headDim = hidden / heads;
  }
  const intermediate =
    pick(config, f.intermediate) === undefined && profile.intermediateDefaultMultiple
      ? hidden * profile.intermediateDefaultMultiple
      : posInt(config, f.intermediate, cfgFile, 'MLP size');
  const vocab = posInt(config, f.vocab, cfgFile, 'vocabulary size');
  const maxPos = posInt(config, f.maxPos, cfgFile, 'maximum positions');
  const epsRaw = pick(config, f.eps) ?? profile.epsDefault;
  if (typeof epsRaw !== 'number' || !(epsRaw > 0)) throw cfgErr(cfgFile, `${f.eps[0]} must be a positive number (got ${JSON.stringify(epsRaw)})`);
  const actName = pick(config, f.activation);
  const activation = typeof actName === 'string' ? profile.activations[actName] : undefined;
  if (!activation) {
    throw cfgErr(cfgFile, `${f.activation[0]} ${JSON.stringify(actName)} is not supported for ${profile.name} (supported: ${Object.keys(profile.activations).join(', ')})`);
  }
  const rope = profile.position === 'rope' ? parseRope(config, cfgFile, headDim) : null;

  let slidingWindow: number | null = null;
  if (profile.slidingWindow) {
    const sw = config[profile.slidingWindow.field];
    const layerTypes = Array.isArray(config.layer_types) ? (config.layer_types as unknown[]) : [];
    const enabled = profile.slidingWindow.enabledField
      ? config[profile.slidingWindow.enabledField] === true || layerTypes.includes('sliding_attention')
      : sw !== null && sw !== undefined;
    if (enabled) {
      if (!Number.isSafeInteger(sw) || (sw as number) <= 0) throw cfgErr(cfgFile, `sliding window is on but ${profile.slidingWindow.field} is ${JSON.stringify(sw)}`);
      slidingWindow = sw as number;
    }
  }
  const maxContext = slidingWindow ? Math.min(maxPos, slidingWindow) : maxPos;

  const tieRaw = config.tie_word_embeddings;
  const tiedEmbeddings = typeof tieRaw === 'boolean' ? tieRaw : profile.tiedDefault;
  const bias = { qkv: flag(config, profile.qkvBias), o: flag(config, profile.oBias) };

  // Weights: every required tensor present with the shape the config implies.
  const checkpoint = openCheckpoint(dir);
  const q = heads * headDim;
  const kv = kvHeads * headDim;
  const sym: Record<ShapeSym, number> = { vocab, hidden, inter: intermediate, q, kv, qkv: q + 2 * kv, maxPos };
  const active: Record<TensorWhen, boolean> = { always: true, untied: !tiedEmbeddings, qkvBias: bias.qkv, oBias: bias.o };
  const weights = new Map<string, TensorInfo>();
  let parameters = 0;
  const prefix = profile.optionalPrefix;
  const find = (name: string): TensorInfo | undefined =>
    checkpoint.tensors.get(name) ?? (prefix && name.startsWith(prefix) ? checkpoint.tensors.get(name.slice(prefix.length)) : undefined);
  const need = (key: string, t: TensorTemplate, name: string) => {
    if (!active[t.when ?? 'always']) return;
    const info = find(name);
    if (!info) throw new AppError('invalid_model', `${dir}: missing tensor '${name}' (required by ${profile.name}${t.when && t.when !== 'always' ? `, ${t.when}` : ''})`);
    const want = t.shape.map((s) => sym[s]);
    if (info.shape.length !== want.length || info.shape.some((d, i) => d !== want[i])) {
      throw new AppError(
        'invalid_model',
        `${info.file}: tensor '${name}' has shape [${info.shape.join(', ')}] but config.json implies [${want.join(', ')}] (${t.shape.join(', ')})`,
      );
    }
    weights.set(key, info);
    parameters += numel(info.shape);
  };
  for (const [role, t] of Object.entries(profile.globals) as [GlobalRole, TensorTemplate][]) need(role, t, t.name);
  for (let i = 0; i < layers; i++) {
    for (const [role, t] of Object.entries(profile.layer) as [LayerRole, TensorTemplate][]) need(`${role}.${i}`, t, t.name.replace('{i}', String(i)));
  }
  // An untied checkpoint that nevertheless declares tied embeddings and ships lm_head is fine (ignored).

  const dtypeEntries = Object.entries(checkpoint.dtypes) as [StDtype, number][];
  const dtype = dtypeEntries.sort((a, b) => b[1] - a[1])[0]?.[0] ?? 'F32';
  const cd = config.torch_dtype ?? config.dtype;

  const gen = readJson(path.join(dir, 'generation_config.json'), false);
  const bos = gen?.bos_token_id ?? config.bos_token_id;
  const eos = ids(gen?.eos_token_id ?? config.eos_token_id);
  const pad = gen?.pad_token_id ?? config.pad_token_id;
  for (const [what, v] of [['bos_token_id', bos], ['pad_token_id', pad]] as const) {
    if (v !== undefined && v !== null && !(Number.isSafeInteger(v) && (v as number) >= 0 && (v as number) < vocab)) {
      throw cfgErr(cfgFile, `${what} ${JSON.stringify(v)} is outside the vocabulary (0..${vocab - 1})`);
    }
  }
  for (const e of eos) if (e < 0 || e >= vocab) throw cfgErr(cfgFile, `eos_token_id ${e} is outside the vocabulary (0..${vocab - 1})`);

  return {
    dir,
    arch: profile.name,
    profile,
    hfArchitecture,
    dims: { layers, hidden, heads, kvHeads, headDim, intermediate, vocab, maxPos, eps: epsRaw, ropeTheta: rope?.theta ?? null },
    activation,
    tiedEmbeddings,
    bias,
    rope,
    slidingWindow,
    maxContext,
    dtype,
    configDtype: typeof cd === 'string' ? cd : null,
    checkpoint,
    weights,
    parameters,
    bosTokenId: Number.isSafeInteger(bos) ? (bos as number) : null,
    eosTokenIds: eos,
    padTokenId: Number.isSafeInteger(pad) ? (pad as number) : null,
    config,
  };
}

export interface MemoryEstimate {
  /** float32 weights as the CPU provider holds them */
  weightsF32: number;
  /** float16 weights as GPU providers hold them */
  weightsF16: number;
  /** K and V for every layer at `context` tokens × `batch`, float32 */
  kvCache: number;
  /** weightsF32 + kvCache */
  totalCpu: number;
  context: number;
  batch: number;
}

/** Bytes needed to run the model: weights plus KV cache for a context (defaults to maxContext, capped at 4096). */
export function estimateMemory(spec: ModelSpec, opts: { context?: number; batch?: number } = {}): MemoryEstimate {
  const context = Math.min(opts.context ?? Math.min(spec.maxContext, 4096), spec.maxContext);
  const batch = opts.batch ?? 1;
  const d = spec.dims;
  const kvCache = 2 * d.layers * d.kvHeads * d.headDim * context * batch * 4;
  const weightsF32 = spec.parameters * 4;
  return { weightsF32, weightsF16: spec.parameters * 2, kvCache, totalCpu: weightsF32 + kvCache, context, batch };
}
