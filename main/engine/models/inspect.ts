// Validates a model folder end to end without reading weights: config.json against the architecture profile,
// every safetensors header, every required tensor's shape, and the tokenizer. The summary is what the registry
// stores and what the Models page shows.

import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { estimateMemory, resolveModel, type ModelSpec } from '../arch/registry';
import { loadTokenizer, type ModelTokenizer } from '../text/tokenizer';
import { AppError } from '../../../shared/errors';
import { checkpointFingerprint } from '../safetensors/fingerprint';
import type { ModelDimsOut, ModelInfo } from '../../../shared/api/models';

export type ModelSummary = Pick<
  ModelInfo,
  'arch' | 'hfArchitecture' | 'dtype' | 'parameters' | 'fileBytes' | 'dims' | 'maxContext' | 'slidingWindow' | 'memory' | 'tokenizer' | 'contentHash'
>;

/** sha256 over config.json bytes and the checkpoint fingerprint (headers, sizes, sampled weight bytes). */
export function contentHash(spec: ModelSpec): string {
  const h = crypto.createHash('sha256');
  h.update(fs.readFileSync(path.join(spec.dir, 'config.json')));
  h.update(checkpointFingerprint(spec.checkpoint.files));
  return h.digest('hex');
}

export function summarize(spec: ModelSpec, tok: ModelTokenizer): ModelSummary {
  const d = spec.dims;
  const dims: ModelDimsOut = {
    layers: d.layers,
    hidden: d.hidden,
    heads: d.heads,
    kvHeads: d.kvHeads,
    headDim: d.headDim,
    intermediate: d.intermediate,
    vocab: d.vocab,
    maxPos: d.maxPos,
  };
  const m = estimateMemory(spec);
  return {
    arch: spec.arch,
    hfArchitecture: spec.hfArchitecture,
    dtype: spec.dtype,
    parameters: spec.parameters,
    fileBytes: spec.checkpoint.fileBytes,
    dims,
    maxContext: spec.maxContext,
    slidingWindow: spec.slidingWindow,
    memory: { weightsF32: m.weightsF32, weightsF16: m.weightsF16, kvCache: m.kvCache, totalCpu: m.totalCpu, context: m.context },
    tokenizer: {
      vocabSize: tok.info.vocabSize,
      bosToken: tok.info.bosToken,
      eosToken: tok.info.eosToken,
      hasChatTemplate: tok.info.hasChatTemplate,
    },
    contentHash: contentHash(spec),
  };
}

/** Full validation of a folder; throws AppError naming the file and what is wrong. */
export function inspectModelFolder(dir: string): { spec: ModelSpec; tokenizer: ModelTokenizer; summary: ModelSummary } {
  const spec = resolveModel(dir);
  const tokenizer = loadTokenizer(spec.dir);
  if (tokenizer.info.maxId >= spec.dims.vocab) {
    throw new AppError(
      'invalid_model',
      `${path.join(spec.dir, 'tokenizer.json')}: token id ${tokenizer.info.maxId} is outside the model's vocabulary (vocab_size ${spec.dims.vocab} in config.json)`,
    );
  }
  return { spec, tokenizer, summary: summarize(spec, tokenizer) };
}
