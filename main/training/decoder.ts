// Full-model training graph of a decoder: the engine's own decoder graph (decoder/graph.ts) with every weight as a
// graph input, a masked next-token loss on the assistant (response) tokens only, and its backward pass from the
// same autodiff DINM uses (graph/autodiff.ts). One step graph serves every training step.
//
// Inputs:  input_ids, attention_mask, position_ids [batch, seq] int64 (right padding), past.{i}.key/value with a
//          past length of 0, labels [batch, seq] int64 (the next token at assistant positions, else IGNORE),
//          and every weight under its checkpoint name.
// Outputs: loss [] (mean NLL over the labelled positions), grad/<name> for every weight.
import type { Feed } from '../engine/generate/generate';
import { buildDecoderGraph, pastName } from '../engine/decoder/graph';
import type { DecoderSpec, WeightSource } from '../engine/decoder/spec';
import { builderFromGraph, buildStepGraph } from '../engine/graph/autodiff';
import type { Graph } from '../engine/graph/ir';
import { softmaxCrossEntropy } from '../engine/graph/nn';
import { pruneGraph } from '../editing/graphs';

/** Label of a position that is not scored (prompt tokens, padding, the last position). */
export const IGNORE = -100;
export const LABELS = 'labels';

export interface StepGraphInfo {
  graph: Graph;
  /** output name of the loss */
  loss: string;
  /** output name of each parameter's gradient */
  grads: Record<string, string>;
  /** the trained tensors (graph inputs), in a fixed order */
  params: string[];
}

/** Every distinct weight of a decoder (a tied head is the embedding, counted once). */
export function decoderParamNames(spec: DecoderSpec): string[] {
  const names = [...Object.values(spec.globals), ...spec.layerTensors.flatMap((l) => Object.values(l))];
  return [...new Set(names.filter((n): n is string => !!n))];
}

export interface TrainGraphOptions {
  /** tensors to train (default: every weight) */
  params?: string[];
  /** applied to the forward graph before the loss is added (tests: promote to float64) */
  transform?: (g: Graph) => Graph;
}

/** Decoder forward (all positions' logits) + masked NLL on `labels` + gradients of every trained tensor. */
export function buildDecoderTrainGraph(spec: DecoderSpec, weights: WeightSource, o: TrainGraphOptions = {}): StepGraphInfo {
  const params = o.params ?? decoderParamNames(spec);
  let g = buildDecoderGraph(spec, weights, { dtype: 'float32', hiddenStates: false, allLogits: true, editable: params });
  if (o.transform) g = o.transform(g);
  const b = builderFromGraph(g, false);
  const logits = b.values.get('logits')!; // [batch, seq, vocab]
  const labels = b.input(LABELS, 'int64', ['batch', 'seq']); // [batch, seq]
  const loss = softmaxCrossEntropy(b, logits, labels, { ignoreIndex: IGNORE }); // []
  const step = buildStepGraph(b, loss, params.map((n) => b.values.get(n)!));
  return { graph: pruneGraph({ ...step.graph, name: 'decoder_train' }), loss: step.loss, grads: step.grads, params };
}

/** One training sequence: prompt tokens (not scored) then response tokens (scored, EOS included by the caller). */
export interface ChatExample {
  prompt: number[];
  response: number[];
}

/**
 * Right-padded batch feeds for the train graph. Position t is labelled with token t+1 when that token belongs to
 * the response, so only assistant tokens contribute to the loss.
 */
export function decoderBatch(spec: Pick<DecoderSpec, 'layers' | 'kvHeads' | 'headDim'>, examples: ChatExample[], padId: number): Record<string, Feed> {
  const B = examples.length;
  if (!B) throw new Error('decoderBatch: no examples');
  const S = Math.max(...examples.map((e) => e.prompt.length + e.response.length));
  const ids = new BigInt64Array(B * S).fill(BigInt(padId)); // [batch, seq]
  const mask = new BigInt64Array(B * S); // [batch, seq]
  const pos = new BigInt64Array(B * S); // [batch, seq]
  const labels = new BigInt64Array(B * S).fill(BigInt(IGNORE)); // [batch, seq]
  examples.forEach((e, r) => {
    const row = [...e.prompt, ...e.response];
    if (!e.response.length) throw new Error(`decoderBatch: example ${r} has no response tokens`);
    for (let j = 0; j < row.length; j++) {
      ids[r * S + j] = BigInt(row[j]);
      mask[r * S + j] = 1n;
      pos[r * S + j] = BigInt(j);
      if (j + 1 < row.length && j + 1 >= e.prompt.length) labels[r * S + j] = BigInt(row[j + 1]);
    }
  });
  const feeds: Record<string, Feed> = {
    input_ids: { dtype: 'int64', dims: [B, S], data: ids },
    attention_mask: { dtype: 'int64', dims: [B, S], data: mask },
    position_ids: { dtype: 'int64', dims: [B, S], data: pos },
    [LABELS]: { dtype: 'int64', dims: [B, S], data: labels },
  };
  for (let i = 0; i < spec.layers; i++)
    for (const k of ['key', 'value'] as const) feeds[pastName(i, k)] = { dtype: 'float32', dims: [B, spec.kvHeads, 0, spec.headDim], data: new Float32Array(0) };
  return feeds;
}

/** Number of scored tokens of an example (its response). */
export const scoredTokens = (e: ChatExample) => e.response.length;
