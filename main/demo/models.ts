// Trains the two demo models from scratch with main/training and writes them as normal Hugging Face folders:
//   chat model  llama-architecture decoder (config.json, model.safetensors, tokenizer.json, tokenizer_config.json,
//               generation_config.json), trained on chatPairs() with the loss on the response tokens only
//   judge       BERT sequence classifier (id2label {0: safe, 1: unsafe}), trained on judgeTexts().train
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { AppError } from '../../shared/errors';
import { resolveModel } from '../engine/arch/registry';
import { resolveClassifier } from '../engine/arch/classifiers';
import { decoderSpecFromModel } from '../engine/decoder/adapter';
import { readTensorF32, type TensorInfo } from '../engine/safetensors/reader';
import { writeSafetensors } from '../engine/safetensors/writer';
import { loadTokenizer } from '../engine/text/tokenizer';
import { buildDecoderTrainGraph, decoderBatch, type ChatExample } from '../training/decoder';
import { buildClassifierTrainGraph, classifierBatch, type ClassifierExample } from '../training/classifier';
import { bertClassifierConfig, initClassifierTensors, initDecoderTensors, llamaConfig, type ClassifierDims, type DecoderDims } from '../training/init';
import { shuffled, StepSession, trainLoop, type TrainHooks, type TrainResult, type TrainSettings } from '../training/trainer';
import type { LabelledText, TextPair } from './data';
import { buildDemoTokenizer } from './tokenizer';

export interface ChatModelSettings {
  dims: Omit<DecoderDims, 'vocab'>;
  train: TrainSettings;
}

export interface JudgeSettings {
  dims: Omit<ClassifierDims, 'vocab' | 'typeVocab' | 'labels'>;
  train: TrainSettings;
}

const json = (dir: string, name: string, v: unknown) => fs.writeFileSync(path.join(dir, name), JSON.stringify(v, null, 2) + '\n');

type Weights = Map<string, { dims: number[]; data: Float32Array }>;

function readWeights(tensors: Iterable<TensorInfo>): Weights {
  const w: Weights = new Map();
  for (const t of tensors) if (!w.has(t.name)) w.set(t.name, { dims: t.shape, data: readTensorF32(t) });
  return w;
}

/**
 * Writes the trained weights. Their sha256 goes into the header metadata: the engine's prepared-weights cache is
 * keyed by the safetensors headers, which would otherwise be identical for every training run of the same shape.
 */
function saveWeights(file: string, w: Weights): void {
  const h = crypto.createHash('sha256');
  for (const [name, t] of w) h.update(name).update(new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength));
  const tensors = [...w].map(([name, t]) => ({ name, dtype: 'F32' as const, shape: t.dims, data: t.data }));
  writeSafetensors(file, tensors, { format: 'pt', weights_sha256: h.digest('hex') });
}

/**
 * Batches of examples drawn epoch by epoch from a seeded shuffle; each batch takes examples of similar length
 * (sorted within a window of 8 batches) so little of it is padding.
 */
export function batcher<T>(items: T[], size: number, length: (x: T) => number): (step: number, rand: () => number) => T[] {
  let queue: T[][] = [];
  return (_step, rand) => {
    if (!queue.length) {
      const order = shuffled(items, rand);
      const win = size * 8;
      for (let i = 0; i < order.length; i += win) {
        const chunk = order.slice(i, i + win).sort((a, b) => length(a) - length(b));
        for (let j = 0; j < chunk.length; j += size) queue.push(chunk.slice(j, j + size));
      }
      queue = shuffled(queue, rand);
    }
    return queue.shift()!;
  };
}

export interface ChatBuild {
  dir: string;
  examples: number;
  tokens: number;
  result: TrainResult;
  parameters: number;
}

