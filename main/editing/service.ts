// The editing domain's operations, shared by the job task (UI), the CLI and the tests: resolve a case, run a method,
// write the patch under the data dir (or a chosen file), record it in SQLite, and optionally generate the model's
// response to the adversarial prompt before and after.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { AppError } from '../../shared/errors';
import type { EditCaseSource, EditOutput, EditRunInput, PatchInfo } from '../../shared/api/editing';
import type { Db } from '../store/db';
import { findRecords } from '../dataset';
import { checkpointHash } from '../engine/decoder/prepare';
import { generate } from '../engine/generate/generate';
import { GREEDY } from '../engine/generate/sampling';
import { DINM_SUFFIX, padIdOf, runEdit, type EditCase, type EditRun } from './dinm';
import { EditModel } from './model';
import { openPatchedSession, writePatch, type Patch, type PatchMeta } from './patches';
import { runProfs } from './profs';

/** A SafeEdit record (as in the JSON files) → what an edit needs; errors name the file and the record. */
export function caseFromJson(r: unknown, where: string): EditCase {
  if (!r || typeof r !== 'object' || Array.isArray(r)) throw new AppError('invalid_input', `${where}: a SafeEdit record must be a JSON object`);
  const o = r as Record<string, unknown>;
  const str = (k: string): string => {
    const v = o[k];
    if (typeof v !== 'string' || !v.trim()) throw new AppError('invalid_input', `${where}: field '${k}' must be a non-empty string`);
    return v;
  };
  const kc = o['knowledge constrain'];
  if (!kc || typeof kc !== 'object' || typeof (kc as Record<string, unknown>).prompt !== 'string' || typeof (kc as Record<string, unknown>).answer !== 'string') {
    throw new AppError('invalid_input', `${where}: field 'knowledge constrain' must be an object with string 'prompt' and 'answer'`);
  }
  return {
    id: o.id === undefined ? undefined : String(o.id),
    adversarialPrompt: str('adversarial prompt'),
    safeGeneration: str('safe generation'),
    unsafeGeneration: str('unsafe generation'),
    knowledgeConstraint: { prompt: (kc as { prompt: string }).prompt, answer: (kc as { answer: string }).answer },
  };
}

/** Reads a SafeEdit JSON file (one record or a list) and picks a case (by id; the only record when there is one). */
export function caseFromFile(file: string, id?: string): EditCase {
  const abs = path.resolve(file);
  if (!fs.existsSync(abs)) throw new AppError('not_found', `${abs}: no such case file`);
  let json: unknown;
  try {
    json = JSON.parse(fs.readFileSync(abs, 'utf8'));
  } catch (e) {
    throw new AppError('invalid_input', `${abs}: not valid JSON (${(e as Error).message})`);
  }
  const list = Array.isArray(json) ? json : [json];
  if (!list.length) throw new AppError('invalid_input', `${abs}: the file holds no records`);
  let idx = 0;
  if (id !== undefined) {
    idx = list.findIndex((r) => r && typeof r === 'object' && String((r as { id?: unknown }).id) === id);
    if (idx < 0) throw new AppError('not_found', `${abs}: no record with id ${id}`);
  } else if (list.length > 1) throw new AppError('invalid_input', `${abs}: holds ${list.length} records; choose one with --case ID`);
  return caseFromJson(list[idx], `${abs} record ${idx + 1}${id !== undefined ? ` (id ${id})` : ''}`);
}

