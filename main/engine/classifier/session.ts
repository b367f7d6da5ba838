// A sequence classifier ready to score texts: tokenizer, truncation, right padding, position ids, batching, and
// one ORT session — over the engine's own graph (a Hugging Face folder with safetensors) or over a prebuilt ONNX
// classifier file. ORT's run() blocks its thread: the app creates these only off the main thread (worker.ts).
import fs from 'node:fs';
import path from 'node:path';
import type * as OrtTypes from 'onnxruntime-node';
import { AppError } from '../../../shared/errors';
import { classifierProfileFor, inputLimits, labelsOf, readConfig, resolveClassifier, type ClassifierProfile } from '../arch/classifiers';
import { loadTokenizer, type ModelTokenizer } from '../text/tokenizer';
import { ort } from '../runtime/session';
import { prepareClassifier, readPreparedClassifierWeight } from './prepare';
import { DEFAULT_CLASSIFIER_VARIANT, type ClassifierVariant } from './graph';

export interface ClassifierOpenOptions {
  /** where the engine cache lives (graphs built from safetensors) */
  dataDir: string;
  provider?: string;
  threads?: number;
  variant?: ClassifierVariant;
  onProgress?: (fraction: number, stage: string) => void;
}

export interface ClassifierInfo {
  kind: 'hf-folder' | 'onnx';
  /** the model folder (tokenizer and config) */
  dir: string;
  /** the ONNX file run (built into the cache, or the prebuilt one) */
  modelPath: string;
  /** profile name, or config model_type for a prebuilt file */
  arch: string;
  labels: Record<string, string>;
  maxTokens: number;
  padTokenId: number;
  positionOffset: number;
}

/** Token ids of `text` with the tokenizer's special tokens, truncated to `max` tokens keeping the specials
 *  (as transformers' truncation=True, truncation_side='right'). */
export function encodeTruncated(tok: ModelTokenizer, text: string, max: number): number[] {
  const full = tok.encode(text);
  if (full.length <= max) return full;
  const plain = tok.encode(text, { addSpecialTokens: false });
  const nSpecial = full.length - plain.length;
  if (nSpecial < 0 || nSpecial >= max) return full.slice(0, max);
  // where the text sits between the special tokens (prefix [CLS]/<s>, suffix [SEP]/</s>)
  for (let p = 0; p <= nSpecial; p++) {
    let same = true;
    for (let i = 0; i < plain.length && same; i++) same = full[p + i] === plain[i];
    if (same) return [...full.slice(0, p), ...plain.slice(0, max - nSpecial), ...full.slice(p + plain.length)];
  }
  return full.slice(0, max);
}

/**
 * Position ids of one right-padded row. 'after_padding_idx' follows RoBERTa: a token that is not the pad id gets
 * pad + (number of non-pad tokens up to and including it), a pad token gets pad; otherwise 0, 1, 2, ….
 */
export function positionIds(ids: number[], padTokenId: number, positionOffset: number): number[] {
  if (positionOffset === 0) return ids.map((_, i) => i);
  let n = 0;
  return ids.map((id) => (id === padTokenId ? padTokenId : padTokenId + ++n));
}

export function softmax(row: ArrayLike<number>): number[] {
  let m = -Infinity;
  for (let i = 0; i < row.length; i++) m = Math.max(m, row[i]);
  const e = Array.from(row, (x) => Math.exp(x - m));
  const s = e.reduce((a, b) => a + b, 0);
  return e.map((x) => x / s);
}

const FEEDABLE = new Set(['input_ids', 'attention_mask', 'position_ids', 'token_type_ids']);

function findOnnxFile(p: string): string {
  if (fs.statSync(p).isFile()) return p;
  const files = fs.readdirSync(p).filter((f) => f.endsWith('.onnx'));
  if (files.includes('model.onnx')) return path.join(p, 'model.onnx');
  if (files.length === 1) return path.join(p, files[0]);
  throw new AppError('invalid_input', `${p}: ${files.length ? `several .onnx files (${files.join(', ')}); give the one to use` : 'no .onnx file'}`);
}

export class ClassifierSession {
  private trainableFeeds = new Map<string, Float32Array>();

