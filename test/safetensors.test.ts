import { describe, expect, it, vi } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import { tempDir } from './helpers';
import {
  bf16ToF16,
  bf16ToF32,
  f16ToF32,
  f32ToBf16,
  f32ToF16,
  openCheckpoint,
  openSafetensors,
  readTensorF16,
  readTensorF32,
  readTensorRaw,
  tensorChunks,
  writeSafetensors,
  INDEX_FILE,
} from '../main/engine/safetensors';

/** A raw file: [u64 len][header json][data bytes]; `lenOverride` lies about the header length. */
function rawFile(file: string, header: unknown, dataBytes: number, lenOverride?: bigint) {
  const json = Buffer.from(typeof header === 'string' ? header : JSON.stringify(header));
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(lenOverride ?? BigInt(json.length));
  fs.writeFileSync(file, Buffer.concat([len, json, Buffer.alloc(dataBytes, 7)]));
  return file;
}

function errOf(fn: () => unknown): { code: string; message: string } {
  try {
    fn();
  } catch (e) {
    return e as { code: string; message: string };
  }
  throw new Error('expected an error');
}

describe('safetensors header validation (hostile inputs)', () => {
  const dir = tempDir();
  const f = (n: string) => path.join(dir, n);

  it('header length larger than the file', () => {
    const e = errOf(() => openSafetensors(rawFile(f('a.safetensors'), { x: { dtype: 'F32', shape: [1], data_offsets: [0, 4] } }, 4, 10n ** 12n)));
    expect(e.code).toBe('invalid_safetensors');
    expect(e.message).toMatch(/a\.safetensors: header length 1000000000000 is larger than the file/);
  });
  it('header length over u64 range for JS numbers is still a clean error', () => {
    const e = errOf(() => openSafetensors(rawFile(f('a2.safetensors'), {}, 0, 2n ** 64n - 1n)));
    expect(e.message).toMatch(/larger than the file/);
  });
  it('file shorter than 8 bytes', () => {
    fs.writeFileSync(f('tiny.safetensors'), Buffer.from([1, 2, 3]));
    expect(errOf(() => openSafetensors(f('tiny.safetensors'))).message).toMatch(/too small/);
  });
  it('header that is not JSON', () => {
    const e = errOf(() => openSafetensors(rawFile(f('b.safetensors'), '{"x": nope', 0)));
    expect(e.message).toMatch(/b\.safetensors: header is not valid JSON/);
  });
  it('header that is JSON but not an object', () => {
    expect(errOf(() => openSafetensors(rawFile(f('b2.safetensors'), '[1,2]', 0))).message).toMatch(/not a JSON object/);
  });
  it('offsets out of range', () => {
    const e = errOf(() => openSafetensors(rawFile(f('c.safetensors'), { w: { dtype: 'F32', shape: [4], data_offsets: [0, 16] } }, 8)));
    expect(e.message).toMatch(/tensor 'w': data_offsets \[0, 16\] run past the end of the data \(8 bytes\)/);
  });
  it('negative or non-integer offsets', () => {
    const e = errOf(() => openSafetensors(rawFile(f('c2.safetensors'), { w: { dtype: 'F32', shape: [1], data_offsets: [-4, 0] } }, 8)));
    expect(e.message).toMatch(/tensor 'w': data_offsets must be/);
  });
  it('overlapping tensors', () => {
    const e = errOf(() =>
      openSafetensors(
        rawFile(
          f('d.safetensors'),
          { a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] }, b: { dtype: 'F32', shape: [2], data_offsets: [4, 12] } },
          12,
        ),
      ),
    );
    expect(e.message).toMatch(/d\.safetensors: tensors 'a' and 'b' overlap/);
  });
  it('unknown dtype', () => {
    const e = errOf(() => openSafetensors(rawFile(f('e.safetensors'), { w: { dtype: 'Q4_K', shape: [1], data_offsets: [0, 1] } }, 1)));
    expect(e.message).toMatch(/tensor 'w': unknown dtype 'Q4_K' \(supported: F32, F16, BF16\)/);
  });
  it('known but unsupported dtype', () => {
    const e = errOf(() => openSafetensors(rawFile(f('e2.safetensors'), { w: { dtype: 'I64', shape: [1], data_offsets: [0, 8] } }, 8)));
    expect(e.message).toMatch(/dtype I64 is not supported/);
  });
  it('shape × dtype ≠ byte length', () => {
    const e = errOf(() => openSafetensors(rawFile(f('g.safetensors'), { w: { dtype: 'F16', shape: [3, 2], data_offsets: [0, 8] } }, 8)));
    expect(e.message).toMatch(/tensor 'w': shape \[3, 2\] × F16 is 12 bytes but data_offsets span 8/);
  });
  it('bad shape', () => {
    const e = errOf(() => openSafetensors(rawFile(f('h.safetensors'), { w: { dtype: 'F32', shape: [1.5], data_offsets: [0, 4] } }, 4)));
    expect(e.message).toMatch(/shape must be an array of non-negative integers/);
  });
  it('bad __metadata__', () => {
    const e = errOf(() => openSafetensors(rawFile(f('m.safetensors'), { __metadata__: { format: 3 } }, 0)));
    expect(e.message).toMatch(/__metadata__\.format is not a string/);
  });
  it('missing file', () => {
    expect(errOf(() => openSafetensors(f('nope.safetensors'))).code).toBe('not_found');
  });
  it('missing model.safetensors in a folder', () => {
    const e = errOf(() => openCheckpoint(tempDir()));
    expect(e.code).toBe('not_found');
    expect(e.message).toMatch(/no model\.safetensors or model\.safetensors\.index\.json/);
  });
});

