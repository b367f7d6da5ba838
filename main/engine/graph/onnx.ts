// Hand-written protobuf encoding of the ONNX messages the engine needs (field numbers from onnx/onnx.proto):
//   ModelProto { ir_version=1, producer_name=2, producer_version=3, graph=7, opset_import=8 }
//   OperatorSetIdProto { domain=1, version=2 }
//   GraphProto { node=1, name=2, initializer=5, input=11, output=12, value_info=13 }
//   NodeProto { input=1, output=2, name=3, op_type=4, attribute=5, domain=7 }
//   AttributeProto { name=1, f=2, i=3, s=4, t=5, floats=7, ints=8, type=20 }
//   TensorProto { dims=1, data_type=2, name=8, raw_data=9, external_data=13, data_location=14 }
//   StringStringEntryProto { key=1, value=2 }
//   ValueInfoProto { name=1, type=2 }; TypeProto { tensor_type=1 }; TypeProto.Tensor { elem_type=1, shape=2 }
//   TensorShapeProto { dim=1 }; Dimension { dim_value=1, dim_param=2 }
// Large initializers go to an external data file (TensorProto.external_data location/offset/length,
// data_location=EXTERNAL) so the protobuf stays small and weights are never held twice.
import fs from 'node:fs';
import path from 'node:path';
import { OPSET, bytesPerElement, type AttrValue, type DType, type Dim, type Graph, type Initializer, type TensorData, type TypedData, type Value } from './ir';

const IR_VERSION = 8; // IR version matching opset 17

/** TensorProto.DataType codes. */
export const ONNX_DTYPE: Record<DType, number> = {
  float32: 1,
  uint8: 2,
  int32: 6,
  int64: 7,
  bool: 9,
  float16: 10,
  float64: 11,
};

const FLOAT_DTYPES = new Set<DType>(['float32', 'float16', 'float64']);

const ATTR_TYPE = { float: 1, int: 2, string: 3, tensor: 4, floats: 6, ints: 7 } as const;

/** Minimal protobuf writer: varints, length-delimited fields, fixed32. Chunks are concatenated at the end. */
class PbWriter {
  private chunks: Uint8Array[] = [];
  private buf = new Uint8Array(256);
  private pos = 0;
  private total = 0;

  private ensure(n: number) {
    if (this.pos + n <= this.buf.length) return;
    this.flush();
    if (n > this.buf.length) this.buf = new Uint8Array(Math.max(n, this.buf.length * 2));
  }
  private flush() {
    if (this.pos > 0) {
      this.chunks.push(this.buf.slice(0, this.pos));
      this.pos = 0;
    }
  }
  get length(): number {
    return this.total;
  }
  private byte(b: number) {
    this.ensure(1);
    this.buf[this.pos++] = b;
    this.total++;
  }
  /** Unsigned or signed (two's complement, 10 bytes when negative) varint. */
  varint(v: number | bigint) {
    let x = BigInt.asUintN(64, BigInt(v));
    if (typeof v === 'number' && v >= 0 && v < 2 ** 31) {
      let n = v;
      while (n > 0x7f) {
        this.byte((n & 0x7f) | 0x80);
        n >>>= 7;
      }
      this.byte(n);
      return;
    }
    while (x > 0x7fn) {
      this.byte(Number(x & 0x7fn) | 0x80);
      x >>= 7n;
    }
    this.byte(Number(x));
  }
  tag(field: number, wire: 0 | 1 | 2 | 5) {
    this.varint((field << 3) | wire);
  }
  bytes(data: Uint8Array) {
    this.flush();
    this.chunks.push(data);
    this.total += data.length;
  }
  fieldVarint(field: number, v: number | bigint) {
    this.tag(field, 0);
    this.varint(v);
  }
  fieldBytes(field: number, data: Uint8Array) {
    this.tag(field, 2);
    this.varint(data.length);
    this.bytes(data);
  }
  fieldString(field: number, s: string) {
    this.fieldBytes(field, Buffer.from(s, 'utf8'));
  }
  fieldMessage(field: number, w: PbWriter) {
    this.tag(field, 2);
    this.varint(w.length);
    for (const c of w.finish()) this.bytes(c);
  }
  fieldFloat(field: number, f: number) {
    this.tag(field, 5);
    const b = new Uint8Array(4);
    new DataView(b.buffer).setFloat32(0, f, true);
    this.bytes(b);
  }
  finish(): Uint8Array[] {
    this.flush();
    return this.chunks;
  }
  concat(): Uint8Array {
    return Buffer.concat(this.finish());
  }
}

