// GraphBuilder: the one way nodes are created. Names are unique; shapes come from the op table when known.
import { OPSET, type AttrValue, type DType, type Dim, type Graph, type Initializer, type Node, type TensorData, type TypedData, type Value } from './ir';
import { OPS } from './ops';

export type AttrInput = number | number[] | string | TensorData | AttrValue;

function toAttr(key: string, v: AttrInput): AttrValue {
  if (typeof v === 'object' && v !== null && 'kind' in v) return v;
  if (typeof v === 'string') return { kind: 'string', value: v };
  if (typeof v === 'number') return Number.isInteger(v) && !FLOAT_ATTRS.has(key) ? { kind: 'int', value: v } : { kind: 'float', value: v };
  if (Array.isArray(v)) return v.every(Number.isInteger) && !FLOAT_ATTRS.has(key) ? { kind: 'ints', value: v } : { kind: 'floats', value: v };
  return { kind: 'tensor', value: v as TensorData };
}

/** Attributes that are floats even when given an integer value. */
const FLOAT_ATTRS = new Set(['alpha', 'beta', 'epsilon', 'gamma', 'min', 'max', 'value_float', 'bias', 'lambd']);

export class GraphBuilder {
  readonly inputs: Value[] = [];
  readonly outputs: Value[] = [];
  readonly nodes: Node[] = [];
  readonly initializers: Initializer[] = [];
  readonly values = new Map<string, Value>();
  private counter = 0;
  private nodeNames = new Set<string>();
  private scope: string[] = [];

  constructor(readonly name: string) {}

  /** Unique value name with the current scope prefix. */
  fresh(hint: string): string {
    const base = [...this.scope, hint].join('/');
    let n = base;
    while (this.values.has(n)) n = `${base}_${++this.counter}`;
    return n;
  }

  /** Unique node name (node names live in their own namespace, separate from values). */
  private freshNode(hint: string): string {
    const base = [...this.scope, hint].join('/');
    let n = base;
    while (this.nodeNames.has(n)) n = `${base}_${++this.counter}`;
    this.nodeNames.add(n);
    return n;
  }

  /** Runs fn with names prefixed by `name/` (e.g. per layer). */
  withScope<T>(name: string, fn: () => T): T {
    this.scope.push(name);
    try {
      return fn();
    } finally {
      this.scope.pop();
    }
  }

  private define(name: string, dtype: DType, shape: Dim[] | null): Value {
    if (this.values.has(name)) throw new Error(`graph ${this.name}: value '${name}' defined twice`);
    const v: Value = { name, dtype, shape };
    this.values.set(name, v);
    return v;
  }

  input(name: string, dtype: DType, shape: Dim[]): Value {
    const v = this.define(name, dtype, shape);
    this.inputs.push(v);
    return v;
  }

  output(v: Value, name?: string): Value {
    if (name && name !== v.name) v = this.op('Identity', [v], {}, 1, name)[0];
    this.outputs.push(v);
    return v;
  }

  /** A weight: inline data or a reference to external data. */
  initializer(name: string, dtype: DType, dims: number[], data: Initializer['data']): Value {
    const v = this.define(name, dtype, dims);
    this.initializers.push({ name, dtype, dims, data });
    return v;
  }

  /** A small inline constant (shape vectors, scalars). */
  constant(data: TypedData, dims: number[], dtype: DType, hint = 'const'): Value {
    return this.initializer(this.fresh(hint), dtype, dims, data);
  }
  constInt64(values: number[], hint = 'i64'): Value {
    return this.constant(BigInt64Array.from(values.map(BigInt)), [values.length], 'int64', hint);
  }
  scalar(value: number, dtype: DType = 'float32', hint = 'scalar'): Value {
    const data = dtype === 'float64' ? Float64Array.of(value) : dtype === 'int64' ? BigInt64Array.of(BigInt(value)) : Float32Array.of(value);
    return this.constant(data, [], dtype, hint);
  }

  /** Adds a node. Output shapes/dtypes come from OPS[op].infer when present (else the first input's dtype, shape unknown). */
  op(op: string, inputs: (Value | null)[], attrs: Record<string, AttrInput> = {}, nOut = 1, outName?: string): Value[] {
    const a: Record<string, AttrValue> = {};
    for (const [k, v] of Object.entries(attrs)) if (v !== undefined) a[k] = toAttr(k, v);
    const def = OPS[op];
    const inferred = def ? def.infer(inputs, a, nOut, (v) => this.initializers.find((i) => i.name === v.name)) : null;
    const outs: Value[] = [];
    for (let i = 0; i < nOut; i++) {
      const name = i === 0 && outName ? outName : this.fresh(`${op}${nOut > 1 ? `_${i}` : ''}`);
      const inf = inferred?.[i];
      outs.push(this.define(name, inf?.dtype ?? inputs.find((x) => x)?.dtype ?? 'float32', inf?.shape ?? null));
    }
    this.nodes.push({
      op,
      inputs: inputs.map((x) => (x ? x.name : '')),
      outputs: outs.map((o) => o.name),
      attrs: a,
      name: this.freshNode(`n_${op}`),
    });
    return outs;
  }

  /** Single-output convenience. */
  op1(op: string, inputs: (Value | null)[], attrs: Record<string, AttrInput> = {}): Value {
    return this.op(op, inputs, attrs, 1)[0];
  }

  build(): Graph {
    return {
      name: this.name,
      inputs: [...this.inputs],
      outputs: [...this.outputs],
      nodes: [...this.nodes],
      initializers: [...this.initializers],
      values: new Map(this.values),
    };
  }
}

export { OPSET };
