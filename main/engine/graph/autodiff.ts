// Reverse-mode automatic differentiation over the graph IR. The backward pass is emitted into the same builder as
// ordinary ONNX nodes (each op's rule is OPS[op].vjp, next to its shape rule in ops.ts), so a forward+backward
// "step graph" runs on plain onnxruntime, which has no training kernels.
//
//   const b = new GraphBuilder('step');
//   const w = b.input('w', 'float32', [4, 4]);            // the tensor being trained is a graph input
//   const loss = ...forward...;                            // a scalar
//   const [gw] = grad(b, loss, [w]);                       // dloss/dw, shaped like w
//
// Only nodes on a path from a `wrt` value to the loss are differentiated. Values marked with stopGradient() (or
// listed in options.stopGradient) are treated as constants, e.g. DINM's reference distribution in its KL term.
import { GraphBuilder } from './builder';
import type { Graph, Value } from './ir';
import { OPS, isFloat, refineShapes, scalarOf, zerosLike } from './ops';

export interface GradOptions {
  /** Gradient flowing into `loss` (its shape and dtype). Default: 1 for a scalar (or single-element) loss. */
  seed?: Value;
  /** Values treated as constants: no gradient flows through them. */
  stopGradient?: Iterable<Value | string>;
  /** For a wrt value the loss does not depend on: return zeros (true) or null (false, the default). */
  zerosForUnconnected?: boolean;
  /** Name scope for the emitted backward nodes (default 'grad'). */
  scope?: string;
}

const stopped = new WeakMap<GraphBuilder, Set<string>>();

/** Identity of v that gradients do not flow through (a constant as far as grad() is concerned). */
export function stopGradient(b: GraphBuilder, v: Value): Value {
  const out = b.op1('Identity', [v]);
  let s = stopped.get(b);
  if (!s) stopped.set(b, (s = new Set()));
  s.add(out.name);
  return out;
}

/**
 * Emits the backward pass into b and returns d loss / d wrt[i] for each wrt value (null when unconnected and
 * zerosForUnconnected is off). Gradients have the dtype and shape of their wrt values.
 */
export function grad(b: GraphBuilder, loss: Value, wrt: Value[], options: GradOptions = {}): (Value | null)[] {
  const nodes = [...b.nodes]; // the forward graph as it is now
  const stop = new Set<string>(stopped.get(b) ?? []);
  for (const s of options.stopGradient ?? []) stop.add(typeof s === 'string' ? s : s.name);
  if (!isFloat(loss.dtype)) throw new Error(`autodiff: loss '${loss.name}' has non-float dtype ${loss.dtype}`);
  for (const w of wrt) {
    if (!b.values.has(w.name)) throw new Error(`autodiff: '${w.name}' is not a value of graph ${b.name}`);
    if (!isFloat(w.dtype)) throw new Error(`autodiff: cannot differentiate with respect to '${w.name}' (${w.dtype})`);
  }

  // forward: values that depend (differentiably) on some wrt value
  const dep = new Set<string>(wrt.map((w) => w.name).filter((n) => !stop.has(n)));
  for (const n of nodes) {
    if (!n.inputs.some((i) => dep.has(i))) continue;
    for (const o of n.outputs) if (!stop.has(o) && isFloat(b.values.get(o)!.dtype)) dep.add(o);
  }
  // backward: nodes whose outputs reach the loss
  const producer = new Map<string, number>();
  nodes.forEach((n, i) => n.outputs.forEach((o) => producer.set(o, i)));
  const reaches = new Set<number>();
  const stack = [loss.name];
  const seen = new Set<string>();
  while (stack.length) {
    const v = stack.pop()!;
    if (seen.has(v)) continue;
    seen.add(v);
    const p = producer.get(v);
    if (p === undefined || reaches.has(p)) continue;
    reaches.add(p);
    for (const i of nodes[p].inputs) if (i) stack.push(i);
  }

  // shapes as the rules see them: symbolic shape vectors (Concat(Shape(x)[..], ...)) resolved
  const inits = new Map(b.initializers.map((i) => [i.name, i]));
  const vals = refineShapes(nodes, b.values, (v) => inits.get(v.name));

  const body = () => {
    // contributions to each value's gradient, summed lazily with Add
    const contrib = new Map<string, Value[]>();
    const add = (name: string, g: Value) => {
      const l = contrib.get(name);
      if (l) l.push(g);
      else contrib.set(name, [g]);
    };
    const total = (name: string): Value | null => {
      const l = contrib.get(name);
      if (!l || l.length === 0) return null;
      let s = l[0];
      for (let i = 1; i < l.length; i++) s = b.op1('Add', [s, l[i]]);
      contrib.set(name, [s]);
      return s;
    };
    if (dep.has(loss.name)) add(loss.name, options.seed ?? seedFor(b, vals.get(loss.name) ?? loss));

    for (let i = nodes.length - 1; i >= 0; i--) {
      if (!reaches.has(i)) continue;
      const n = nodes[i];
      if (!n.outputs.some((o) => dep.has(o))) continue;
      const wants = n.inputs.map((x) => !!x && dep.has(x));
      if (!wants.some(Boolean)) continue;
      const gout = n.outputs.map((o) => (dep.has(o) ? total(o) : null));
      if (gout.every((g) => !g)) continue;
      const def = OPS[n.op];
      if (!def?.vjp) throw new Error(`autodiff: no gradient rule for op ${n.op} (node ${n.name})`);
      const ins = n.inputs.map((x) => (x ? vals.get(x)! : null));
      const outs = n.outputs.map((o) => vals.get(o)!);
      let gin: (Value | null)[];
      try {
        gin = def.vjp(b, ins, outs, gout, n.attrs, wants);
      } catch (e) {
        throw new Error(`autodiff: ${n.op} node ${n.name}: ${(e as Error).message}`);
      }
      gin.forEach((g, k) => {
        if (g && wants[k]) add(n.inputs[k], g);
      });
    }
    return wrt.map((w) => total(w.name) ?? (options.zerosForUnconnected ? zerosLike(b, w) : null));
  };
  return b.withScope(options.scope ?? 'grad', body);
}