function typedBytes(d: TypedData): Uint8Array {
  return new Uint8Array(d.buffer, d.byteOffset, d.byteLength);
}

function checkTensorSize(name: string, dtype: DType, dims: number[], byteLength: number) {
  const n = dims.reduce((a, b) => a * b, 1);
  if (n * bytesPerElement(dtype) !== byteLength) {
    throw new Error(`tensor '${name}': dims [${dims}] (${dtype}) need ${n * bytesPerElement(dtype)} bytes, got ${byteLength}`);
  }
}

interface ExternalRef {
  location: string;
  offset: number;
  length: number;
}

function tensorProto(name: string, dtype: DType, dims: number[], data: Uint8Array | ExternalRef): PbWriter {
  const w = new PbWriter();
  for (const d of dims) w.fieldVarint(1, d);
  w.fieldVarint(2, ONNX_DTYPE[dtype]);
  if (name) w.fieldString(8, name);
  if (data instanceof Uint8Array) {
    checkTensorSize(name, dtype, dims, data.byteLength);
    w.fieldBytes(9, data);
  } else {
    checkTensorSize(name, dtype, dims, data.length);
    for (const [k, v] of [
      ['location', data.location],
      ['offset', String(data.offset)],
      ['length', String(data.length)],
    ]) {
      const e = new PbWriter();
      e.fieldString(1, k);
      e.fieldString(2, v);
      w.fieldMessage(13, e);
    }
    w.fieldVarint(14, 1); // EXTERNAL
  }
  return w;
}

function attributeProto(name: string, a: AttrValue): PbWriter {
  const w = new PbWriter();
  w.fieldString(1, name);
  switch (a.kind) {
    case 'float':
      w.fieldFloat(2, a.value);
      break;
    case 'int':
      w.fieldVarint(3, a.value);
      break;
    case 'string':
      w.fieldString(4, a.value);
      break;
    case 'tensor':
      w.fieldMessage(5, tensorProto('', a.value.dtype, a.value.dims, typedBytes(a.value.data)));
      break;
    case 'floats':
      for (const f of a.value) w.fieldFloat(7, f);
      break;
    case 'ints':
      for (const i of a.value) w.fieldVarint(8, i);
      break;
  }
  w.fieldVarint(20, ATTR_TYPE[a.kind]);
  return w;
}

function valueInfo(v: Value): PbWriter {
  const shape = new PbWriter();
  for (const d of v.shape ?? []) {
    const dim = new PbWriter();
    if (typeof d === 'number') dim.fieldVarint(1, d);
    else dim.fieldString(2, d);
    shape.fieldMessage(1, dim);
  }
  const tensor = new PbWriter();
  tensor.fieldVarint(1, ONNX_DTYPE[v.dtype]);
  if (v.shape) tensor.fieldMessage(2, shape);
  const type = new PbWriter();
  type.fieldMessage(1, tensor);
  const w = new PbWriter();
  w.fieldString(1, v.name);
  w.fieldMessage(2, type);
  return w;
}

export interface EncodeOptions {
  /** Where each inline initializer's bytes go: return an external reference, or null to keep them inline. */
  placeInitializer?: (init: Initializer & { data: TypedData }) => ExternalRef | null;
  producer?: string;
}

/** Encodes a Graph as a serialized ModelProto. External initializers keep their references. */
export function encodeModel(g: Graph, options: EncodeOptions = {}): Uint8Array {
  validateGraph(g);
  const graph = new PbWriter();
  for (const n of g.nodes) {
    const w = new PbWriter();
    for (const i of n.inputs) w.fieldString(1, i);
    for (const o of n.outputs) w.fieldString(2, o);
    w.fieldString(3, n.name);
    w.fieldString(4, n.op);
    for (const [k, a] of Object.entries(n.attrs)) w.fieldMessage(5, attributeProto(k, a));
    graph.fieldMessage(1, w);
  }
  graph.fieldString(2, g.name);
  for (const init of g.initializers) {
    let data: Uint8Array | ExternalRef;
    if (ArrayBuffer.isView(init.data)) {
      const inline = init as Initializer & { data: TypedData };
      data = options.placeInitializer?.(inline) ?? typedBytes(inline.data);
    } else {
      data = { location: init.data.external, offset: init.data.offset, length: init.data.length };
    }
    graph.fieldMessage(5, tensorProto(init.name, init.dtype, init.dims, data));
  }
  for (const v of g.inputs) graph.fieldMessage(11, valueInfo(v));
  for (const v of g.outputs) graph.fieldMessage(12, valueInfo(v));

  const model = new PbWriter();
  model.fieldVarint(1, IR_VERSION);
  model.fieldString(2, options.producer ?? 'safeedit');
  model.fieldString(3, '1');
  model.fieldMessage(7, graph);
  const opset = new PbWriter();
  opset.fieldString(1, '');
  opset.fieldVarint(2, OPSET);
  model.fieldMessage(8, opset);
  return model.concat();
}

