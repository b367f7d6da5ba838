// The runs table: one SQL pass over eval_runs (migration 5) joined with the annotations of migration 6, plus
// rename / tag / annotate / delete and the saved column layout. Metric columns come from the run's cached metric
// report (written by main/eval/store.refreshMetrics with the one metric definition, main/eval/metrics.ts).
import path from 'node:path';
import type { Db } from '../store/db';
import type { JudgeInfo, Provenance, RunStatus, EvalSettings } from '../../shared/api/eval';
import { ColumnLayout, type ExperimentRow } from '../../shared/api/experiments';
import { AppError } from '../../shared/errors';
import { comparabilityKey, deleteRun, reconcileRuns } from '../eval/store';
import { getJudge } from '../eval/judge';
import { parseEditInfo } from './edit-info';

interface ListRow {
  id: string;
  name: string | null;
  status: RunStatus;
  error: string | null;
  settings_json: string;
  provenance_json: string;
  ds: number | null;
  dg_avg: number | null;
  fluency: number | null;
  judge_id: string;
  created_at: string;
  finished_at: string | null;
  cases: number;
  tags: string | null;
  notes: string | null;
}

const TAG_SEP = '\u001f';

/** The case source of a run as a short name: the split, or the case file's base name. */
export function splitName(s: EvalSettings): string {
  if (s.cases.split) return s.cases.split;
  return s.cases.caseFile ? path.basename(s.cases.caseFile) : '';
}

/** Most frequent located toxic layer per run (ties → the lower layer), from the edit reports. */
function computeToxicModes(db: Db, runIds: string[]): Map<string, number | null> {
  const out = new Map<string, number | null>(runIds.map((id) => [id, null]));
  const q = db.prepare(
    `SELECT layer, COUNT(*) AS n FROM (
       SELECT CASE WHEN json_valid(edit_json) THEN COALESCE(json_extract(edit_json,'$.details.toxic_layer'), json_extract(edit_json,'$.toxic_layer')) END AS layer
       FROM eval_cases WHERE run_id=? AND edit_json IS NOT NULL)
     WHERE typeof(layer)='integer' GROUP BY layer ORDER BY n DESC, layer ASC LIMIT 1`,
  );
  for (const id of runIds) out.set(id, (q.get(id) as { layer: number } | undefined)?.layer ?? null);
  return out;
}

/** Per process: run id → its toxic-layer mode, for runs that have stopped (keyed by their finish time). */
const layerCache = new Map<string, { stamp: string; layer: number | null }>();

/**
 * Toxic-layer modes. A stopped run's edit reports do not change until it is resumed (which changes its status and
 * finish time), so each is read once per process; live runs are read every time. Reading every edit_json is the
 * slow part of listing 1,000 runs.
 */
function toxicLayerModes(db: Db, runs: { id: string; status: RunStatus; finished_at: string | null }[]): Map<string, number | null> {
  const out = new Map<string, number | null>();
  const stale: { id: string; stamp: string | null }[] = [];
  for (const r of runs) {
    const live = r.status === 'running' || r.status === 'pending';
    const stamp = live ? null : `${r.status}|${r.finished_at}`;
    const hit = layerCache.get(r.id);
    if (stamp !== null && hit && hit.stamp === stamp) out.set(r.id, hit.layer);
    else stale.push({ id: r.id, stamp });
  }
  if (stale.length) {
    const fresh = computeToxicModes(
      db,
      stale.map((x) => x.id),
    );
    for (const x of stale) {
      const layer = fresh.get(x.id) ?? null;
      if (x.stamp !== null) layerCache.set(x.id, { stamp: x.stamp, layer });
      out.set(x.id, layer);
    }
  }
  return out;
}

/** Registered model names by folder path: the runs table shows a model's registered name, else its folder name. */
function modelNames(db: Db): Map<string, string> {
  return new Map((db.prepare('SELECT path, name FROM models').all() as { path: string; name: string }[]).map((m) => [m.path, m.name]));
}

