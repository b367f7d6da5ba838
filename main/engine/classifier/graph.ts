// Encoder sequence classifier (BERT / RoBERTa / DistilBERT) as an engine Graph, built from a ClassifierSpec
// (data-driven by its profile: head activation, token types, activation, eps). Built with the same GraphBuilder
// and nn.ts composites as the decoder, so autodiff can differentiate it (a training graph adds a loss on `logits`).
//
// Inputs:  input_ids [batch, seq] int64, attention_mask [batch, seq] int64 (1 = token, 0 = padding),
//          position_ids [batch, seq] int64 (computed by the caller: session.ts positionIds),
//          token_type_ids [batch, seq] int64 (only when the architecture has a token-type embedding),
//          and every trainable weight under its checkpoint name (variant.trainable).
// Outputs: logits [batch, labels] f32; optionally pooled [batch, hidden] (the head's input after its activation).
import { GraphBuilder } from '../graph/builder';
import type { Graph, Value } from '../graph/ir';
import { ACTIVATIONS, layerNorm } from '../graph/nn';
import type { EncoderGlobalRole, EncoderLayerRole } from '../arch/classifiers';
import type { WeightSource } from '../decoder/spec';

/** What the graph needs from a resolved classifier (ClassifierSpec satisfies it; tests may build one by hand). */
export interface ClassifierGraphSpec {
  dims: { layers: number; hidden: number; heads: number; headDim: number; labels: number; eps: number; typeVocab: number };
  activation: 'gelu' | 'gelu_tanh' | 'relu';
  profile: { headActivation: 'tanh' | 'relu' };
  /** checkpoint tensor name per role: `embed`, … and `${role}.${layer}` */
  tensors: Map<string, { name: string; shape: number[] }>;
}

export interface ClassifierVariant {
  /** checkpoint tensor names that become graph inputs (fed on every run) instead of initializers */
  trainable: string[];
  /** also output `pooled` [batch, hidden] */
  pooled: boolean;
}

export const DEFAULT_CLASSIFIER_VARIANT: ClassifierVariant = { trainable: [], pooled: false };

export interface ClassifierNodes {
  inputIds: Value;
  attentionMask: Value;
  positionIds: Value;
  tokenTypeIds: Value | null;
  /** [batch, labels] */
  logits: Value;
  /** [batch, hidden] */
  pooled: Value;
  /** every weight value by checkpoint name (graph inputs for trainable ones) */
  weights: Map<string, Value>;
}

const ACT_NAME: Record<ClassifierGraphSpec['activation'], keyof typeof ACTIVATIONS> = { gelu: 'gelu', gelu_tanh: 'gelu_new', relu: 'relu' };

/**
 * Adds the classifier's forward pass to `b` (float32) and returns its values; the caller declares outputs. This
 * lets a training graph add softmaxCrossEntropy(logits, labels) and grad() with respect to `weights`.
 */
