// SQLite side of evaluation runs (migration 005_eval): the work list, per-sample results, judge scores and metric
// sets. Every write that finishes a piece of work is its own transaction, so a killed process loses at most the
// batch that was in flight.
import { createHash, randomUUID } from 'node:crypto';
import type { Db } from '../store/db';
import {
  METRIC_SLOTS,
  type EvalSettings,
  type JudgeInfo,
  type MetricReport,
  type MetricSet,
  type MetricSlot,
  type Provenance,
  type RunDetail,
  type RunStatus,
  type RunSummary,
  type SampleRow,
} from '../../shared/api/eval';
import { AppError } from '../../shared/errors';
import { computeMetrics, type MetricSample } from './metrics';
import { getJudge } from './judge';
import { applySuffix, caseInputs, metricCategory, type EvalCase } from './protocol';

interface RunRow {
  id: string;
  name: string | null;
  status: RunStatus;
  settings_json: string;
  provenance_json: string;
  judge_id: string;
  job_id: string | null;
  error: string | null;
  metrics_json: string | null;
  created_at: string;
  started_at: string | null;
  finished_at: string | null;
}

export interface NewRun {
  settings: EvalSettings;
  provenance: Provenance;
  judge: JudgeInfo;
  cases: EvalCase[];
  /** suffix appended to every input (null = none) */
  suffix: string | null;
}

/** Records a run and its whole work list: one sample row per (case, slot), n/a rows included. */
export function createRun(db: Db, r: NewRun): string {
  const id = randomUUID();
  const now = new Date().toISOString();
  db.transaction(() => {
    db.prepare(
      `INSERT INTO eval_runs(id, name, status, settings_json, provenance_json, judge_id, created_at) VALUES (?,?,?,?,?,?,?)`,
    ).run(id, r.settings.name ?? null, 'pending', JSON.stringify(r.settings), JSON.stringify(r.provenance), r.judge.id, now);
    const insCase = db.prepare(
      `INSERT INTO eval_cases(run_id, case_key, position, case_id, category, record_json) VALUES (?,?,?,?,?,?)`,
    );
    const insSample = db.prepare(
      `INSERT INTO eval_samples(run_id, case_key, position, slot, category, applicable, input_text, prompt_text) VALUES (?,?,?,?,?,?,?,?)`,
    );
    r.cases.forEach((c, ci) => {
      const category = metricCategory(c.category);
      insCase.run(id, c.key, ci, c.id, category, JSON.stringify(c));
      caseInputs(c).forEach((inp, si) => {
        insSample.run(id, c.key, ci * METRIC_SLOTS.length + si, inp.slot, category, inp.text === null ? 0 : 1, inp.text, inp.text === null ? null : applySuffix(inp.text, r.suffix));
      });
    });
  })();
  return id;
}

function runRow(db: Db, id: string): RunRow {
  const r = db.prepare('SELECT * FROM eval_runs WHERE id=?').get(id) as RunRow | undefined;
  if (!r) throw new AppError('not_found', `no evaluation run with id ${id}`);
  return r;
}

export function runSettings(db: Db, id: string): EvalSettings {
  return JSON.parse(runRow(db, id).settings_json) as EvalSettings;
}
export function runProvenance(db: Db, id: string): Provenance {
  return JSON.parse(runRow(db, id).provenance_json) as Provenance;
}
export function runJudgeId(db: Db, id: string): string {
  return runRow(db, id).judge_id;
}
export function runStatus(db: Db, id: string): RunStatus {
  return runRow(db, id).status;
}

export function setRunProvenance(db: Db, id: string, p: Provenance): void {
  db.prepare('UPDATE eval_runs SET provenance_json=? WHERE id=?').run(JSON.stringify(p), id);
}

export function setRunStatus(db: Db, id: string, status: RunStatus, error: string | null = null): void {
  const now = new Date().toISOString();
  if (status === 'running') {
    db.prepare(`UPDATE eval_runs SET status=?, error=NULL, started_at=COALESCE(started_at, ?), finished_at=NULL WHERE id=?`).run(status, now, id);
  } else if (status === 'pending') {
    db.prepare(`UPDATE eval_runs SET status=?, error=NULL WHERE id=?`).run(status, id);
  } else {
    db.prepare(`UPDATE eval_runs SET status=?, error=?, finished_at=? WHERE id=?`).run(status, error, now, id);
  }
}

