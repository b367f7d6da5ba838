// Element types a checkpoint may store, and conversions between them. One implementation of each conversion,
// shared by the reader, the writer and the tiny-model generator.

/** Safetensors dtypes the engine reads. Others are refused by name. */
export const ST_DTYPES = { F32: 4, F16: 2, BF16: 2 } as const;
export type StDtype = keyof typeof ST_DTYPES;

/** Every dtype the safetensors format defines (so a known-but-unsupported one gets a precise message). */
export const KNOWN_ST_DTYPES = ['BOOL', 'U8', 'I8', 'F8_E5M2', 'F8_E4M3', 'I16', 'U16', 'F16', 'BF16', 'I32', 'U32', 'F32', 'F64', 'I64', 'U64'];

export function isStDtype(d: string): d is StDtype {
  return Object.prototype.hasOwnProperty.call(ST_DTYPES, d);
}

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** bfloat16 bits → float32 (exact). */
export function bf16ToF32(src: Uint16Array, out = new Float32Array(src.length)): Float32Array {
  const o32 = new Uint32Array(out.buffer, out.byteOffset, out.length);
  for (let i = 0; i < src.length; i++) o32[i] = src[i] << 16;
  return out;
}

/** float32 → bfloat16 bits, round to nearest even (NaN stays NaN). */
export function f32ToBf16(src: Float32Array, out = new Uint16Array(src.length)): Uint16Array {
  for (let i = 0; i < src.length; i++) {
    f32[0] = src[i];
    const x = u32[0];
    if ((x & 0x7fffffff) > 0x7f800000) {
      out[i] = (x >>> 16) | 0x40;
      continue;
    }
    out[i] = (x + 0x7fff + ((x >>> 16) & 1)) >>> 16;
  }
  return out;
}

// Lookup tables for half → float: mantissa/exponent decomposition (fast and exact).
let F16_TABLE: Float32Array | null = null;
function f16Table(): Float32Array {
  if (F16_TABLE) return F16_TABLE;
  const t = new Float32Array(65536);
  for (let h = 0; h < 65536; h++) {
    const s = h & 0x8000 ? -1 : 1;
    const e = (h >> 10) & 0x1f;
    const m = h & 0x3ff;
    if (e === 0) t[h] = s * m * 2 ** -24;
    else if (e === 31) t[h] = m ? NaN : s * Infinity;
    else t[h] = s * (1 + m / 1024) * 2 ** (e - 15);
  }
  F16_TABLE = t;
  return t;
}

/** IEEE half bits → float32 (exact). */
export function f16ToF32(src: Uint16Array, out = new Float32Array(src.length)): Float32Array {
  const t = f16Table();
  for (let i = 0; i < src.length; i++) out[i] = t[src[i]];
  return out;
}

/** float32 → IEEE half bits, round to nearest even, subnormals kept; overflow → ±Inf, or ±65504 with `saturate`. */
export function f32ToF16(src: Float32Array, out = new Uint16Array(src.length), saturate = false): Uint16Array {
  const over = saturate ? 0x7bff : 0x7c00;
  for (let i = 0; i < src.length; i++) {
    f32[0] = src[i];
    const x = u32[0];
    const sign = (x >>> 16) & 0x8000;
    const exp = (x >>> 23) & 0xff;
    const mant = x & 0x7fffff;
    if (exp === 0xff) {
      out[i] = sign | 0x7c00 | (mant ? 0x200 : 0);
      continue;
    }
    const e = exp - 127 + 15;
    if (e >= 31) {
      out[i] = sign | over;
      continue;
    }
    if (e <= 0) {
      if (e < -10) {
        out[i] = sign;
        continue;
      }
      const m = mant | 0x800000;
      const shift = 14 - e;
      let h = m >>> shift;
      const rem = m & ((1 << shift) - 1);
      const half = 1 << (shift - 1);
      if (rem > half || (rem === half && h & 1)) h++;
      out[i] = sign | h;
      continue;
    }
    let h = (e << 10) | (mant >>> 13);
    const rem = mant & 0x1fff;
    if (rem > 0x1000 || (rem === 0x1000 && h & 1)) h++;
    out[i] = sign | (h >= 0x7c00 ? over : h);
  }
  return out;
}

/** bfloat16 bits → IEEE half bits (via float32), saturating at ±65504: a weight never becomes Inf. */
export function bf16ToF16(src: Uint16Array): Uint16Array {
  return f32ToF16(bf16ToF32(src), undefined, true);
}
