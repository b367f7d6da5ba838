// The engine's graph IR: a small, ONNX-shaped dataflow graph. Every node is created through GraphBuilder.
// The same IR is serialised to ONNX (onnx.ts) and differentiated (autodiff.ts).
//
// Conventions:
//  - A Value is named once, by the builder; names are unique within a graph.
//  - Shapes are static where known; a string dimension is symbolic (e.g. 'batch', 'seq', 'past').
//  - Ops are standard ONNX ops (default domain, opset OPSET) — nothing custom, so plain ORT runs them.

export const OPSET = 17;

export type DType = 'float32' | 'float16' | 'float64' | 'int64' | 'int32' | 'bool' | 'uint8';
export type Dim = number | string;

export interface Value {
  readonly name: string;
  readonly dtype: DType;
  /** null when unknown */
  readonly shape: Dim[] | null;
}

export type AttrValue =
  | { kind: 'int'; value: number }
  | { kind: 'float'; value: number }
  | { kind: 'ints'; value: number[] }
  | { kind: 'floats'; value: number[] }
  | { kind: 'string'; value: string }
  | { kind: 'tensor'; value: TensorData };

export type TypedData = Float32Array | Float64Array | Int32Array | BigInt64Array | Uint8Array | Uint16Array;

export interface TensorData {
  dtype: DType;
  dims: number[];
  data: TypedData;
}

/** A weight stored outside the ONNX protobuf (external data) or inline. */
export interface Initializer {
  name: string;
  dtype: DType;
  dims: number[];
  /** Inline bytes, or a reference into an external data file written alongside the model. */
  data: TypedData | { external: string; offset: number; length: number };
}

export interface Node {
  readonly op: string;
  readonly inputs: string[]; // '' = omitted optional input
  readonly outputs: string[];
  readonly attrs: Record<string, AttrValue>;
  readonly name: string;
}

export interface Graph {
  name: string;
  inputs: Value[];
  outputs: Value[];
  nodes: Node[];
  initializers: Initializer[];
  /** every value (inputs, node outputs, initializers) by name */
  values: Map<string, Value>;
}

export function bytesPerElement(d: DType): number {
  switch (d) {
    case 'float64':
    case 'int64':
      return 8;
    case 'float32':
    case 'int32':
      return 4;
    case 'float16':
      return 2;
    case 'bool':
    case 'uint8':
      return 1;
  }
}
