// The edit graphs, cut out of the graph engineer's decoder graph (main/engine/decoder/graph.ts) rather than built a
// second time: the decoder is built once with the edited tensors as graph inputs, then split at the residual stream
// of the edited block right after its attention ("resid"):
//
//   prefix graph  ids, mask, positions → resid            layers below the edited one + its attention: run ONCE per
//                                                         case (it does not depend on the edited tensors)
//   step graph    resid, params, labels, kl reference →   the edited block's MLP, the layers above, the final norm
//                 nll, kl, loss, grad/<param>             and the head on the picked rows only, the losses and the
//                                                         gradient of the loss w.r.t. the edited tensors
//   rows graph    resid, params, kl reference →           forward only: the KL reference logits (any reference fed),
//                 logits of picked rows, kl               and the logged KL of EasyEdit mode (its KL is not
//                                                         differentiated, so it runs on the KL sequence alone)
//
// The split point is found by structure, from the spec's tensor names (the Add that consumes the attention output
// projection of the edited layer), and the head by the Gemm that reads the head weight; nothing depends on value names.
import type { Graph, Node, Value } from '../engine/graph/ir';
import { builderFromGraph, buildStepGraph } from '../engine/graph/autodiff';
import { klDivergence, softmaxCrossEntropy } from '../engine/graph/nn';
import { refineShapes } from '../engine/graph/ops';
import { buildDecoderGraph } from '../engine/decoder/graph';
import type { DecoderSpec, WeightSource } from '../engine/decoder/spec';

export const RESID = 'edit/resid';
export const PICK_NLL = 'edit/pick_nll';
export const PICK_KL = 'edit/pick_kl';
export const NLL_LOGITS = 'edit/nll_logits';
export const KL_LOGITS = 'edit/kl_logits';
export const LABELS = 'edit/labels';
export const KL_REF = 'edit/kl_ref';
export const NLL_WEIGHT = 'edit/nll_weight';
export const KL_WEIGHT = 'edit/kl_weight';
export const OUT_NLL = 'edit/nll';
export const OUT_KL = 'edit/kl';

/** Keeps only the nodes (and inputs/initializers) needed for g's outputs. */
export function pruneGraph(g: Graph): Graph {
  const needed = new Set(g.outputs.map((o) => o.name));
  const keep: Node[] = [];
  for (let i = g.nodes.length - 1; i >= 0; i--) {
    const n = g.nodes[i];
    if (!n.outputs.some((o) => needed.has(o))) continue;
    keep.push(n);
    for (const x of n.inputs) if (x) needed.add(x);
  }
  keep.reverse();
  const values = new Map<string, Value>();
  for (const [k, v] of g.values) if (needed.has(k)) values.set(k, v);
  for (const n of keep) for (const o of n.outputs) values.set(o, g.values.get(o)!);
  return {
    name: g.name,
    inputs: g.inputs.filter((v) => needed.has(v.name)),
    outputs: g.outputs,
    nodes: keep,
    initializers: g.initializers.filter((i) => needed.has(i.name)),
    values,
  };
}

interface Located {
  /** the residual after the edited layer's attention (value in the decoder graph) */
  resid: Value;
  /** index of the head Gemm node (it reads the final-norm output, [rows, hidden]) */
  headNode: number;
}

function locateSplit(g: Graph, spec: DecoderSpec, layer: number): Located {
  const t = spec.layerTensors[layer];
  if (!t?.o) throw new Error(`layer ${layer}: the model has no attention output projection`);
  const oIdx = g.nodes.findIndex((n) => n.op === 'Gemm' && n.inputs[1] === t.o);
  if (oIdx < 0) throw new Error(`decoder graph: no Gemm reads '${t.o}'`);
  const yo = g.nodes[oIdx].outputs[0];
  const add = g.nodes.find((n, i) => i > oIdx && n.op === 'Add' && n.inputs.includes(yo));
  if (!add) throw new Error(`decoder graph: no residual Add after '${t.o}'`);
  const headW = spec.globals.lmHead ?? spec.globals.embed;
  const headNode = g.nodes.findIndex((n) => n.op === 'Gemm' && n.inputs[1] === headW);
  if (headNode < 0) throw new Error(`decoder graph: no Gemm reads the head weight '${headW}'`);
  // shapes as autodiff sees them (symbolic batch*seq rows), so the cut input keeps the same symbolic dims
  const inits = new Map(g.initializers.map((i) => [i.name, i]));
  const refined = refineShapes(g.nodes, g.values, (v) => inits.get(v.name));
  return { resid: refined.get(add.outputs[0]) ?? g.values.get(add.outputs[0])!, headNode };
}

export interface EditGraphs {
  prefix: Graph;
  rows: Graph;
  step: Graph;
  /** step graph output name of each param's gradient */
  grads: Record<string, string>;
}

export interface EditGraphOptions {
  layer: number;
  /** checkpoint names of the edited tensors (graph inputs) */
  params: string[];
  /** whether the KL term is part of the differentiated loss (paper) or only reported (EasyEdit) */
  klGrad: boolean;
  /** KL(original ‖ current) (EasyEdit) or KL(current ‖ original) (paper Eq. 9) */
  klDirection: 'ref-first' | 'current-first';
}

/**
 * Builds the three edit graphs for a layer. `PICK_NLL` / `PICK_KL` index the flattened [batch·seq] positions whose
 * logits are scored: the NLL rows against `LABELS` (-100 = ignored), the KL rows as KL(softmax(KL_REF) ‖ softmax(logits))
 * averaged over rows.
 */