function toRow(r: ListRow, judge: JudgeInfo, toxic: number | null, names: Map<string, string>): ExperimentRow {
  const settings = JSON.parse(r.settings_json) as EvalSettings;
  const prov = JSON.parse(r.provenance_json) as Provenance;
  const modelPath = prov.modelPath || settings.model.path;
  return {
    id: r.id,
    name: r.name,
    model: names.get(modelPath) ?? path.basename(modelPath),
    modelPath: prov.modelPath || settings.model.path,
    method: settings.edit.method,
    mode: settings.edit.mode,
    layer: settings.edit.layer ?? null,
    toxicLayer: toxic,
    judge: judge.name,
    judgeId: judge.id,
    split: splitName(settings),
    cases: r.cases,
    DS: r.ds,
    DG_Avg: r.dg_avg,
    Fluency: r.fluency,
    status: r.status,
    error: r.error,
    createdAt: r.created_at,
    finishedAt: r.finished_at,
    tags: r.tags ? r.tags.split(TAG_SEP).sort() : [],
    notes: r.notes ?? '',
    comparabilityKey: comparabilityKey(prov, judge),
  };
}

// Overall metrics come from the cached report (eval_runs.metrics_json, written by main/eval/store.refreshMetrics).
const LIST_SQL = `SELECT r.id, r.name, r.status, r.error, r.settings_json, r.provenance_json, r.judge_id,
    json_extract(r.metrics_json, '$.overall.DS') AS ds, json_extract(r.metrics_json, '$.overall.DG_Avg') AS dg_avg,
    json_extract(r.metrics_json, '$.overall.Fluency') AS fluency,
    r.created_at, r.finished_at,
    (SELECT COUNT(*) FROM eval_cases c WHERE c.run_id=r.id) AS cases,
    (SELECT group_concat(tag, char(31)) FROM experiment_tags t WHERE t.run_id=r.id) AS tags,
    n.notes AS notes
  FROM eval_runs r LEFT JOIN experiment_notes n ON n.run_id=r.id`;

function judgeCache(db: Db) {
  const cache = new Map<string, JudgeInfo>();
  return (id: string) => {
    let j = cache.get(id);
    if (!j) cache.set(id, (j = getJudge(db, id)));
    return j;
  };
}

/** Every run, newest first. */
export function listExperiments(db: Db): ExperimentRow[] {
  reconcileRuns(db);
  const rows = db.prepare(`${LIST_SQL} ORDER BY r.created_at DESC, r.rowid DESC`).all() as ListRow[];
  const judge = judgeCache(db);
  const toxic = toxicLayerModes(db, rows);
  const names = modelNames(db);
  return rows.map((r) => toRow(r, judge(r.judge_id), toxic.get(r.id) ?? null, names));
}

export function experimentRow(db: Db, id: string): ExperimentRow {
  reconcileRuns(db);
  const r = db.prepare(`${LIST_SQL} WHERE r.id=?`).get(id) as ListRow | undefined;
  if (!r) throw new AppError('not_found', `no evaluation run with id ${id}`);
  return toRow(r, getJudge(db, r.judge_id), toxicLayerModes(db, [r]).get(id) ?? null, modelNames(db));
}

/**
 * A run named on the command line: its full id, a unique id prefix (4+ characters) or its unique name.
 * Throws not_found / ambiguous with the candidates.
 */
export function resolveRunRef(db: Db, ref: string): string {
  const exact = db.prepare('SELECT id FROM eval_runs WHERE id=?').get(ref) as { id: string } | undefined;
  if (exact) return exact.id;
  const byPrefix = ref.length >= 4 ? (db.prepare("SELECT id FROM eval_runs WHERE id LIKE ? ESCAPE '\\' LIMIT 6").all(`${ref.replace(/[\\%_]/g, (c) => `\\${c}`)}%`) as { id: string }[]) : [];
  const byName = db.prepare('SELECT id FROM eval_runs WHERE name=? LIMIT 6').all(ref) as { id: string }[];
  const ids = [...new Set([...byPrefix, ...byName].map((r) => r.id))];
  if (ids.length === 1) return ids[0];
  if (ids.length === 0) throw new AppError('not_found', `no evaluation run matches '${ref}' (give a run id, a unique id prefix of 4+ characters, or a unique run name; 'safeedit runs list' shows them)`);
  throw new AppError('ambiguous', `'${ref}' matches several runs: ${ids.slice(0, 5).join(', ')}${ids.length > 5 ? ', …' : ''}`);
}

export interface RunUpdate {
  id: string;
  name?: string;
  tags?: string[];
  notes?: string;
}