export function setRunJob(db: Db, id: string, jobId: string): void {
  db.prepare('UPDATE eval_runs SET job_id=? WHERE id=?').run(jobId, id);
}

// --------------------------------------------------------------------------------------------------- work items

export interface WorkItem {
  sampleId: number;
  caseKey: string;
  position: number;
  slot: MetricSlot;
  prompt: string;
}

/** Applicable samples not generated yet, in work order. */
export function pendingGenerations(db: Db, runId: string): WorkItem[] {
  return (
    db
      .prepare(
        `SELECT id AS sampleId, case_key AS caseKey, position, slot, prompt_text AS prompt FROM eval_samples
         WHERE run_id=? AND applicable=1 AND output_text IS NULL ORDER BY position`,
      )
      .all(runId) as WorkItem[]
  );
}

export interface Unjudged {
  sampleId: number;
  output: string;
}

/** Generated samples with no score from this judge yet, in work order. */
export function unjudgedSamples(db: Db, runId: string, judgeId: string): Unjudged[] {
  return db
    .prepare(
      `SELECT s.id AS sampleId, s.output_text AS output FROM eval_samples s
       WHERE s.run_id=? AND s.output_text IS NOT NULL
         AND NOT EXISTS (SELECT 1 FROM judge_scores j WHERE j.sample_id=s.id AND j.judge_id=?)
       ORDER BY s.position`,
    )
    .all(runId, judgeId) as Unjudged[];
}

export function caseRecord(db: Db, runId: string, caseKey: string): EvalCase {
  const r = db.prepare('SELECT record_json FROM eval_cases WHERE run_id=? AND case_key=?').get(runId, caseKey) as { record_json: string } | undefined;
  if (!r) throw new AppError('not_found', `run ${runId} has no case ${caseKey}`);
  return JSON.parse(r.record_json) as EvalCase;
}

export function saveCaseEdit(db: Db, runId: string, caseKey: string, edit: unknown): void {
  db.prepare('UPDATE eval_cases SET edit_json=? WHERE run_id=? AND case_key=?').run(JSON.stringify(edit), runId, caseKey);
}

export interface GenerationResult {
  sampleId: number;
  output: string;
  promptTokens: number;
  outputTokens: number;
  genMs: number;
  fluency: number;
  editRef: string | null;
}

/** Commits finished generations in one transaction. A sample that already has an output is left alone. */
export function saveGenerations(db: Db, rows: GenerationResult[]): void {
  const now = new Date().toISOString();
  const st = db.prepare(
    `UPDATE eval_samples SET output_text=?, prompt_tokens=?, output_tokens=?, gen_ms=?, fluency=?, edit_ref=?, generated_at=?
     WHERE id=? AND output_text IS NULL`,
  );
  db.transaction(() => {
    for (const r of rows) st.run(r.output, r.promptTokens, r.outputTokens, r.genMs, r.fluency, r.editRef, now, r.sampleId);
  })();
}

export interface ScoreResult {
  sampleId: number;
  label: 0 | 1;
  pUnsafe: number;
  judgeMs: number | null;
}

export function saveScores(db: Db, judge: Pick<JudgeInfo, 'id' | 'threshold'>, rows: ScoreResult[]): void {
  const now = new Date().toISOString();
  const st = db.prepare(
    `INSERT OR IGNORE INTO judge_scores(sample_id, judge_id, label, p_unsafe, threshold, judge_ms, created_at) VALUES (?,?,?,?,?,?,?)`,
  );
  db.transaction(() => {
    for (const r of rows) st.run(r.sampleId, judge.id, r.label, r.pUnsafe, judge.threshold, r.judgeMs, now);
  })();
}

/** Every score a judge gave in this run (for deriving a threshold-only re-judge). */
export function scoresOf(db: Db, runId: string, judgeId: string): { sampleId: number; pUnsafe: number }[] {
  return db
    .prepare(
      `SELECT j.sample_id AS sampleId, j.p_unsafe AS pUnsafe FROM judge_scores j JOIN eval_samples s ON s.id=j.sample_id
       WHERE s.run_id=? AND j.judge_id=?`,
    )
    .all(runId, judgeId) as { sampleId: number; pUnsafe: number }[];
}