export function buildEditGraphs(spec: DecoderSpec, weights: WeightSource, o: EditGraphOptions): EditGraphs {
  if (o.layer < 0 || o.layer >= spec.layers) throw new Error(`layer ${o.layer} is outside 0..${spec.layers - 1}`);
  const full = buildDecoderGraph(spec, weights, { dtype: 'float32', hiddenStates: false, allLogits: true, editable: o.params });
  const { resid, headNode } = locateSplit(full, spec, o.layer);

  // prefix: everything up to resid
  const pb = builderFromGraph({ ...full, outputs: [] }, false);
  pb.output(resid, RESID);
  const prefix = pruneGraph({ ...pb.build(), name: 'edit_prefix' });

  // suffix: resid is an input (its producer dropped); the head runs on two sets of picked rows only
  const b = builderFromGraph({ ...full, name: 'edit_suffix', outputs: [] }, false);
  const residIn = b.input(RESID, 'float32', resid.shape ?? ['rows', spec.hidden]); // [batch·seq, hidden]
  const renamed = b.nodes.map((n) => (n.inputs.includes(resid.name) ? { ...n, inputs: n.inputs.map((x) => (x === resid.name ? residIn.name : x)) } : n));
  b.nodes.splice(0, b.nodes.length, ...renamed);
  const head = full.nodes[headNode];
  const headIn = b.values.get(head.inputs[0])!; // [batch·seq, hidden]
  const headRest = head.inputs.slice(1).map((x) => (x ? b.values.get(x)! : null));
  const headOn = (pickName: string, hint: string): Value => {
    const pick = b.input(pickName, 'int64', [hint]); // [hint]
    const rowsIn = b.op1('Gather', [headIn, pick], { axis: 0 }); // [hint, hidden]
    return b.op1('Gemm', [rowsIn, ...headRest], head.attrs); // [hint, vocab]
  };
  b.output(headOn(PICK_NLL, 'nllrows'), NLL_LOGITS);
  const cur = headOn(PICK_KL, 'klrows'); // [klrows, vocab]
  b.output(cur, KL_LOGITS);
  const refIn = b.input(KL_REF, 'float32', ['klrows', spec.vocab]); // [klrows, vocab]
  b.output(o.klDirection === 'ref-first' ? klDivergence(b, refIn, cur) : klDivergence(b, cur, refIn), OUT_KL); // []
  const rows = pruneGraph({ ...b.build(), name: 'edit_rows' });

  // step: losses over the picked rows and the gradient w.r.t. the edited tensors
  const s = builderFromGraph(rows, false);
  const labels = s.input(LABELS, 'int64', ['nllrows']); // [nllrows]
  const ref = s.values.get(KL_REF)!; // [klrows, vocab]
  const nllW = s.input(NLL_WEIGHT, 'float32', []);
  const klW = s.input(KL_WEIGHT, 'float32', []);
  const nll = softmaxCrossEntropy(s, s.values.get(NLL_LOGITS)!, labels, { ignoreIndex: -100 }); // []
  const kl = s.values.get(OUT_KL)!; // []
  s.output(nll, OUT_NLL);
  s.output(kl);
  const weightedNll = s.op1('Mul', [nll, nllW]); // []
  const loss = o.klGrad ? s.op1('Add', [weightedNll, s.op1('Mul', [kl, klW])]) : weightedNll; // []
  const params = o.params.map((p) => {
    const v = s.values.get(p);
    if (!v) throw new Error(`edited tensor '${p}' is not an input of the edit graph`);
    return v;
  });
  const step = buildStepGraph(s, loss, params, { stopGradient: [ref] });
  return { prefix, rows, step: pruneGraph({ ...step.graph, name: 'edit_step' }), grads: step.grads };
}

/** Output name of decoder block i's output (the residual stream after the block, before any final norm). */
export const blockOutputName = (i: number) => `edit/block.${i}`;

/**
 * The paper-mode locate graph: the decoder with every block's output (h_1..h_L, paper Eq. 5, no final norm) as
 * outputs `blockOutputName(i)` [batch·seq, hidden], and nothing after the last block (no final norm, no head).
 * Each block output is found by structure: the residual Add consuming the block's down projection.
 */
export function buildBlockOutputsGraph(spec: DecoderSpec, weights: WeightSource): Graph {
  const full = buildDecoderGraph(spec, weights, { dtype: 'float32', hiddenStates: false, allLogits: false, editable: [] });
  const inits = new Map(full.initializers.map((i) => [i.name, i]));
  const refined = refineShapes(full.nodes, full.values, (v) => inits.get(v.name));
  const b = builderFromGraph({ ...full, name: 'block_outputs', outputs: [] }, false);
  for (let i = 0; i < spec.layers; i++) {
    const down = spec.layerTensors[i]?.down;
    const di = full.nodes.findIndex((n) => n.op === 'Gemm' && n.inputs[1] === down);
    if (!down || di < 0) throw new Error(`decoder graph: no Gemm reads the down projection of layer ${i}`);
    const y = full.nodes[di].outputs[0];
    const add = full.nodes.find((n, j) => j > di && n.op === 'Add' && n.inputs.includes(y));
    if (!add) throw new Error(`decoder graph: no residual Add after the down projection of layer ${i}`);
    b.output(refined.get(add.outputs[0]) ?? full.values.get(add.outputs[0])!, blockOutputName(i)); // [batch·seq, hidden]
  }
  return pruneGraph(b.build());
}