/** Rename (eval_runs.name; '' clears it), replace the tags, set the notes ('' removes them). */
export function updateExperiment(db: Db, u: RunUpdate): ExperimentRow {
  const now = new Date().toISOString();
  db.transaction(() => {
    const exists = db.prepare('SELECT 1 FROM eval_runs WHERE id=?').get(u.id);
    if (!exists) throw new AppError('not_found', `no evaluation run with id ${u.id}`);
    if (u.name !== undefined) db.prepare('UPDATE eval_runs SET name=? WHERE id=?').run(u.name.trim() || null, u.id);
    if (u.tags !== undefined) {
      db.prepare('DELETE FROM experiment_tags WHERE run_id=?').run(u.id);
      const ins = db.prepare('INSERT OR IGNORE INTO experiment_tags(run_id, tag) VALUES (?,?)');
      for (const t of u.tags) ins.run(u.id, t.trim());
    }
    if (u.notes !== undefined) {
      if (u.notes.trim() === '') db.prepare('DELETE FROM experiment_notes WHERE run_id=?').run(u.id);
      else
        db.prepare(
          'INSERT INTO experiment_notes(run_id, notes, updated_at) VALUES (?,?,?) ON CONFLICT(run_id) DO UPDATE SET notes=excluded.notes, updated_at=excluded.updated_at',
        ).run(u.id, u.notes, now);
    }
  })();
  return experimentRow(db, u.id);
}

// ------------------------------------------------------------------------------------------------ delete + patches

/** Where edit patches live. The editing domain registers one (registerPatchStore); none is registered until it exists. */
export interface PatchStore {
  /** Removes the given patches; returns the ids it removed (ids it does not know are left out). */
  remove(db: Db, patchIds: string[]): string[];
}
const patchStores: PatchStore[] = [];
export function registerPatchStore(s: PatchStore): void {
  patchStores.push(s);
}

/** Patch ids referenced by a run's edit reports. */
export function runPatchIds(db: Db, runId: string): string[] {
  const rows = db.prepare('SELECT edit_json FROM eval_cases WHERE run_id=? AND edit_json IS NOT NULL').all(runId) as { edit_json: string }[];
  const ids = new Set<string>();
  for (const r of rows) {
    const p = parseEditInfo(r.edit_json)?.patchId;
    if (p) ids.add(p);
  }
  return [...ids].sort();
}

/** Deletes a run (not while it runs) and the patches only it uses. */
export function deleteExperiment(db: Db, id: string): { deleted: boolean; patches: { removed: string[]; keptShared: string[]; unmanaged: string[] } } {
  reconcileRuns(db);
  const row = db.prepare('SELECT status FROM eval_runs WHERE id=?').get(id) as { status: RunStatus } | undefined;
  if (!row) throw new AppError('not_found', `no evaluation run with id ${id}`);
  if (row.status === 'running' || row.status === 'pending') throw new AppError('conflict', `run ${id} is ${row.status}; cancel it first`);
  return db.transaction(() => {
    const mine = runPatchIds(db, id);
    const keptShared: string[] = [];
    const own: string[] = [];
    if (mine.length) {
      const others = db.prepare('SELECT edit_json FROM eval_cases WHERE run_id<>? AND edit_json IS NOT NULL AND edit_json LIKE ?');
      for (const p of mine) {
        const hits = others.all(id, `%${p}%`) as { edit_json: string }[];
        if (hits.some((h) => parseEditInfo(h.edit_json)?.patchId === p)) keptShared.push(p);
        else own.push(p);
      }
    }
    const removed = new Set<string>();
    for (const s of patchStores) for (const p of s.remove(db, own.filter((x) => !removed.has(x)))) removed.add(p);
    const deleted = deleteRun(db, id);
    return {
      deleted,
      patches: { removed: [...removed].sort(), keptShared, unmanaged: own.filter((p) => !removed.has(p)) },
    };
  })();
}

// ------------------------------------------------------------------------------------------------------ layout

const VIEW = 'runs';

export function getLayout(db: Db): ColumnLayout | null {
  const r = db.prepare('SELECT layout_json FROM experiment_views WHERE name=?').get(VIEW) as { layout_json: string } | undefined;
  if (!r) return null;
  const parsed = ColumnLayout.safeParse(JSON.parse(r.layout_json));
  return parsed.success ? parsed.data : null;
}

export function setLayout(db: Db, layout: ColumnLayout): ColumnLayout {
  db.prepare(
    'INSERT INTO experiment_views(name, layout_json, updated_at) VALUES (?,?,?) ON CONFLICT(name) DO UPDATE SET layout_json=excluded.layout_json, updated_at=excluded.updated_at',
  ).run(VIEW, JSON.stringify(layout), new Date().toISOString());
  return layout;
}
