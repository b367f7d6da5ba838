// Safetensors reader: the header is validated in full (length bounds, JSON, dtypes, offsets, overlaps,
// shape × dtype = byte length) before any tensor byte is read. Tensors are then read one at a time with
// positioned reads (fs.readSync) into a buffer of exactly their size, so a 14 GB checkpoint is never held in JS
// memory as a whole and never copied more than once.
//
// File layout: [u64 little-endian N][N bytes UTF-8 JSON header][data]. Header entries:
//   "name": {"dtype": "F32", "shape": [d0, d1, ...], "data_offsets": [begin, end]}   (offsets relative to data)
//   "__metadata__": {"key": "string value", ...}                                        (optional)

import fs from 'node:fs';
import path from 'node:path';
import { AppError } from '../../../shared/errors';
import { bf16ToF16, bf16ToF32, f16ToF32, f32ToF16, isStDtype, KNOWN_ST_DTYPES, ST_DTYPES, type StDtype } from './dtype';

/** Headers above this are refused (same bound as the reference implementation). */
export const MAX_HEADER_BYTES = 100 * 1024 * 1024;
/** positioned reads are issued in chunks below Node's 2 GiB single-read limit */
const READ_CHUNK = 1 << 30;

export interface TensorInfo {
  name: string;
  dtype: StDtype;
  shape: number[];
  /** absolute byte offsets in `file`: [begin, end) */
  begin: number;
  end: number;
  file: string;
}

export interface SafetensorsFile {
  file: string;
  size: number;
  headerBytes: number;
  /** absolute offset of the data section (8 + headerBytes) */
  dataOffset: number;
  metadata: Record<string, string>;
  tensors: Map<string, TensorInfo>;
  /** the raw header JSON bytes (for content hashing) */
  header: Buffer;
}

function bad(file: string, what: string, details?: unknown): AppError {
  return new AppError('invalid_safetensors', `${file}: ${what}`, details);
}

