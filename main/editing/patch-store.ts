// Patch rows (edit_patches) and their files: look-up by id, deletion (the Edit page, the CLI, and the experiments
// domain's run deletion through registerPatchStore). A file is unlinked only when it really is a SafeEdit patch, so a
// row pointing at some other file never deletes it.
import fs from 'node:fs';
import { AppError } from '../../shared/errors';
import type { PatchInfo } from '../../shared/api/editing';
import type { Db } from '../store/db';
import { openSafetensors } from '../engine/safetensors';
import { parseEditInfo, registerPatchStore } from '../experiments/index';
import { listPatches } from './service';
import { PATCH_FORMAT } from './patches';

export function patchById(db: Db, id: string): PatchInfo {
  const p = listPatches(db).find((r) => r.id === id);
  if (!p) throw new AppError('not_found', `no recorded patch with id ${id} ('safeedit patch list' shows them)`);
  return p;
}

/** Evaluation runs whose per-case edit reports name this patch (eval_cases.edit_json patch_id). */
export function runsUsingPatch(db: Db, id: string): string[] {
  const rows = db.prepare('SELECT DISTINCT run_id, edit_json FROM eval_cases WHERE edit_json LIKE ?').all(`%${id}%`) as { run_id: string; edit_json: string }[];
  return [...new Set(rows.filter((r) => parseEditInfo(r.edit_json)?.patchId === id).map((r) => r.run_id))].sort();
}

/** Unlinks a patch file if it exists and is a SafeEdit patch; returns whether it was removed. */
function unlinkPatchFile(file: string): boolean {
  if (!fs.existsSync(file)) return false;
  let format: string | undefined;
  try {
    format = openSafetensors(file).metadata.format;
  } catch {
    format = undefined;
  }
  if (format !== PATCH_FORMAT) throw new AppError('invalid_input', `${file}: is not a SafeEdit weight patch; not deleting it (remove the record with force after moving the file)`);
  fs.unlinkSync(file);
  return true;
}

/** Removes one patch: its file (when it is a patch file) and its row. */
function removeOne(db: Db, p: PatchInfo): boolean {
  const fileRemoved = unlinkPatchFile(p.file);
  db.prepare('DELETE FROM edit_patches WHERE id=?').run(p.id);
  return fileRemoved;
}

/**
 * Deletes a recorded patch. Refused while an evaluation run names it (those runs' reports would point at nothing)
 * unless `force`. The engine worker keeps its in-memory copy of an applied patch until it is cleared.
 */
export function deletePatch(db: Db, id: string, force = false): { id: string; fileRemoved: boolean } {
  const p = patchById(db, id);
  const runs = runsUsingPatch(db, id);
  if (runs.length && !force) {
    throw new AppError('conflict', `patch ${id} is used by evaluation run${runs.length > 1 ? 's' : ''} ${runs.slice(0, 5).join(', ')}${runs.length > 5 ? ', …' : ''}; delete those runs, or force`);
  }
  return { id, fileRemoved: removeOne(db, p) };
}

/**
 * The experiments domain's patch store: deleting a run removes the patches only it used (the caller has already
 * kept the ones another run shares). Ids without a row are not ours and are left out of the result.
 */
export function removePatchesOfDeletedRun(db: Db, ids: string[]): string[] {
  const known = new Map(listPatches(db).map((p) => [p.id, p]));
  const removed: string[] = [];
  for (const id of ids) {
    const p = known.get(id);
    if (!p) continue;
    try {
      removeOne(db, p);
    } catch {
      // not a patch file at that path: drop only the row, leave the file alone
      db.prepare('DELETE FROM edit_patches WHERE id=?').run(p.id);
    }
    removed.push(id);
  }
  return removed;
}

registerPatchStore({ remove: removePatchesOfDeletedRun });