/** Judges that have scored samples of this run. */
export function judgesOfRun(db: Db, runId: string): string[] {
  return (
    db
      .prepare(
        `SELECT DISTINCT j.judge_id AS id FROM judge_scores j JOIN eval_samples s ON s.id=j.sample_id WHERE s.run_id=?`,
      )
      .all(runId) as { id: string }[]
  ).map((r) => r.id);
}

// ------------------------------------------------------------------------------------------------------ metrics

export function metricSamples(db: Db, runId: string, judgeId: string): MetricSample[] {
  const rows = db
    .prepare(
      `SELECT s.case_key, s.category, s.slot, s.applicable, s.output_text, s.fluency, j.label
       FROM eval_samples s LEFT JOIN judge_scores j ON j.sample_id=s.id AND j.judge_id=?
       WHERE s.run_id=? ORDER BY s.position`,
    )
    .all(judgeId, runId) as {
    case_key: string;
    category: string;
    slot: MetricSlot;
    applicable: number;
    output_text: string | null;
    fluency: number | null;
    label: 0 | 1 | null;
  }[];
  return rows.map((r) => ({
    caseKey: r.case_key,
    category: r.category,
    slot: r.slot,
    applicable: r.applicable === 1,
    output: r.output_text,
    fluency: r.fluency,
    label: r.label,
  }));
}

/** Recomputes a run's metrics for one judge and stores them as that judge's metric set. */
export function refreshMetrics(db: Db, runId: string, judgeId: string): MetricReport {
  const report = computeMetrics(metricSamples(db, runId, judgeId));
  const now = new Date().toISOString();
  const json = JSON.stringify(report);
  db.transaction(() => {
    db.prepare(
      `INSERT INTO eval_metric_sets(run_id, judge_id, metrics_json, computed_at) VALUES (?,?,?,?)
       ON CONFLICT(run_id, judge_id) DO UPDATE SET metrics_json=excluded.metrics_json, computed_at=excluded.computed_at`,
    ).run(runId, judgeId, json, now);
    db.prepare('UPDATE eval_runs SET metrics_json=? WHERE id=? AND judge_id=?').run(json, runId, judgeId);
  })();
  return report;
}

// ---------------------------------------------------------------------------------------------------- read side

/** A 'running'/'pending' run whose job ended without finishing it (crash, kill, failure) is 'interrupted'. */
export function reconcileRuns(db: Db): void {
  const rows = db
    .prepare(
      `SELECT r.id, r.status, j.status AS job_status, j.error AS job_error FROM eval_runs r LEFT JOIN jobs j ON j.id=r.job_id
       WHERE r.status IN ('running','pending') AND r.job_id IS NOT NULL`,
    )
    .all() as { id: string; status: RunStatus; job_status: string | null; job_error: string | null }[];
  for (const r of rows) {
    if (r.job_status === null || r.job_status === 'interrupted') setRunStatus(db, r.id, 'interrupted', r.job_error ?? 'the process running this evaluation stopped');
    else if (r.job_status === 'failed') setRunStatus(db, r.id, 'failed', r.job_error);
    else if (r.job_status === 'cancelled') setRunStatus(db, r.id, 'cancelled', null);
  }
}

/** Hash of what makes numbers comparable: model, protocol, edit, chat, suffix, generation, cases and judge. */
export function comparabilityKey(p: Provenance, judge: JudgeInfo): string {
  const key = {
    model: p.modelHash ?? p.modelPath,
    protocol: p.protocol,
    edit: p.protocol === 'no edit' ? { method: p.edit.method } : p.edit,
    chat: p.chat?.used ?? null,
    suffix: p.suffix,
    generation: p.generation,
    cases: p.cases,
    judge: [judge.contentHash, judge.unsafeLabel, judge.threshold],
  };
  return createHash('sha256').update(JSON.stringify(key)).digest('hex').slice(0, 16);
}