/** Resolves a case source: a case file (+ id) or a stored dataset record (key "split:id" or a bare id). */
export function resolveCase(db: Db | null, src: EditCaseSource): { c: EditCase; key: string | null } {
  if (src.caseFile) return { c: caseFromFile(src.caseFile, src.caseId), key: null };
  const want = src.recordKey ?? src.caseId;
  if (!want) throw new AppError('invalid_input', 'give a case: a dataset record key/id or a case file');
  if (!db) throw new AppError('invalid_input', 'no dataset available; pass a case file');
  const recs = findRecords(db, want);
  if (!recs.length) throw new AppError('not_found', `no dataset record with id or key '${want}' (import a SafeEdit file first, or pass --case-file)`);
  if (recs.length > 1) throw new AppError('invalid_input', `id ${want} exists in splits ${recs.map((r) => r.split).join(', ')}; give the key (e.g. ${recs[0].key})`);
  const r = recs[0];
  if (!r.knowledgeConstraint) throw new AppError('invalid_input', `record ${r.key} has no 'knowledge constrain'`);
  return {
    c: { id: r.id, adversarialPrompt: r.adversarialPrompt, safeGeneration: r.safeGeneration, unsafeGeneration: r.unsafeGeneration, knowledgeConstraint: r.knowledgeConstraint },
    key: r.key,
  };
}

export function patchesDir(dataDir: string): string {
  return path.join(dataDir, 'patches');
}

export interface EditHooks {
  signal?: AbortSignal;
  onStep?: (e: { step: number; steps: number; loss: number; nll: number; kl: number }) => void;
  onStage?: (stage: string) => void;
  threads?: number;
}

/** Runs one edit of one case end to end (the job task, the CLI and tests call this). */
export async function editCase(db: Db | null, dataDir: string, input: EditRunInput, hooks: EditHooks = {}): Promise<EditOutput> {
  const { c, key } = resolveCase(db, input);
  hooks.onStage?.('opening the model');
  const m = await EditModel.open(input.modelDir, { dataDir, threads: hooks.threads, onProgress: (_f, s) => hooks.onStage?.(s) });
  try {
    return await editOpened(db, dataDir, m, c, key, input, hooks);
  } finally {
    await m.release();
  }
}

function outputOf(run: EditRun | null, input: EditRunInput, extra: Partial<EditOutput>): EditOutput {
  return {
    method: input.method,
    mode: input.mode,
    toxic_layer: run?.toxicLayer ?? null,
    layer_distances: run?.layerDistances ?? [],
    params: run?.params ?? [],
    losses: run?.losses ?? [],
    nll: run?.nll ?? [],
    kl: run?.kl ?? [],
    step0: run?.step0 ? { loss: run.step0.loss, grad_norm: run.step0.grad_norm, grad_sum: run.step0.grad_sum } : null,
    stopped_early: run?.stoppedEarly ?? false,
    hparams: run?.hparams ?? {},
    timings: (run?.timings as unknown as Record<string, unknown>) ?? {},
    patch: null,
    patchId: null,
    before: null,
    after: null,
    ...extra,
  };
}