describe('safetensors round trip and conversions', () => {
  it('writes and reads F32/F16/BF16 with metadata; header bytes only are read on open', () => {
    const dir = tempDir();
    const file = path.join(dir, 'model.safetensors');
    const vals = new Float32Array([0, 1, -2.5, 3.140625, 65504, 1e-7, -0.0001, 1234.5]);
    writeSafetensors(
      file,
      [
        { name: 'a', dtype: 'F32', shape: [2, 4], data: vals },
        { name: 'b', dtype: 'F16', shape: [8], data: vals },
        { name: 'c', dtype: 'BF16', shape: [4, 2], data: vals },
        { name: 'empty', dtype: 'F32', shape: [0, 3], data: new Float32Array(0) },
      ],
      { format: 'pt' },
    );
    const st = openSafetensors(file);
    expect(st.metadata).toEqual({ format: 'pt' });
    expect([...st.tensors.keys()]).toEqual(['a', 'b', 'c', 'empty']);
    expect((st.dataOffset - 8) % 8).toBe(0);
    expect(Array.from(readTensorF32(st.tensors.get('a')!))).toEqual(Array.from(vals));
    const b = readTensorF32(st.tensors.get('b')!);
    const c = readTensorF32(st.tensors.get('c')!);
    for (let i = 0; i < vals.length; i++) {
      expect(Math.abs(b[i] - vals[i])).toBeLessThanOrEqual(Math.abs(vals[i]) * 2 ** -11 + 6e-8);
      expect(Math.abs(c[i] - vals[i])).toBeLessThanOrEqual(Math.abs(vals[i]) * 2 ** -8);
    }
    expect(readTensorF32(st.tensors.get('empty')!).length).toBe(0);
    expect(readTensorRaw(st.tensors.get('b')!).length).toBe(16);
    expect(Array.from(f16ToF32(readTensorF16(st.tensors.get('a')!)))).toEqual(Array.from(b));
    const chunks = [...tensorChunks(st.tensors.get('a')!, 12)];
    expect(chunks.map((x) => x.length)).toEqual([12, 12, 8]);
    expect(Buffer.concat(chunks).equals(readTensorRaw(st.tensors.get('a')!))).toBe(true);
  });

  it('f16 conversion is exact on known bit patterns and round-trips every finite half', () => {
    const bits = new Uint16Array([0x0000, 0x8000, 0x3c00, 0xc000, 0x7bff, 0x0001, 0x03ff, 0x7c00, 0xfc00]);
    expect(Array.from(f16ToF32(bits))).toEqual([0, -0, 1, -2, 65504, 2 ** -24, 1023 * 2 ** -24, Infinity, -Infinity]);
    const all = new Uint16Array(65536).map((_, i) => i);
    const back = f32ToF16(f16ToF32(all));
    for (let i = 0; i < 65536; i++) {
      const e = (i >> 10) & 0x1f;
      if (e === 31 && i & 0x3ff) continue; // NaN payloads
      expect(back[i]).toBe(i);
    }
    expect(f32ToF16(new Float32Array([1e6, 1 + 2 ** -11, 1 + 3 * 2 ** -11, 65520]))).toEqual(new Uint16Array([0x7c00, 0x3c00, 0x3c02, 0x7c00]));
    // saturating (used for weights): out-of-range values clamp to ±65504 instead of becoming Inf
    expect(f32ToF16(new Float32Array([1e6, -1e6, 65520, Infinity]), undefined, true)).toEqual(new Uint16Array([0x7bff, 0xfbff, 0x7bff, 0x7c00]));
    expect(bf16ToF16(f32ToBf16(new Float32Array([3e38, 2])))).toEqual(new Uint16Array([0x7bff, 0x4000]));
  });

  it('bf16 conversion rounds to nearest even and is exact back', () => {
    const v = new Float32Array([1, 1 + 2 ** -8, 1 + 3 * 2 ** -8, -3.5]);
    const h = f32ToBf16(v);
    expect(Array.from(h)).toEqual([0x3f80, 0x3f80, 0x3f82, 0xc060]);
    expect(Array.from(bf16ToF32(h))).toEqual([1, 1, 1 + 2 ** -6, -3.5]);
  });
});