  private constructor(
    readonly info: ClassifierInfo,
    readonly tokenizer: ModelTokenizer,
    private readonly session: OrtTypes.InferenceSession,
    private readonly inputTypes: Map<string, 'int64' | 'int32'>,
    private readonly logitsName: string,
    private readonly trainableDims: Map<string, number[]>,
  ) {}

  /**
   * Opens a classifier: a Hugging Face folder (config.json + safetensors + tokenizer.json; graph built by the
   * engine), or a prebuilt ONNX classifier (a .onnx file, or a folder holding one, with tokenizer.json and
   * config.json beside it).
   */
  static async open(p: string, o: ClassifierOpenOptions): Promise<ClassifierSession> {
    const abs = path.resolve(p);
    if (!fs.existsSync(abs)) throw new AppError('not_found', `classifier: ${abs} does not exist`);
    const isFile = fs.statSync(abs).isFile();
    const dir = isFile ? path.dirname(abs) : abs;
    const prebuilt = isFile || fs.readdirSync(abs).some((f) => f.endsWith('.onnx'));
    const tokenizerFile = path.join(dir, 'tokenizer.json');
    if (!fs.existsSync(tokenizerFile)) throw new AppError('invalid_model', `classifier: ${dir} has no tokenizer.json (the judge needs the classifier's own tokenizer)`);
    const variant = o.variant ?? DEFAULT_CLASSIFIER_VARIANT;
    let info: ClassifierInfo;
    const trainableDims = new Map<string, number[]>();
    const trainableData = new Map<string, Float32Array>();
    if (prebuilt) {
      if (variant.trainable.length || variant.pooled) throw new AppError('invalid_input', `classifier: ${abs} is a prebuilt ONNX file; its graph cannot be changed`);
      const modelPath = findOnnxFile(abs);
      const { file, config } = readConfig(dir);
      let profile: ClassifierProfile | null = null;
      try {
        profile = classifierProfileFor(config, file).profile;
      } catch {
        profile = null; // a prebuilt file may come from any architecture; only its inputs matter
      }
      info = { kind: 'onnx', dir, modelPath, arch: profile?.name ?? String(config.model_type ?? 'onnx'), labels: labelsOf(config, file), ...inputLimits(profile, config, file) };
    } else {
      const spec = resolveClassifier(dir);
      o.onProgress?.(0, 'preparing the classifier');
      const prep = prepareClassifier(spec, o.dataDir, variant, (f) => o.onProgress?.(f, 'preparing the classifier'));
      for (const name of variant.trainable) {
        trainableDims.set(name, prep.manifest.tensors[name].dims);
        trainableData.set(name, readPreparedClassifierWeight(prep, name));
      }
      info = { kind: 'hf-folder', dir, modelPath: prep.modelPath, arch: spec.arch, labels: spec.labels, maxTokens: spec.maxTokens, padTokenId: spec.padTokenId, positionOffset: spec.positionOffset };
    }
    const tokenizer = loadTokenizer(dir);
    let session: OrtTypes.InferenceSession;
    try {
      session = await ort().InferenceSession.create(info.modelPath, {
        executionProviders: [o.provider ?? 'cpu'],
        graphOptimizationLevel: 'all',
        ...(o.threads ? { intraOpNumThreads: o.threads } : {}),
      });
    } catch (e) {
      throw new AppError('invalid_model', `classifier: ${info.modelPath} cannot be loaded by onnxruntime (${(e as Error).message})`);
    }
    const inputTypes = new Map<string, 'int64' | 'int32'>();
    for (const m of session.inputMetadata) {
      if (trainableDims.has(m.name)) continue;
      if (!FEEDABLE.has(m.name)) {
        await session.release();
        throw new AppError('invalid_model', `classifier: ${info.modelPath} needs an input '${m.name}' the judge cannot provide (it feeds ${[...FEEDABLE].join(', ')})`);
      }
      const t = m.isTensor ? m.type : 'int64';
      if (t !== 'int64' && t !== 'int32') {
        await session.release();
        throw new AppError('invalid_model', `classifier: ${info.modelPath}: input '${m.name}' is ${t}, expected int64 or int32`);
      }
      inputTypes.set(m.name, t);
    }
    if (!inputTypes.has('input_ids')) {
      await session.release();
      throw new AppError('invalid_model', `classifier: ${info.modelPath} has no 'input_ids' input`);
    }
    const logitsName = session.outputNames.includes('logits') ? 'logits' : session.outputNames[0];
    const s = new ClassifierSession(info, tokenizer, session, inputTypes, logitsName, trainableDims);
    s.trainableFeeds = trainableData;
    return s;
  }