/** Structural checks that give a clear error before ORT does: every consumed name is defined exactly once. */
export function validateGraph(g: Graph): void {
  const defined = new Set<string>();
  const def = (n: string, what: string) => {
    if (defined.has(n)) throw new Error(`graph ${g.name}: '${n}' (${what}) defined twice`);
    defined.add(n);
  };
  for (const v of g.inputs) def(v.name, 'input');
  for (const i of g.initializers) def(i.name, 'initializer');
  const nodeNames = new Set<string>();
  for (const n of g.nodes) {
    if (nodeNames.has(n.name)) throw new Error(`graph ${g.name}: node name '${n.name}' used twice`);
    nodeNames.add(n.name);
    for (const i of n.inputs) if (i && !defined.has(i)) throw new Error(`graph ${g.name}: node ${n.name} (${n.op}) reads undefined '${i}'`);
    for (const o of n.outputs) def(o, `output of ${n.name}`);
  }
  for (const o of g.outputs) if (!defined.has(o.name)) throw new Error(`graph ${g.name}: output '${o.name}' is never computed`);
}

export interface WriteOptions {
  /** Inline float initializers at least this many bytes go to the external data file (default 1 KiB). */
  externalThreshold?: number;
  /** External data file name, relative to the model's folder (default `<model file>.data`). */
  dataFile?: string;
}

/**
 * Writes `modelPath` and, for large inline initializers, `<modelPath>.data` (64-byte aligned entries).
 * Initializers that already reference external data are written as references (their location must be
 * relative to the model's folder). Returns the bytes written to the data file.
 */
export function writeModel(g: Graph, modelPath: string, options: WriteOptions = {}): { modelBytes: number; dataBytes: number } {
  const threshold = options.externalThreshold ?? 1024;
  const dataName = options.dataFile ?? `${path.basename(modelPath)}.data`;
  const dataPath = path.join(path.dirname(modelPath), dataName);
  fs.mkdirSync(path.dirname(modelPath), { recursive: true });
  let fd: number | null = null;
  let offset = 0;
  try {
    const bytes = encodeModel(g, {
      placeInitializer(init) {
        const b = typedBytes(init.data);
        // Integer tensors stay inline: ORT's shape inference must read shape/axes constants from raw data.
        if (b.byteLength < threshold || !FLOAT_DTYPES.has(init.dtype)) return null;
        if (fd === null) fd = fs.openSync(dataPath, 'w');
        const pad = (64 - (offset % 64)) % 64;
        if (pad) fs.writeSync(fd, new Uint8Array(pad), 0, pad, offset);
        offset += pad;
        fs.writeSync(fd, b, 0, b.byteLength, offset);
        const ref = { location: dataName, offset, length: b.byteLength };
        offset += b.byteLength;
        return ref;
      },
    });
    fs.writeFileSync(modelPath, bytes);
    return { modelBytes: bytes.byteLength, dataBytes: offset };
  } finally {
    if (fd !== null) fs.closeSync(fd);
  }
}

/** Appends tensors to an external data file one at a time (64-byte aligned); used for converted weights. */
export class ExternalDataWriter {
  private fd: number;
  private offset = 0;
  constructor(
    readonly filePath: string,
    /** location recorded in the model (relative to the model's folder) */
    readonly location = path.basename(filePath),
  ) {
    fs.mkdirSync(path.dirname(filePath), { recursive: true });
    this.fd = fs.openSync(filePath, 'w');
  }
  append(data: TypedData): { external: string; offset: number; length: number } {
    const pad = (64 - (this.offset % 64)) % 64;
    if (pad) fs.writeSync(this.fd, new Uint8Array(pad), 0, pad, this.offset);
    this.offset += pad;
    const b = typedBytes(data);
    fs.writeSync(this.fd, b, 0, b.byteLength, this.offset);
    const ref = { external: this.location, offset: this.offset, length: b.byteLength };
    this.offset += b.byteLength;
    return ref;
  }
  get bytes(): number {
    return this.offset;
  }
  close(): void {
    fs.closeSync(this.fd);
  }
}

export type { ExternalRef, TensorData, Dim };