describe('sharded checkpoints', () => {
  function sharded() {
    const dir = tempDir();
    writeSafetensors(path.join(dir, 'model-00001-of-00002.safetensors'), [{ name: 'x', dtype: 'F32', shape: [2], data: new Float32Array([1, 2]) }]);
    writeSafetensors(path.join(dir, 'model-00002-of-00002.safetensors'), [{ name: 'y', dtype: 'BF16', shape: [1], data: new Float32Array([3]) }]);
    return dir;
  }
  it('reads tensors across shards via the index', () => {
    const dir = sharded();
    fs.writeFileSync(
      path.join(dir, INDEX_FILE),
      JSON.stringify({ metadata: { total_size: 10 }, weight_map: { x: 'model-00001-of-00002.safetensors', y: 'model-00002-of-00002.safetensors' } }),
    );
    const ck = openCheckpoint(dir);
    expect(ck.files.length).toBe(2);
    expect(Array.from(readTensorF32(ck.tensors.get('x')!))).toEqual([1, 2]);
    expect(Array.from(readTensorF32(ck.tensors.get('y')!))).toEqual([3]);
    expect(ck.dtypes).toEqual({ F32: 8, BF16: 2 });
  });
  it('missing shard, tensor not in its shard, path traversal', () => {
    const dir = sharded();
    const idx = path.join(dir, INDEX_FILE);
    fs.writeFileSync(idx, JSON.stringify({ weight_map: { x: 'model-00003-of-00003.safetensors' } }));
    expect(errOf(() => openCheckpoint(dir)).message).toMatch(/shard model-00003-of-00003\.safetensors is missing/);
    fs.writeFileSync(idx, JSON.stringify({ weight_map: { z: 'model-00001-of-00002.safetensors' } }));
    expect(errOf(() => openCheckpoint(dir)).message).toMatch(/tensor 'z' is not in shard model-00001-of-00002\.safetensors/);
    fs.writeFileSync(idx, JSON.stringify({ weight_map: { x: '../../etc/passwd.safetensors' } }));
    expect(errOf(() => openCheckpoint(dir)).message).toMatch(/invalid shard file name/);
    fs.writeFileSync(idx, '{oops');
    expect(errOf(() => openCheckpoint(dir)).message).toMatch(/not valid JSON/);
  });
});

describe('large checkpoints are read lazily', () => {
  it('opening a 3 GiB (sparse) file reads only the header; a tensor past 2^31 is read on its own', () => {
    const dir = tempDir();
    const file = path.join(dir, 'big.safetensors');
    const big = 768 * 1048576 * 4; // [768, 1048576] F32 = 3 GiB
    const header = Buffer.from(
      JSON.stringify({
        big: { dtype: 'F32', shape: [768, 1048576], data_offsets: [0, big] },
        tail: { dtype: 'F32', shape: [4], data_offsets: [big, big + 16] },
      }),
    );
    const len = Buffer.alloc(8);
    len.writeBigUInt64LE(BigInt(header.length));
    const fd = fs.openSync(file, 'w');
    fs.writeSync(fd, Buffer.concat([len, header]));
    const tail = new Float32Array([1.5, -2, 3.25, 4]);
    fs.writeSync(fd, Buffer.from(tail.buffer), 0, 16, 8 + header.length + big);
    fs.closeSync(fd);
    const spy = vi.spyOn(fs, 'readSync');
    /** bytes asked for by readSync(fd, buf, offset, length, position) calls */
    const requestedBytes = () => spy.mock.calls.reduce((s, c) => s + Number((c as unknown[])[3] ?? 0), 0);
    try {
      const st = openSafetensors(file);
      expect(requestedBytes()).toBe(8 + header.length);
      expect(st.size).toBe(8 + header.length + big + 16);
      spy.mockClear();
      const t = st.tensors.get('tail')!;
      expect(t.begin).toBeGreaterThan(2 ** 31);
      expect(Array.from(readTensorF32(t))).toEqual(Array.from(tail));
      expect(requestedBytes()).toBe(16);
      // the first chunk of the 3 GiB tensor streams without allocating the tensor
      const first = tensorChunks(st.tensors.get('big')!, 1 << 20).next().value!;
      expect(first.length).toBe(1 << 20);
    } finally {
      spy.mockRestore();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