  get labels(): Record<string, string> {
    return this.info.labels;
  }

  /** Ids per text, truncated to maxTokens. */
  encode(texts: string[]): number[][] {
    return texts.map((t) => encodeTruncated(this.tokenizer, t, this.info.maxTokens));
  }

  /** Replaces the value fed for a trainable weight (e.g. during training); starts as the checkpoint value. */
  setWeight(name: string, data: Float32Array): void {
    const dims = this.trainableDims.get(name);
    if (!dims) throw new Error(`'${name}' is not a trainable weight of this classifier session`);
    if (data.length !== dims.reduce((a, b) => a * b, 1)) throw new Error(`weight '${name}': ${data.length} values for [${dims.join(', ')}]`);
    this.trainableFeeds.set(name, data);
  }

  /** Logits of one padded batch of token ids (right padding). Returns [rows][labels]. */
  async logitsOfIds(batch: number[][]): Promise<number[][]> {
    const O = ort();
    const B = batch.length;
    const S = Math.max(1, ...batch.map((r) => r.length));
    const { padTokenId, positionOffset } = this.info;
    const ids = new Array<number>(B * S).fill(padTokenId);
    const mask = new Array<number>(B * S).fill(0);
    const pos = new Array<number>(B * S).fill(0);
    batch.forEach((row, r) => {
      const padded = [...row, ...new Array<number>(S - row.length).fill(padTokenId)];
      const p = positionIds(padded, padTokenId, positionOffset);
      for (let j = 0; j < S; j++) {
        ids[r * S + j] = padded[j];
        mask[r * S + j] = j < row.length ? 1 : 0;
        pos[r * S + j] = p[j];
      }
    });
    const values: Record<string, number[]> = { input_ids: ids, attention_mask: mask, position_ids: pos, token_type_ids: new Array<number>(B * S).fill(0) };
    const feeds: Record<string, OrtTypes.Tensor> = {};
    for (const [name, t] of this.inputTypes) {
      const v = values[name];
      feeds[name] = t === 'int64' ? new O.Tensor('int64', BigInt64Array.from(v, BigInt), [B, S]) : new O.Tensor('int32', Int32Array.from(v), [B, S]);
    }
    for (const [name, data] of this.trainableFeeds) feeds[name] = new O.Tensor('float32', data, this.trainableDims.get(name)!);
    const out = await this.session.run(feeds);
    const t = out[this.logitsName];
    const n = Object.keys(this.info.labels).length;
    if (t.dims.length !== 2 || t.dims[0] !== B || t.dims[1] !== n) {
      throw new AppError('invalid_model', `classifier: ${this.info.modelPath}: output '${this.logitsName}' has shape [${t.dims.join(', ')}], expected [${B}, ${n}] (config id2label has ${n} labels)`);
    }
    const data = t.data as Float32Array;
    return Array.from({ length: B }, (_, r) => Array.from(data.subarray(r * n, (r + 1) * n)));
  }

  /**
   * Logits per text, in order. Texts are sorted by length and run in batches of `batchSize` (less padding);
   * padding is masked, so a text's logits do not depend on its batch.
   */
  async logits(texts: string[], opts: { batchSize?: number; signal?: AbortSignal } = {}): Promise<number[][]> {
    const ids = this.encode(texts);
    const order = ids.map((_, i) => i).sort((a, b) => ids[a].length - ids[b].length);
    const bs = Math.max(1, opts.batchSize ?? 16);
    const out = new Array<number[]>(texts.length);
    for (let k = 0; k < order.length; k += bs) {
      if (opts.signal?.aborted) throw new AppError('cancelled', 'cancelled');
      const idx = order.slice(k, k + bs);
      const rows = await this.logitsOfIds(idx.map((i) => ids[i]));
      idx.forEach((i, r) => (out[i] = rows[r]));
    }
    return out;
  }

  /** Class probabilities (softmax of the logits) per text. */
  async probabilities(texts: string[], opts: { batchSize?: number; signal?: AbortSignal } = {}): Promise<number[][]> {
    return (await this.logits(texts, opts)).map(softmax);
  }

  async release(): Promise<void> {
    await this.session.release();
  }
}
