// The model registry: folders the user registered, validated on the way in, with their load state.
// One implementation shared by the handlers (UI, CLI) and tests.

import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Db } from '../../store/db';
import { AppError } from '../../../shared/errors';
import type { ModelInfo, ModelState } from '../../../shared/api/models';
import { inspectModelFolder, type ModelSummary } from './inspect';
import { loadTokenizer, type ModelTokenizer } from '../text/tokenizer';

interface Row {
  id: string;
  name: string;
  path: string;
  arch: string;
  hf_architecture: string;
  dtype: string;
  parameters: number;
  file_bytes: number;
  summary_json: string;
  content_hash: string;
  state: ModelState;
  error: string | null;
  created_at: string;
  updated_at: string;
}

function toInfo(r: Row): ModelInfo {
  const s = JSON.parse(r.summary_json) as ModelSummary;
  return {
    ...s,
    id: r.id,
    name: r.name,
    path: r.path,
    arch: r.arch,
    hfArchitecture: r.hf_architecture,
    dtype: r.dtype,
    parameters: r.parameters,
    fileBytes: r.file_bytes,
    contentHash: r.content_hash,
    state: r.state,
    error: r.error,
    exists: fs.existsSync(path.join(r.path, 'config.json')),
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

/** Validates and registers a folder (re-validates and updates it when already registered). */
export function addModel(db: Db, dirIn: string, name?: string): ModelInfo {
  const dir = path.resolve(dirIn);
  const { summary } = inspectModelFolder(dir);
  const now = new Date().toISOString();
  const existing = db.prepare('SELECT * FROM models WHERE path = ?').get(dir) as Row | undefined;
  const json = JSON.stringify(summary);
  if (existing) {
    db.prepare(
      `UPDATE models SET name = ?, arch = ?, hf_architecture = ?, dtype = ?, parameters = ?, file_bytes = ?, summary_json = ?,
         content_hash = ?, state = CASE WHEN content_hash = ? THEN state ELSE 'registered' END, error = NULL, updated_at = ? WHERE id = ?`,
    ).run(name ?? existing.name, summary.arch, summary.hfArchitecture, summary.dtype, summary.parameters, summary.fileBytes, json, summary.contentHash, summary.contentHash, now, existing.id);
    return getModel(db, existing.id);
  }
  const id = `m_${crypto.randomBytes(6).toString('hex')}`;
  db.prepare(
    `INSERT INTO models (id, name, path, arch, hf_architecture, dtype, parameters, file_bytes, summary_json, content_hash, state, error, created_at, updated_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'registered', NULL, ?, ?)`,
  ).run(id, name ?? path.basename(dir), dir, summary.arch, summary.hfArchitecture, summary.dtype, summary.parameters, summary.fileBytes, json, summary.contentHash, now, now);
  return getModel(db, id);
}

export function listModels(db: Db): ModelInfo[] {
  return (db.prepare('SELECT * FROM models ORDER BY created_at, id').all() as Row[]).map(toInfo);
}

export function getModel(db: Db, id: string): ModelInfo {
  const r = db.prepare('SELECT * FROM models WHERE id = ?').get(id) as Row | undefined;
  if (!r) throw new AppError('not_found', `no registered model with id ${id}`);
  return toInfo(r);
}

export function findModelByPath(db: Db, dir: string): ModelInfo | null {
  const r = db.prepare('SELECT * FROM models WHERE path = ?').get(path.resolve(dir)) as Row | undefined;
  return r ? toInfo(r) : null;
}

export function removeModel(db: Db, id: string): boolean {
  return db.prepare('DELETE FROM models WHERE id = ?').run(id).changes > 0;
}

/** Load-state changes (called by the engine's load/eject). */
export function setModelState(db: Db, id: string, state: ModelState, error: string | null = null): ModelInfo {
  const n = db.prepare('UPDATE models SET state = ?, error = ?, updated_at = ? WHERE id = ?').run(state, error, new Date().toISOString(), id).changes;
  if (!n) throw new AppError('not_found', `no registered model with id ${id}`);
  return getModel(db, id);
}

/** A registered id or a folder path → the folder. */
export function modelDir(db: Db, ref: string): string {
  const r = db.prepare('SELECT path FROM models WHERE id = ?').get(ref) as { path: string } | undefined;
  if (r) return r.path;
  if (!path.isAbsolute(ref)) throw new AppError('not_found', `'${ref}' is neither a registered model id nor an absolute folder path`);
  return ref;
}

// Tokenizers are cached per folder (keyed by tokenizer.json's mtime and size), a few at a time.
const tokCache = new Map<string, { key: string; tok: ModelTokenizer }>();
export function tokenizerFor(dir: string): ModelTokenizer {
  const f = path.join(dir, 'tokenizer.json');
  let key = 'missing';
  try {
    const st = fs.statSync(f);
    key = `${st.mtimeMs}:${st.size}`;
  } catch {
    /* loadTokenizer reports it */
  }
  const hit = tokCache.get(dir);
  if (hit && hit.key === key) return hit.tok;
  const tok = loadTokenizer(dir);
  tokCache.delete(dir);
  tokCache.set(dir, { key, tok });
  while (tokCache.size > 4) tokCache.delete(tokCache.keys().next().value!);
  return tok;
}