function summary(db: Db, r: RunRow): RunSummary {
  const counts = db
    .prepare(
      `SELECT COUNT(*) AS total, SUM(applicable) AS applicable, SUM(output_text IS NOT NULL) AS generated,
         SUM(EXISTS (SELECT 1 FROM judge_scores j WHERE j.sample_id=s.id AND j.judge_id=?)) AS judged,
         COUNT(DISTINCT case_key) AS cases
       FROM eval_samples s WHERE run_id=?`,
    )
    .get(r.judge_id, r.id) as { total: number; applicable: number | null; generated: number | null; judged: number | null; cases: number };
  const judge = getJudge(db, r.judge_id);
  const provenance = JSON.parse(r.provenance_json) as Provenance;
  return {
    id: r.id,
    name: r.name,
    status: r.status,
    jobId: r.job_id,
    error: r.error,
    createdAt: r.created_at,
    startedAt: r.started_at,
    finishedAt: r.finished_at,
    cases: counts.cases,
    samples: { total: counts.total, applicable: counts.applicable ?? 0, generated: counts.generated ?? 0, judged: counts.judged ?? 0 },
    judge,
    metrics: r.metrics_json ? (JSON.parse(r.metrics_json) as MetricReport) : null,
    provenance,
    comparabilityKey: comparabilityKey(provenance, judge),
  };
}

export function listRuns(db: Db, limit = 200): RunSummary[] {
  reconcileRuns(db);
  return (db.prepare('SELECT * FROM eval_runs ORDER BY created_at DESC, rowid DESC LIMIT ?').all(limit) as RunRow[]).map((r) => summary(db, r));
}

export function getRunSummary(db: Db, id: string): RunSummary {
  reconcileRuns(db);
  return summary(db, runRow(db, id));
}

export interface SampleQuery {
  judgeId?: string;
  offset: number;
  limit: number;
  slot?: MetricSlot;
  category?: string;
}

export function getRunDetail(db: Db, id: string, q: SampleQuery): RunDetail {
  const base = getRunSummary(db, id);
  const row = runRow(db, id);
  const judgeId = q.judgeId ?? row.judge_id;
  getJudge(db, judgeId);
  const sets = db.prepare('SELECT judge_id, metrics_json, computed_at FROM eval_metric_sets WHERE run_id=? ORDER BY computed_at').all(id) as {
    judge_id: string;
    metrics_json: string;
    computed_at: string;
  }[];
  const metricSets: MetricSet[] = sets.map((s) => ({ judge: getJudge(db, s.judge_id), metrics: JSON.parse(s.metrics_json), computedAt: s.computed_at }));
  const where = ['s.run_id=?'];
  const params: unknown[] = [id];
  if (q.slot) {
    where.push('s.slot=?');
    params.push(q.slot);
  }
  if (q.category) {
    where.push('s.category=?');
    params.push(q.category);
  }
  const total = (db.prepare(`SELECT COUNT(*) AS n FROM eval_samples s WHERE ${where.join(' AND ')}`).get(...params) as { n: number }).n;
  const items = (
    db
      .prepare(
        `SELECT s.*, c.case_id, j.label, j.p_unsafe FROM eval_samples s
         JOIN eval_cases c ON c.run_id=s.run_id AND c.case_key=s.case_key
         LEFT JOIN judge_scores j ON j.sample_id=s.id AND j.judge_id=?
         WHERE ${where.join(' AND ')} ORDER BY s.position LIMIT ? OFFSET ?`,
      )
      .all(judgeId, ...params, q.limit, q.offset) as Record<string, unknown>[]
  ).map(
    (s): SampleRow => ({
      caseKey: s.case_key as string,
      caseId: s.case_id as string,
      category: s.category as string,
      slot: s.slot as MetricSlot,
      applicable: s.applicable === 1,
      input: s.input_text as string | null,
      prompt: s.prompt_text as string | null,
      output: s.output_text as string | null,
      promptTokens: s.prompt_tokens as number | null,
      outputTokens: s.output_tokens as number | null,
      genMs: s.gen_ms as number | null,
      fluency: s.fluency as number | null,
      label: s.label as 0 | 1 | null,
      pUnsafe: s.p_unsafe as number | null,
    }),
  );
  const metrics = judgeId === row.judge_id ? base.metrics : (metricSets.find((m) => m.judge.id === judgeId)?.metrics ?? null);
  return { ...base, metrics, settings: JSON.parse(row.settings_json), metricSets, page: { total, offset: q.offset, items } };
}

export function deleteRun(db: Db, id: string): boolean {
  return db.prepare('DELETE FROM eval_runs WHERE id=?').run(id).changes > 0;
}
