// Edit artifacts: a weight patch is a .safetensors file holding the edited tensors (the full edited values, float32,
// checkpoint names and layout) plus metadata (base model content hash, method, mode, hyper-parameters, loss curve,
// toxic layer, timings). Applying one to a model feeds the patched tensors to a decoder session whose graph takes
// them as inputs — no reload, no rewrite of the prepared weights.
import fs from 'node:fs';
import path from 'node:path';
import { AppError } from '../../shared/errors';
import type { ModelSpec } from '../engine/arch/registry';
import { checkpointHash, prepareDecoder } from '../engine/decoder/prepare';
import type { DecoderVariant } from '../engine/decoder/graph';
import type { Feed } from '../engine/generate/generate';
import { DecoderSession } from '../engine/runtime/session';
import { bf16ToF32, f16ToF32, f32ToBf16, f32ToF16, openSafetensors, readTensorF32, writeSafetensors, type StDtype } from '../engine/safetensors';

export const PATCH_FORMAT = 'safeedit-patch';
export const PATCH_VERSION = '1';

export interface PatchMeta {
  baseHash: string;
  arch: string;
  modelDir: string;
  method: string;
  mode: string;
  caseId: string | null;
  toxicLayer: number | null;
  layerDistances: number[];
  params: string[];
  hparams: Record<string, unknown>;
  losses: number[];
  timings: Record<string, unknown>;
  createdAt: string;
}

export interface PatchTensor {
  name: string;
  dims: number[];
  /** the edited values (float32) */
  data: Float32Array;
}

export interface Patch {
  file: string;
  meta: PatchMeta;
  tensors: PatchTensor[];
}

/** Writes a patch file (temp + rename). */
export function writePatch(file: string, meta: PatchMeta, tensors: PatchTensor[]): void {
  if (!tensors.length) throw new AppError('invalid_input', 'a patch needs at least one tensor');
  fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  const md: Record<string, string> = { format: PATCH_FORMAT, safeedit_patch_version: PATCH_VERSION, safeedit: JSON.stringify(meta) };
  writeSafetensors(file, tensors.map((t) => ({ name: t.name, dtype: 'F32', shape: t.dims, data: t.data })), md);
}

/** Reads and checks a patch file. */
export function readPatch(file: string): Patch {
  const abs = path.resolve(file);
  if (!fs.existsSync(abs)) throw new AppError('not_found', `${abs}: no such patch file`);
  const st = openSafetensors(abs);
  if (st.metadata.format !== PATCH_FORMAT || !st.metadata.safeedit) throw new AppError('invalid_input', `${abs}: not a SafeEdit weight patch (metadata format is '${st.metadata.format ?? ''}')`);
  let meta: PatchMeta;
  try {
    meta = JSON.parse(st.metadata.safeedit) as PatchMeta;
  } catch (e) {
    throw new AppError('invalid_input', `${abs}: patch metadata is not valid JSON (${(e as Error).message})`);
  }
  if (typeof meta.baseHash !== 'string' || !Array.isArray(meta.params)) throw new AppError('invalid_input', `${abs}: patch metadata lacks baseHash/params`);
  const tensors: PatchTensor[] = [...st.tensors.values()].map((t) => ({ name: t.name, dims: t.shape, data: readTensorF32(t) }));
  return { file: abs, meta, tensors };
}

/** Throws unless the patch was made for this checkpoint and every tensor fits it. */
export function checkPatchFits(ms: ModelSpec, p: Patch): void {
  const hash = checkpointHash(ms);
  if (p.meta.baseHash !== hash) {
    throw new AppError('patch_mismatch', `${p.file}: made for a model with content hash ${p.meta.baseHash}, but ${ms.dir} has ${hash}`);
  }
  for (const t of p.tensors) {
    const info = ms.checkpoint.tensors.get(t.name);
    if (!info) throw new AppError('patch_mismatch', `${p.file}: tensor '${t.name}' is not in ${ms.dir}`);
    if (info.shape.join(',') !== t.dims.join(',')) throw new AppError('patch_mismatch', `${p.file}: tensor '${t.name}' is [${t.dims}] but the model's is [${info.shape}]`);
  }
}

/** float32 → the stored dtype → float32, so a patch fed in memory equals the same patch exported to the checkpoint. */
export function roundToStored(x: Float32Array, dtype: StDtype): Float32Array {
  if (dtype === 'F16') return f16ToF32(f32ToF16(x));
  if (dtype === 'BF16') return bf16ToF32(f32ToBf16(x));
  return x;
}

/** The graph feeds of a patch for a model (values rounded through each tensor's stored dtype). */
export function patchFeeds(ms: ModelSpec, p: Patch): Record<string, Feed> {
  checkPatchFits(ms, p);
  const out: Record<string, Feed> = {};
  for (const t of p.tensors) out[t.name] = { dtype: 'float32', dims: t.dims, data: roundToStored(t.data, ms.checkpoint.tensors.get(t.name)!.dtype) };
  return out;
}

/** Sets (or with null, restores) the patched tensors of a session whose variant has them as editable inputs. */
export function applyPatchTo(session: DecoderSession, ms: ModelSpec, p: Patch | null, names?: string[]): void {
  if (!p) {
    for (const n of names ?? session.prepared.variant.editable) session.setWeight(n, null);
    return;
  }
  for (const [name, feed] of Object.entries(patchFeeds(ms, p))) session.setWeight(name, feed);
}

/** A float32 CPU decoder session with the patch's tensors as inputs, the patch applied. */
export async function openPatchedSession(ms: ModelSpec, dataDir: string, p: Patch, variant: Partial<DecoderVariant> = {}, threads?: number): Promise<DecoderSession> {
  checkPatchFits(ms, p);
  const v: DecoderVariant = { dtype: 'float32', hiddenStates: false, allLogits: false, ...variant, editable: p.tensors.map((t) => t.name) };
  const s = await DecoderSession.open(prepareDecoder(ms, dataDir, v), { provider: 'cpu', threads });
  applyPatchTo(s, ms, p);
  return s;
}
