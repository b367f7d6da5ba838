// Test helpers for model folders: the tiny golden models (written from the same seeds the committed goldens in
// test/goldens/ were computed from) and their goldens. Shared by the tokenizer, arch and engine tests.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { tempDir } from './helpers';
import { GOLDEN_MODELS, writeTinyModel, type TinyOptions } from '../main/engine/testing/tiny';
import type { ArchName } from '../main/engine/arch/profiles';

export interface Golden {
  name: string;
  arch: string;
  vocab: number;
  files: Record<string, string>;
  tokenizer: { text: string; ids: number[]; idsNoSpecial: number[]; decoded: string; decodedSkipSpecial: string }[];
  chat: { messages: { role: string; content: string }[]; addGenerationPrompt: boolean; text?: string; ids?: number[]; error?: string }[];
  /** hiddenStates: [layers + 1][seq][hidden], index 0 = embeddings, last = after the final norm */
  forward: { text: string; ids: number[]; lastLogits: number[]; hiddenStates?: number[][][] }[];
  greedy: { prompt: string; ids: number[]; continuation: number[]; text: string };
  greedyBatch: { prompts: string[]; padSide: 'left'; padId: number; inputIds: number[][]; attentionMask: number[][]; continuations: number[][] };
  rope?: { headDim: number; ropeParameters: Record<string, unknown>; invFreq: number[] }[];
}

export const GOLDEN_NAMES = GOLDEN_MODELS.map((g) => g.name);

export function loadGolden(name: string): Golden {
  return JSON.parse(fs.readFileSync(path.resolve(import.meta.dirname, 'goldens', `${name}.json`), 'utf8')) as Golden;
}

const written = new Map<string, string>();

/** The tiny model folder a golden was computed from (written once per test process). */
export function goldenModelDir(name: string): string {
  const cached = written.get(name);
  if (cached) return cached;
  const g = GOLDEN_MODELS.find((m) => m.name === name);
  if (!g) throw new Error(`no golden model '${name}'`);
  const dir = path.join(tempDir('safeedit-tiny-'), name);
  writeTinyModel(dir, g.arch, g.options);
  written.set(name, dir);
  return dir;
}

/** sha256 of each file in a folder (to check a re-written model is byte-identical to the golden's). */
export function folderHashes(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const f of fs.readdirSync(dir).sort()) out[f] = crypto.createHash('sha256').update(fs.readFileSync(path.join(dir, f))).digest('hex');
  return out;
}

/** A fresh tiny model of an architecture (for tests that modify the folder). */
export function tinyModel(arch: ArchName, options: TinyOptions = {}): string {
  const dir = path.join(tempDir('safeedit-tiny-'), arch);
  writeTinyModel(dir, arch, options);
  return dir;
}

/** A safetensors file whose data section is a hole (sparse): real header, real size, no disk used.
 *  For testing multi-GB checkpoints (header validation, resolve, memory estimates) without the bytes. */
export function sparseSafetensors(file: string, tensors: { name: string; dtype: 'F32' | 'F16' | 'BF16'; shape: number[] }[]): number {
  const size = { F32: 4, F16: 2, BF16: 2 };
  const header: Record<string, unknown> = {};
  let off = 0;
  for (const t of tensors) {
    const n = t.shape.reduce((a, b) => a * b, 1) * size[t.dtype];
    header[t.name] = { dtype: t.dtype, shape: t.shape, data_offsets: [off, off + n] };
    off += n;
  }
  const json = Buffer.from(JSON.stringify(header));
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(json.length));
  const fd = fs.openSync(file, 'w');
  fs.writeSync(fd, Buffer.concat([len, json]));
  fs.ftruncateSync(fd, 8 + json.length + off);
  fs.closeSync(fd);
  return 8 + json.length + off;
}