export async function editOpened(db: Db | null, dataDir: string, m: EditModel, c: EditCase, key: string | null, input: EditRunInput, hooks: EditHooks = {}): Promise<EditOutput> {
  const suffix = input.suffix ?? DINM_SUFFIX;
  let run: EditRun | null = null;
  if (input.method === 'dinm' || input.method === 'ft-l') {
    run = await runEdit(m, c, {
      method: input.method,
      mode: input.mode,
      layer: input.layer,
      hparams: { steps: input.steps, lr: input.lr, suffix },
      signal: hooks.signal,
      onStep: hooks.onStep,
      onStage: hooks.onStage,
    });
  } else if (input.method === 'profs') {
    run = await runProfs(m, c, { layers: input.layer !== undefined ? [input.layer] : undefined, signal: hooks.signal, onStage: hooks.onStage });
  }
  let patch: Patch | null = null;
  let patchId: string | null = null;
  if (run) {
    patchId = crypto.randomUUID();
    const file = input.out ? path.resolve(input.out) : path.join(patchesDir(dataDir), `${patchId}.safetensors`);
    const meta: PatchMeta = {
      baseHash: checkpointHash(m.ms),
      arch: m.ms.arch,
      modelDir: m.ms.dir,
      method: input.method,
      mode: input.mode,
      caseId: c.id ?? null,
      toxicLayer: run.toxicLayer,
      layerDistances: run.layerDistances,
      params: run.params,
      hparams: run.hparams,
      losses: run.losses,
      timings: run.timings as unknown as Record<string, unknown>,
      createdAt: new Date().toISOString(),
    };
    const tensors = run.tensors.map((t) => ({ name: t.name, dims: t.dims, data: t.edited }));
    writePatch(file, meta, tensors);
    patch = { file, meta, tensors };
    if (db) recordPatch(db, patchId, file, meta, key);
  }
  const out = outputOf(run, input, { patch: patch?.file ?? null, patchId });
  if (input.compare) {
    hooks.onStage?.('generating before/after');
    const prompt = input.method === 'dinm' || input.method === 'prompt' ? `${c.adversarialPrompt} ${suffix}` : c.adversarialPrompt;
    const gen = async (s: Parameters<typeof generate>[0], ids = run?.tokens.prompt_ids.length ? run.tokens.prompt_ids : m.tok.encode(prompt)) => {
      const eos = m.ms.eosTokenIds.length ? m.ms.eosTokenIds : [padIdOf(m)];
      const r = await generate(s, [ids], { maxNewTokens: input.compare!.maxNewTokens, sampling: GREEDY, eosTokenIds: eos, padTokenId: padIdOf(m), signal: hooks.signal });
      return { text: m.tok.decode(r.newIds[0], { skipSpecialTokens: true }), ids: r.newIds[0] };
    };
    // before: the unedited model on what a user would send (the prompt method's only change is the suffix)
    const beforePrompt = input.method === 'prompt' ? c.adversarialPrompt : prompt;
    out.before = { prompt: beforePrompt, ...(await gen(m.locateSession, m.tok.encode(beforePrompt))) };
    if (patch) {
      const s = await openPatchedSession(m.ms, dataDir, patch, {}, hooks.threads);
      try {
        out.after = { prompt, ...(await gen(s)) };
      } finally {
        await s.release();
      }
    } else out.after = { prompt, ...(await gen(m.locateSession)) };
  }
  return out;
}

export function recordPatch(db: Db, id: string, file: string, meta: PatchMeta, caseKey: string | null): void {
  db.prepare(
    `INSERT INTO edit_patches (id, file, model_path, base_hash, arch, method, mode, case_key, case_id, toxic_layer, params_json, layer_distances_json, losses_json, hparams_json, timings_json, created_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  ).run(
    id,
    file,
    meta.modelDir,
    meta.baseHash,
    meta.arch,
    meta.method,
    meta.mode,
    caseKey,
    meta.caseId,
    meta.toxicLayer,
    JSON.stringify(meta.params),
    JSON.stringify(meta.layerDistances),
    JSON.stringify(meta.losses),
    JSON.stringify(meta.hparams),
    JSON.stringify(meta.timings),
    meta.createdAt,
  );
}

interface PatchRow {
  id: string;
  file: string;
  model_path: string;
  base_hash: string;
  arch: string;
  method: string;
  mode: string;
  case_key: string | null;
  case_id: string | null;
  toxic_layer: number | null;
  params_json: string;
  layer_distances_json: string;
  losses_json: string;
  created_at: string;
}

/** Recorded patches, newest first: all, those made on a folder path, or (baseHash) those for a content hash. */
export function listPatches(db: Db, modelPath?: string, baseHash?: string): PatchInfo[] {
  const where: string[] = [];
  const args: string[] = [];
  if (modelPath) {
    where.push('model_path = ?');
    args.push(path.resolve(modelPath));
  }
  if (baseHash) {
    where.push('base_hash = ?');
    args.push(baseHash);
  }
  const rows = db.prepare(`SELECT * FROM edit_patches ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY created_at DESC`).all(...args) as PatchRow[];
  return rows.map((r) => ({
    id: r.id,
    file: r.file,
    modelPath: r.model_path,
    baseHash: r.base_hash,
    arch: r.arch,
    method: r.method,
    mode: r.mode,
    caseKey: r.case_key,
    caseId: r.case_id,
    toxicLayer: r.toxic_layer,
    params: JSON.parse(r.params_json) as string[],
    layerDistances: JSON.parse(r.layer_distances_json) as number[],
    losses: JSON.parse(r.losses_json) as number[],
    exists: fs.existsSync(r.file),
    createdAt: r.created_at,
  }));
}