export function addClassifier(b: GraphBuilder, spec: ClassifierGraphSpec, source: WeightSource, trainable: readonly string[] = []): ClassifierNodes {
  const { hidden: H, heads, headDim: hd, layers, eps } = spec.dims;
  const train = new Set(trainable);
  const known = new Set([...spec.tensors.values()].map((t) => t.name));
  for (const t of train) if (!known.has(t)) throw new Error(`trainable tensor '${t}' is not a weight of this classifier`);
  const weights = new Map<string, Value>();
  const w = (role: EncoderGlobalRole | EncoderLayerRole, layer?: number): Value => {
    const key = layer === undefined ? role : `${role}.${layer}`;
    const t = spec.tensors.get(key);
    if (!t) throw new Error(`the classifier has no '${key}' tensor`);
    const have = weights.get(t.name);
    if (have) return have;
    const ref = source(t.name);
    if (ref.data instanceof Uint16Array) throw new Error(`weight '${t.name}' is float16; the classifier graph computes in float32`);
    const v = train.has(t.name) ? b.input(t.name, 'float32', ref.dims) : b.initializer(t.name, 'float32', ref.dims, ref.data);
    weights.set(t.name, v);
    return v;
  };
  const i64 = (values: number[], hint = 'i64') => b.constInt64(values, hint);
  /** x [rows, in] → [rows, out] with a torch Linear weight [out, in] */
  const dense = (x: Value, role: EncoderGlobalRole | EncoderLayerRole, bias: EncoderGlobalRole | EncoderLayerRole, layer?: number): Value =>
    b.op1('Gemm', [x, w(role, layer), w(bias, layer)], { transB: 1 });
  const act = ACTIVATIONS[ACT_NAME[spec.activation]];

  // --- inputs ----------------------------------------------------------------------------------------------
  const ids = b.input('input_ids', 'int64', ['batch', 'seq']); // [batch, seq]
  const mask = b.input('attention_mask', 'int64', ['batch', 'seq']); // [batch, seq]
  const pos = b.input('position_ids', 'int64', ['batch', 'seq']); // [batch, seq]
  const types = spec.tensors.has('typeEmbed') ? b.input('token_type_ids', 'int64', ['batch', 'seq']) : null; // [batch, seq]

  const B1 = b.op1('Shape', [ids], { start: 0, end: 1 }); // [1] = batch
  const S1 = b.op1('Shape', [ids], { start: 1, end: 2 }); // [1] = seq
  const shapeHeads = b.op1('Concat', [B1, S1, i64([heads, hd])], { axis: 0 }); // [4]
  const shapeBSH = b.op1('Concat', [B1, S1, i64([H])], { axis: 0 }); // [3]
  const rows = i64([-1, H]);

  // --- padding mask as an additive bias on the keys ---------------------------------------------------------
  const keep = b.op1('Unsqueeze', [b.op1('Cast', [mask], { to: 9 }), i64([1, 2])]); // [batch, 1, 1, seq] bool
  const bias = b.op1('Where', [keep, b.scalar(0, 'float32', 'zero'), b.scalar(-3.4028234663852886e38, 'float32', 'neg')]); // [batch, 1, 1, seq]

  // --- embeddings ------------------------------------------------------------------------------------------
  let e = b.op1('Add', [b.op1('Gather', [w('embed'), ids], { axis: 0 }), b.op1('Gather', [w('posEmbed'), pos], { axis: 0 })]); // [batch, seq, hidden]
  if (types) e = b.op1('Add', [e, b.op1('Gather', [w('typeEmbed'), types], { axis: 0 })]); // [batch, seq, hidden]
  let x = b.op1('Reshape', [layerNorm(b, e, w('embedNorm'), w('embedNormBias'), eps), rows]); // [batch·seq, hidden]
  const scale = b.scalar(1 / Math.sqrt(hd), 'float32', 'scale');

  // --- post-LN encoder layers ------------------------------------------------------------------------------
  for (let i = 0; i < layers; i++) {
    x = b.withScope(`layer${i}`, () => {
      const split = (y: Value) => b.op1('Transpose', [b.op1('Reshape', [y, shapeHeads])], { perm: [0, 2, 1, 3] }); // [batch, heads, seq, headDim]
      const q = split(dense(x, 'q', 'qBias', i));
      const kT = b.op1('Transpose', [b.op1('Reshape', [dense(x, 'k', 'kBias', i), shapeHeads])], { perm: [0, 2, 3, 1] }); // [batch, heads, headDim, seq]
      const v = split(dense(x, 'v', 'vBias', i));
      const scores = b.op1('Add', [b.op1('Mul', [b.op1('MatMul', [q, kT]), scale]), bias]); // [batch, heads, seq, seq]
      const probs = b.op1('Softmax', [scores], { axis: -1 }); // [batch, heads, seq, seq]
      const ctx = b.op1('MatMul', [probs, v]); // [batch, heads, seq, headDim]
      const ctx2 = b.op1('Reshape', [b.op1('Transpose', [ctx], { perm: [0, 2, 1, 3] }), rows]); // [batch·seq, hidden]
      const x1 = layerNorm(b, b.op1('Add', [x, dense(ctx2, 'o', 'oBias', i)]), w('attnNorm', i), w('attnNormBias', i), eps); // [batch·seq, hidden]
      const inner = act(b, dense(x1, 'up', 'upBias', i)); // [batch·seq, inter]
      return layerNorm(b, b.op1('Add', [x1, dense(inner, 'down', 'downBias', i)]), w('mlpNorm', i), w('mlpNormBias', i), eps); // [batch·seq, hidden]
    });
  }

  // --- head on the first token ([CLS] / <s>) ---------------------------------------------------------------
  const first = b.op1('Gather', [b.op1('Reshape', [x, shapeBSH]), b.scalar(0, 'int64', 'first')], { axis: 1 }); // [batch, hidden]
  const pooledPre = dense(first, 'pool', 'poolBias'); // [batch, hidden]
  const pooled = b.op1(spec.profile.headActivation === 'tanh' ? 'Tanh' : 'Relu', [pooledPre]); // [batch, hidden]
  const logits = dense(pooled, 'out', 'outBias'); // [batch, labels]
  return { inputIds: ids, attentionMask: mask, positionIds: pos, tokenTypeIds: types, logits, pooled, weights };
}

/** The inference graph: outputs `logits` [batch, labels] (and `pooled` [batch, hidden] when asked). */
export function buildClassifierGraph(spec: ClassifierGraphSpec, source: WeightSource, variant: ClassifierVariant = DEFAULT_CLASSIFIER_VARIANT): Graph {
  const b = new GraphBuilder('classifier');
  const n = addClassifier(b, spec, source, variant.trainable);
  b.output(n.logits, 'logits');
  if (variant.pooled) b.output(n.pooled, 'pooled');
  return b.build();
}