/** Writes and trains the chat model into `dir` (created; replaced if present). */
export async function buildChatModel(dir: string, pairs: TextPair[], vocabTexts: string[], s: ChatModelSettings, hooks: TrainHooks = {}): Promise<ChatBuild> {
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  const tf = buildDemoTokenizer(vocabTexts, 'decoder', s.dims.maxPos);
  const dims: DecoderDims = { ...s.dims, vocab: tf.vocabSize };
  json(dir, 'config.json', llamaConfig(dims, { eos: tf.ids.eos, pad: tf.ids.pad }));
  json(dir, 'generation_config.json', { eos_token_id: tf.ids.eos, pad_token_id: tf.ids.pad, do_sample: false });
  json(dir, 'tokenizer.json', tf.tokenizerJson);
  json(dir, 'tokenizer_config.json', tf.tokenizerConfig);
  writeSafetensors(path.join(dir, 'model.safetensors'), initDecoderTensors('llama', dims, s.train.seed), { format: 'pt' });

  const ms = resolveModel(dir);
  const spec = decoderSpecFromModel(ms);
  const tok = loadTokenizer(dir);
  const examples: ChatExample[] = pairs.map((p, i) => {
    const prompt = tok.encode(p.prompt);
    const response = [...tok.encode(` ${p.response}`, { addSpecialTokens: false }), tf.ids.eos];
    if (prompt.length + response.length > dims.maxPos) {
      throw new AppError('demo_invalid', `demo pair ${i}: ${prompt.length + response.length} tokens do not fit the demo model's ${dims.maxPos} positions`);
    }
    return { prompt, response };
  });
  const weights = readWeights(ms.weights.values());
  const step = buildDecoderTrainGraph(spec, (n) => weights.get(n)!);
  const session = await StepSession.open(step, weights, s.train.threads);
  const next = batcher(examples, s.train.batchSize, (e) => e.prompt.length + e.response.length);
  let result: TrainResult;
  try {
    result = await trainLoop(session, (t, rand) => decoderBatch(spec, next(t, rand), tf.ids.pad), s.train, hooks, 'chat model');
  } finally {
    await session.release();
  }
  saveWeights(path.join(dir, 'model.safetensors'), weights);
  const parameters = [...weights.values()].reduce((a, w) => a + w.data.length, 0);
  return { dir, examples: examples.length, tokens: examples.reduce((a, e) => a + e.prompt.length + e.response.length, 0), result, parameters };
}

export interface JudgeBuild {
  dir: string;
  examples: number;
  result: TrainResult;
  parameters: number;
}

/** Writes and trains the judge into `dir` (created; replaced if present). */
export async function buildJudgeModel(dir: string, texts: LabelledText[], vocabTexts: string[], s: JudgeSettings, hooks: TrainHooks = {}): Promise<JudgeBuild> {
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  const tf = buildDemoTokenizer(vocabTexts, 'classifier', s.dims.maxPos);
  const dims: ClassifierDims = { ...s.dims, vocab: tf.vocabSize, typeVocab: 2, labels: 2 };
  json(dir, 'config.json', bertClassifierConfig(dims, { pad: tf.ids.pad }));
  json(dir, 'tokenizer.json', tf.tokenizerJson);
  json(dir, 'tokenizer_config.json', tf.tokenizerConfig);
  writeSafetensors(path.join(dir, 'model.safetensors'), initClassifierTensors('bert', dims, s.train.seed), { format: 'pt' });

  const spec = resolveClassifier(dir);
  const tok = loadTokenizer(dir);
  const examples: ClassifierExample[] = texts.map((t) => ({ ids: tok.encode(t.text).slice(0, spec.maxTokens), label: t.label }));
  const weights = readWeights(spec.tensors.values());
  const step = buildClassifierTrainGraph(spec, (n) => weights.get(n)!);
  const session = await StepSession.open(step, weights, s.train.threads);
  const next = batcher(examples, s.train.batchSize, (e) => e.ids.length);
  const opts = { padTokenId: spec.padTokenId, positionOffset: spec.positionOffset, tokenTypes: spec.tensors.has('typeEmbed') };
  let result: TrainResult;
  try {
    result = await trainLoop(session, (t, rand) => classifierBatch(next(t, rand), opts), s.train, hooks, 'judge');
  } finally {
    await session.release();
  }
  saveWeights(path.join(dir, 'model.safetensors'), weights);
  return { dir, examples: examples.length, result, parameters: [...weights.values()].reduce((a, w) => a + w.data.length, 0) };
}