function seedFor(b: GraphBuilder, loss: Value): Value {
  if (!loss.shape || !loss.shape.every((d) => d === 1))
    throw new Error(`autodiff: loss '${loss.name}' is not a scalar (shape [${loss.shape ?? '?'}]); pass options.seed`);
  const one = scalarOf(b, 1, loss.dtype, 'seed');
  return loss.shape.length === 0 ? one : b.op1('Reshape', [one, b.constInt64(loss.shape as number[], 'shape')]);
}

export interface StepGraph {
  graph: Graph;
  /** graph output name of the loss */
  loss: string;
  /** graph output name of each parameter's gradient, by parameter (input) name */
  grads: Record<string, string>;
}

/**
 * A training/editing step graph: `params` (graph inputs of b) are the tensors being trained. Appends to b's outputs
 * the loss (unless already an output) and the gradient of each parameter (named `grad/<param>`, zeros when the
 * loss does not depend on it).
 */
export function buildStepGraph(b: GraphBuilder, loss: Value, params: Value[], options: Omit<GradOptions, 'seed' | 'zerosForUnconnected'> = {}): StepGraph {
  const gs = grad(b, loss, params, { ...options, zerosForUnconnected: true });
  const lossOut = b.outputs.some((o) => o.name === loss.name) ? loss : b.output(loss);
  const grads: Record<string, string> = {};
  params.forEach((p, i) => {
    const name = `grad/${p.name}`;
    const out = b.output(gs[i]!, name);
    grads[p.name] = out.name;
  });
  return { graph: b.build(), loss: lossOut.name, grads };
}

/**
 * A builder holding an already built graph (e.g. a decoder from buildDecoderGraph), to add a loss and its backward
 * pass. The imported nodes are renamed `<name>@fwd` so node names the builder makes later cannot collide with them.
 * `keepOutputs` false drops the graph's outputs (declare the ones the step needs again with b.output).
 */
export function builderFromGraph(g: Graph, keepOutputs = true): GraphBuilder {
  const b = new GraphBuilder(g.name);
  b.inputs.push(...g.inputs);
  if (keepOutputs) b.outputs.push(...g.outputs);
  b.nodes.push(...g.nodes.map((n) => ({ ...n, name: `${n.name}@fwd` })));
  b.initializers.push(...g.initializers);
  for (const [k, v] of g.values) b.values.set(k, v);
  return b;
}
