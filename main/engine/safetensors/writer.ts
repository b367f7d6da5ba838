// Safetensors writer (tiny test models, weight patches). Tensors are written in the order given, each aligned
// to 8 bytes within the data section as the reference implementation does (header padded with spaces).

import fs from 'node:fs';
import { AppError } from '../../../shared/errors';
import { f32ToBf16, f32ToF16, ST_DTYPES, type StDtype } from './dtype';
import { numel } from './reader';

export interface TensorToWrite {
  name: string;
  /** stored dtype; float32 data is converted to F16/BF16 when asked */
  dtype: StDtype;
  shape: number[];
  /** float32 values (converted to dtype), or the already-encoded bytes (Uint16Array for F16/BF16, Buffer for any) */
  data: Float32Array | Uint16Array | Buffer;
}

function encode(t: TensorToWrite): Buffer {
  const n = numel(t.shape);
  let bytes: Buffer;
  if (t.data instanceof Float32Array) {
    if (t.data.length !== n) throw new AppError('invalid_input', `tensor '${t.name}': ${t.data.length} values for shape [${t.shape.join(', ')}]`);
    const enc = t.dtype === 'F32' ? t.data : t.dtype === 'F16' ? f32ToF16(t.data) : f32ToBf16(t.data);
    bytes = Buffer.from(enc.buffer, enc.byteOffset, enc.byteLength);
  } else if (t.data instanceof Uint16Array) {
    bytes = Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength);
  } else bytes = t.data;
  if (bytes.length !== n * ST_DTYPES[t.dtype]) {
    throw new AppError('invalid_input', `tensor '${t.name}': ${bytes.length} bytes for shape [${t.shape.join(', ')}] × ${t.dtype}`);
  }
  return bytes;
}

/** Writes a .safetensors file (via a temp file + rename, so readers never see a partial file). */
export function writeSafetensors(file: string, tensors: TensorToWrite[], metadata?: Record<string, string>): void {
  const header: Record<string, unknown> = {};
  if (metadata && Object.keys(metadata).length) header.__metadata__ = metadata;
  const blobs: Buffer[] = [];
  let off = 0;
  const seen = new Set<string>();
  for (const t of tensors) {
    if (seen.has(t.name)) throw new AppError('invalid_input', `tensor '${t.name}' given twice`);
    seen.add(t.name);
    const b = encode(t);
    const pad = (8 - (off % 8)) % 8;
    if (pad) blobs.push(Buffer.alloc(pad));
    off += pad;
    header[t.name] = { dtype: t.dtype, shape: t.shape, data_offsets: [off, off + b.length] };
    blobs.push(b);
    off += b.length;
  }
  let json = Buffer.from(JSON.stringify(header), 'utf8');
  const hpad = (8 - (json.length % 8)) % 8;
  if (hpad) json = Buffer.concat([json, Buffer.from(' '.repeat(hpad))]);
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(json.length));
  const tmp = `${file}.tmp-${process.pid}`;
  const fd = fs.openSync(tmp, 'w');
  try {
    for (const b of [len, json, ...blobs]) fs.writeSync(fd, b);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(tmp, file);
}
