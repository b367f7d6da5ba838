// Full-model training graph of a sequence classifier (the judge architectures: BERT / RoBERTa / DistilBERT): the
// engine's classifier graph (classifier/graph.ts) with every weight as a graph input, softmax cross-entropy on the
// class labels, and the backward pass from the same autodiff.
//
// Inputs:  input_ids, attention_mask, position_ids [batch, seq] int64 (right padding), token_type_ids when the
//          architecture has them, labels [batch] int64, and every weight under its checkpoint name.
// Outputs: loss [] (mean over the batch), grad/<name> for every weight.
import type { Feed } from '../engine/generate/generate';
import { addClassifier, type ClassifierGraphSpec } from '../engine/classifier/graph';
import { positionIds } from '../engine/classifier/session';
import type { WeightSource } from '../engine/decoder/spec';
import { builderFromGraph, buildStepGraph } from '../engine/graph/autodiff';
import { GraphBuilder } from '../engine/graph/builder';
import { softmaxCrossEntropy } from '../engine/graph/nn';
import { pruneGraph } from '../editing/graphs';
import { LABELS, type StepGraphInfo, type TrainGraphOptions } from './decoder';

/** Every distinct weight of a classifier. */
export function classifierParamNames(spec: Pick<ClassifierGraphSpec, 'tensors'>): string[] {
  return [...new Set([...spec.tensors.values()].map((t) => t.name))];
}

export function buildClassifierTrainGraph(spec: ClassifierGraphSpec, source: WeightSource, o: TrainGraphOptions = {}): StepGraphInfo {
  const params = o.params ?? classifierParamNames(spec);
  const fb = new GraphBuilder('classifier');
  const n = addClassifier(fb, spec, source, params);
  fb.output(n.logits, 'logits');
  let g = fb.build();
  if (o.transform) g = o.transform(g);
  const b = builderFromGraph(g, false);
  const logits = b.values.get('logits')!; // [batch, labels]
  const labels = b.input(LABELS, 'int64', ['batch']); // [batch]
  const loss = softmaxCrossEntropy(b, logits, labels); // []
  const step = buildStepGraph(b, loss, params.map((p) => b.values.get(p)!));
  return { graph: pruneGraph({ ...step.graph, name: 'classifier_train' }), loss: step.loss, grads: step.grads, params };
}

export interface ClassifierExample {
  /** token ids with the tokenizer's special tokens ([CLS] … [SEP]) */
  ids: number[];
  label: number;
}

/** Right-padded batch feeds (position ids as the judge runtime computes them). */
export function classifierBatch(
  examples: ClassifierExample[],
  o: { padTokenId: number; positionOffset: number; tokenTypes: boolean },
): Record<string, Feed> {
  const B = examples.length;
  if (!B) throw new Error('classifierBatch: no examples');
  const S = Math.max(...examples.map((e) => e.ids.length));
  const ids = new BigInt64Array(B * S); // [batch, seq]
  const mask = new BigInt64Array(B * S); // [batch, seq]
  const pos = new BigInt64Array(B * S); // [batch, seq]
  examples.forEach((e, r) => {
    const padded = [...e.ids, ...new Array<number>(S - e.ids.length).fill(o.padTokenId)];
    const p = positionIds(padded, o.padTokenId, o.positionOffset);
    for (let j = 0; j < S; j++) {
      ids[r * S + j] = BigInt(padded[j]);
      mask[r * S + j] = j < e.ids.length ? 1n : 0n;
      pos[r * S + j] = BigInt(p[j]);
    }
  });
  const feeds: Record<string, Feed> = {
    input_ids: { dtype: 'int64', dims: [B, S], data: ids },
    attention_mask: { dtype: 'int64', dims: [B, S], data: mask },
    position_ids: { dtype: 'int64', dims: [B, S], data: pos },
    [LABELS]: { dtype: 'int64', dims: [B], data: BigInt64Array.from(examples.map((e) => BigInt(e.label))) }, // [batch]
  };
  if (o.tokenTypes) feeds.token_type_ids = { dtype: 'int64', dims: [B, S], data: new BigInt64Array(B * S) };
  return feeds;
}
