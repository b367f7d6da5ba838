// Test-only: a copy of a float32 graph computing in float64 (values, inline initializers, Cast targets, constant
// attributes), so gradients of real decoder graphs can be checked against finite differences at double precision.
import type { AttrValue, Graph, Initializer, Node, Value } from '../../main/engine/graph/ir';
import { ONNX_DTYPE } from '../../main/engine/graph/ops';

const up = (v: Value): Value => (v.dtype === 'float32' ? { ...v, dtype: 'float64' } : v);

function upAttr(op: string, key: string, a: AttrValue): AttrValue {
  if (op === 'Cast' && key === 'to' && a.kind === 'int' && a.value === ONNX_DTYPE.float32) return { kind: 'int', value: ONNX_DTYPE.float64 };
  if (a.kind === 'tensor' && a.value.dtype === 'float32') return { kind: 'tensor', value: { dtype: 'float64', dims: a.value.dims, data: Float64Array.from(a.value.data as Float32Array) } };
  return a;
}

export function promoteToFloat64(g: Graph): Graph {
  const initializers: Initializer[] = g.initializers.map((i) => {
    if (i.dtype !== 'float32') return i;
    if (!ArrayBuffer.isView(i.data)) throw new Error(`promote: initializer ${i.name} is external`);
    return { ...i, dtype: 'float64', data: Float64Array.from(i.data as Float32Array) };
  });
  const nodes: Node[] = g.nodes.map((n) => ({ ...n, attrs: Object.fromEntries(Object.entries(n.attrs).map(([k, a]) => [k, upAttr(n.op, k, a)])) }));
  return {
    name: g.name,
    inputs: g.inputs.map(up),
    outputs: g.outputs.map(up),
    nodes,
    initializers,
    values: new Map([...g.values].map(([k, v]) => [k, up(v)])),
  };
}
