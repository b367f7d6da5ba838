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