export function numel(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

function readExactly(fd: number, buf: Buffer, position: number, file: string) {
  let done = 0;
  while (done < buf.length) {
    const len = Math.min(READ_CHUNK, buf.length - done);
    const n = fs.readSync(fd, buf, done, len, position + done);
    if (n === 0) throw bad(file, `unexpected end of file at byte ${position + done}`);
    done += n;
  }
}

/** Reads and validates the header of one .safetensors file. Reads only the first 8 + N bytes. */
export function openSafetensors(file: string): SafetensorsFile {
  let fd: number;
  try {
    fd = fs.openSync(file, 'r');
  } catch (e) {
    throw new AppError('not_found', `${file}: cannot open (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  try {
    const size = fs.fstatSync(fd).size;
    if (size < 8) throw bad(file, `file is ${size} bytes, too small for a safetensors header`);
    const lenBuf = Buffer.alloc(8);
    readExactly(fd, lenBuf, 0, file);
    const n64 = lenBuf.readBigUInt64LE(0);
    if (n64 > BigInt(size - 8)) throw bad(file, `header length ${n64} is larger than the file (${size} bytes)`);
    if (n64 > BigInt(MAX_HEADER_BYTES)) throw bad(file, `header length ${n64} exceeds the ${MAX_HEADER_BYTES}-byte limit`);
    const headerBytes = Number(n64);
    if (headerBytes < 2) throw bad(file, `header length ${headerBytes} is too small`);
    const header = Buffer.alloc(headerBytes);
    readExactly(fd, header, 8, file);
    let json: unknown;
    try {
      json = JSON.parse(header.toString('utf8'));
    } catch (e) {
      throw bad(file, `header is not valid JSON (${(e as Error).message})`);
    }
    if (!json || typeof json !== 'object' || Array.isArray(json)) throw bad(file, 'header is not a JSON object');
    const dataOffset = 8 + headerBytes;
    const dataBytes = size - dataOffset;
    const metadata: Record<string, string> = {};
    const tensors = new Map<string, TensorInfo>();
    for (const [name, raw] of Object.entries(json as Record<string, unknown>)) {
      if (name === '__metadata__') {
        if (!raw || typeof raw !== 'object' || Array.isArray(raw)) throw bad(file, '__metadata__ is not an object');
        for (const [k, v] of Object.entries(raw as Record<string, unknown>)) {
          if (typeof v !== 'string') throw bad(file, `__metadata__.${k} is not a string`);
          metadata[k] = v;
        }
        continue;
      }
      const where = `tensor '${name}'`;
      if (!raw || typeof raw !== 'object' || Array.isArray(raw)) throw bad(file, `${where}: entry is not an object`);
      const e = raw as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
      if (typeof e.dtype !== 'string') throw bad(file, `${where}: missing dtype`);
      if (!isStDtype(e.dtype)) {
        throw bad(
          file,
          KNOWN_ST_DTYPES.includes(e.dtype)
            ? `${where}: dtype ${e.dtype} is not supported (supported: ${Object.keys(ST_DTYPES).join(', ')})`
            : `${where}: unknown dtype '${e.dtype.slice(0, 40)}' (supported: ${Object.keys(ST_DTYPES).join(', ')})`,
        );
      }
      if (!Array.isArray(e.shape) || !e.shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
        throw bad(file, `${where}: shape must be an array of non-negative integers`);
      }
      const shape = e.shape as number[];
      const offs = e.data_offsets;
      if (!Array.isArray(offs) || offs.length !== 2 || !offs.every((o) => Number.isSafeInteger(o) && o >= 0)) {
        throw bad(file, `${where}: data_offsets must be [begin, end] non-negative integers`);
      }
      const [b, en] = offs as [number, number];
      if (en < b) throw bad(file, `${where}: data_offsets end ${en} is before begin ${b}`);
      if (en > dataBytes) throw bad(file, `${where}: data_offsets [${b}, ${en}] run past the end of the data (${dataBytes} bytes)`);
      const expect = numel(shape) * ST_DTYPES[e.dtype];
      if (expect !== en - b) {
        throw bad(file, `${where}: shape [${shape.join(', ')}] × ${e.dtype} is ${expect} bytes but data_offsets span ${en - b}`);
      }
      tensors.set(name, { name, dtype: e.dtype, shape, begin: dataOffset + b, end: dataOffset + en, file });
    }
    const sorted = [...tensors.values()].filter((t) => t.end > t.begin).sort((a, b) => a.begin - b.begin);
    for (let i = 1; i < sorted.length; i++) {
      if (sorted[i].begin < sorted[i - 1].end) {
        throw bad(file, `tensors '${sorted[i - 1].name}' and '${sorted[i].name}' overlap`);
      }
    }
    return { file, size, headerBytes, dataOffset, metadata, tensors, header };
  } finally {
    fs.closeSync(fd);
  }
}

/** The tensor's stored bytes, copied once from disk into a Buffer of exactly its size. */
export function readTensorRaw(t: TensorInfo): Buffer {
  const buf = Buffer.allocUnsafe(t.end - t.begin);
  const fd = fs.openSync(t.file, 'r');
  try {
    readExactly(fd, buf, t.begin, `${t.file} (tensor '${t.name}')`);
  } finally {
    fs.closeSync(fd);
  }
  return buf;
}

/** Streams a tensor's stored bytes in chunks (for writing external data without holding the tensor). */
export function* tensorChunks(t: TensorInfo, chunkBytes = 64 << 20): Generator<Buffer> {
  const fd = fs.openSync(t.file, 'r');
  try {
    for (let pos = t.begin; pos < t.end; pos += chunkBytes) {
      const buf = Buffer.allocUnsafe(Math.min(chunkBytes, t.end - pos));
      readExactly(fd, buf, pos, `${t.file} (tensor '${t.name}')`);
      yield buf;
    }
  } finally {
    fs.closeSync(fd);
  }
}

/** Views a little-endian 16-bit buffer as Uint16Array (copies only when unaligned). */
function u16View(buf: Buffer): Uint16Array {
  if (buf.byteOffset % 2 === 0) return new Uint16Array(buf.buffer, buf.byteOffset, buf.length / 2);
  return new Uint16Array(Uint8Array.from(buf).buffer);
}

/** The tensor as float32 (F16 and BF16 converted). */
export function readTensorF32(t: TensorInfo): Float32Array {
  const raw = readTensorRaw(t);
  if (t.dtype === 'F32') {
    if (raw.byteOffset % 4 === 0) return new Float32Array(raw.buffer, raw.byteOffset, raw.length / 4);
    return new Float32Array(Uint8Array.from(raw).buffer);
  }
  const h = u16View(raw);
  return t.dtype === 'BF16' ? bf16ToF32(h) : f16ToF32(h);
}

/** The tensor as IEEE half bits (for GPU providers): F16 as stored, BF16/F32 converted (saturating at ±65504). */
export function readTensorF16(t: TensorInfo): Uint16Array {
  if (t.dtype === 'F16') return u16View(readTensorRaw(t));
  if (t.dtype === 'BF16') return bf16ToF16(u16View(readTensorRaw(t)));
  return f32ToF16(readTensorF32(t), undefined, true);
}

// ---------------------------------------------------------------------------------------------------------------
// Checkpoints: model.safetensors, or shards listed in model.safetensors.index.json.

export const SINGLE_FILE = 'model.safetensors';
export const INDEX_FILE = 'model.safetensors.index.json';

export interface Checkpoint {
  dir: string;
  files: SafetensorsFile[];
  /** every tensor of the checkpoint by name */
  tensors: Map<string, TensorInfo>;
  /** the dtypes present, with their tensor bytes */
  dtypes: Partial<Record<StDtype, number>>;
  /** total bytes of tensor data as stored */
  dataBytes: number;
  /** total bytes of all checkpoint files (headers included) */
  fileBytes: number;
}

/** Opens a model folder's weights; every shard's header is validated before returning. */
export function openCheckpoint(dir: string): Checkpoint {
  const single = path.join(dir, SINGLE_FILE);
  const index = path.join(dir, INDEX_FILE);
  let files: SafetensorsFile[];
  const tensors = new Map<string, TensorInfo>();
  // as transformers does: a single model.safetensors wins over an index
  if (fs.existsSync(single)) {
    const st = openSafetensors(single);
    files = [st];
    for (const [n, t] of st.tensors) tensors.set(n, t);
  } else if (fs.existsSync(index)) {
    let json: unknown;
    try {
      json = JSON.parse(fs.readFileSync(index, 'utf8'));
    } catch (e) {
      throw new AppError('invalid_safetensors', `${index}: not valid JSON (${(e as Error).message})`);
    }
    const wm = (json as { weight_map?: unknown })?.weight_map;
    if (!wm || typeof wm !== 'object' || Array.isArray(wm)) throw new AppError('invalid_safetensors', `${index}: missing weight_map object`);
    const byShard = new Map<string, string[]>();
    for (const [name, shard] of Object.entries(wm as Record<string, unknown>)) {
      if (typeof shard !== 'string' || !/^[\w.-]+\.safetensors$/.test(shard) || shard.startsWith('.')) {
        throw new AppError('invalid_safetensors', `${index}: tensor '${name}' maps to an invalid shard file name ${JSON.stringify(shard)}`);
      }
      if (!byShard.has(shard)) byShard.set(shard, []);
      byShard.get(shard)!.push(name);
    }
    if (byShard.size === 0) throw new AppError('invalid_safetensors', `${index}: weight_map is empty`);
    files = [];
    for (const [shard, names] of byShard) {
      const f = path.join(dir, shard);
      if (!fs.existsSync(f)) throw new AppError('not_found', `${index}: shard ${shard} is missing from ${dir}`);
      const st = openSafetensors(f);
      for (const n of names) {
        const t = st.tensors.get(n);
        if (!t) throw new AppError('invalid_safetensors', `${index}: tensor '${n}' is not in shard ${shard}`);
        tensors.set(n, t);
      }
      files.push(st);
    }
  } else {
    throw new AppError('not_found', `${dir}: no ${SINGLE_FILE} or ${INDEX_FILE}`);
  }
  const dtypes: Partial<Record<StDtype, number>> = {};
  let dataBytes = 0;
  for (const t of tensors.values()) {
    dtypes[t.dtype] = (dtypes[t.dtype] ?? 0) + (t.end - t.begin);
    dataBytes += t.end - t.begin;
  }
  return { dir, files, tensors, dtypes, dataBytes, fileBytes: files.reduce((s, f) => s + f.size, 0) };
}
