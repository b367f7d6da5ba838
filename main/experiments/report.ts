// A run's report: metrics (recomputed from the stored scores with main/eval/metrics.ts), per-cell states that keep
// "n/a", "not run", "failed" and 0 apart, coverage, the located toxic layers and the edits' loss curves.
import type { Db } from '../store/db';
import {
  METRIC_SLOTS,
  type EvalSettings,
  type GroupCounts,
  type MetricKey,
  type MetricReport,
  type MetricSlot,
  type MetricValues,
  type Provenance,
  type RunStatus,
} from '../../shared/api/eval';
import type { Coverage, EditInfoView, MetricCell, MetricState, RunReport } from '../../shared/api/experiments';
import { computeMetrics } from '../eval/metrics';
import { metricSamples, runJudgeId, runSettings, runProvenance } from '../eval/store';
import { getJudge } from '../eval/judge';
import { downsample, meanCurve, parseEditInfo } from './edit-info';
import { experimentRow } from './runs';

/** Statuses in which samples still pending will not be produced unless the run is resumed. */
const STOPPED: RunStatus[] = ['failed', 'interrupted', 'cancelled'];

/** The state of one slot's metric in a group, from its counts. */
function slotState(c: GroupCounts['slots'][MetricSlot], value: number | null, status: RunStatus): MetricState {
  if (value !== null) return 'value';
  if (c.pending > 0) return STOPPED.includes(status) ? 'failed' : 'not-run';
  return 'na';
}

const DG_SLOTS: MetricSlot[] = ['DG_onlyQ', 'DG_otherA', 'DG_otherQ', 'DG_otherAQ'];
const RANK: Record<MetricState, number> = { value: 0, na: 1, 'not-run': 2, failed: 3 };

/** Value + state for every metric of a group. */
export function groupCells(values: MetricValues, counts: GroupCounts, status: RunStatus): Record<MetricKey, MetricCell> {
  const out = {} as Record<MetricKey, MetricCell>;
  for (const s of METRIC_SLOTS) out[s] = { value: values[s], state: slotState(counts.slots[s], values[s], status) };
  const worst = (slots: MetricSlot[]): MetricState => {
    let w: MetricState = 'na';
    for (const s of slots) {
      const st = out[s].state === 'value' ? 'na' : out[s].state;
      if (RANK[st] > RANK[w]) w = st;
    }
    return w;
  };
  out.DG_Avg = { value: values.DG_Avg, state: values.DG_Avg !== null ? 'value' : worst(DG_SLOTS) };
  const anyPending = METRIC_SLOTS.some((s) => counts.slots[s].pending > 0);
  out.Fluency = {
    value: values.Fluency,
    state: values.Fluency !== null ? 'value' : anyPending ? (STOPPED.includes(status) ? 'failed' : 'not-run') : 'na',
  };
  return out;
}

export function reportCells(m: MetricReport, status: RunStatus): Record<string, Record<MetricKey, MetricCell>> {
  const cells: Record<string, Record<MetricKey, MetricCell>> = { overall: groupCells(m.overall, m.counts.overall, status) };
  for (const cat of Object.keys(m.by_category)) cells[cat] = groupCells(m.by_category[cat], m.counts.by_category[cat], status);
  return cells;
}

/** Metrics of a run with its own judge, from the stored scores (the one definition in main/eval/metrics.ts). */
export function runMetrics(db: Db, runId: string, judgeId = runJudgeId(db, runId)): MetricReport {
  return computeMetrics(metricSamples(db, runId, judgeId));
}

export function coverage(db: Db, runId: string, judgeId: string, status: RunStatus, error: string | null, m: MetricReport): Coverage {
  const per = db
    .prepare(
      `SELECT s.case_key, SUM(s.applicable) AS app, SUM(s.applicable AND j.label IS NOT NULL) AS judged, SUM(s.output_text IS NOT NULL) AS gen
       FROM eval_samples s LEFT JOIN judge_scores j ON j.sample_id=s.id AND j.judge_id=?
       WHERE s.run_id=? GROUP BY s.case_key`,
    )
    .all(judgeId, runId) as { case_key: string; app: number; judged: number; gen: number }[];
  let done = 0;
  let partial = 0;
  let notRun = 0;
  for (const c of per) {
    if (c.judged >= c.app) done++;
    else if (c.gen > 0 || c.judged > 0) partial++;
    else notRun++;
  }
  const failed = (
    db
      .prepare(
        `SELECT COUNT(*) AS n FROM eval_cases WHERE run_id=? AND edit_json IS NOT NULL AND json_valid(edit_json)
         AND COALESCE(json_extract(edit_json,'$.details.error'), json_extract(edit_json,'$.error')) IS NOT NULL`,
      )
      .get(runId) as { n: number }
  ).n;
  return {
    cases: per.length,
    casesDone: done,
    casesPartial: partial,
    casesNotRun: notRun,
    casesFailed: failed,
    slots: m.counts.overall.slots,
    runError: STOPPED.includes(status) ? (error ?? status) : null,
  };
}

export interface CaseEdit {
  caseKey: string;
  caseId: string;
  edit: EditInfoView | null;
}

export function caseEdits(db: Db, runId: string): CaseEdit[] {
  return (
    db.prepare('SELECT case_key, case_id, edit_json FROM eval_cases WHERE run_id=? ORDER BY position').all(runId) as {
      case_key: string;
      case_id: string;
      edit_json: string | null;
    }[]
  ).map((r) => ({ caseKey: r.case_key, caseId: r.case_id, edit: parseEditInfo(r.edit_json) }));
}

const MAX_CURVES = 40;
const MAX_POINTS = 200;

export function editSummary(edits: CaseEdit[]): Pick<RunReport, 'toxicLayers' | 'lossCurves' | 'meanLoss' | 'lossCurvesTotal'> {
  const layerCounts = new Map<number, number>();
  let none = 0;
  let noEdit = 0;
  const curves: { caseKey: string; caseId: string; losses: number[] }[] = [];
  for (const e of edits) {
    if (!e.edit) {
      noEdit++;
      continue;
    }
    if (e.edit.toxicLayer === null) none++;
    else layerCounts.set(e.edit.toxicLayer, (layerCounts.get(e.edit.toxicLayer) ?? 0) + 1);
    if (e.edit.losses) curves.push({ caseKey: e.caseKey, caseId: e.caseId, losses: e.edit.losses });
  }
  // Evenly spread subset of the curves so a long run's chart stays readable.
  const shown = curves.length <= MAX_CURVES ? curves : Array.from({ length: MAX_CURVES }, (_, i) => curves[Math.floor((i * curves.length) / MAX_CURVES)]);
  const mean = meanCurve(curves.map((c) => c.losses));
  return {
    toxicLayers: { counts: [...layerCounts.entries()].sort((a, b) => a[0] - b[0]).map(([layer, cases]) => ({ layer, cases })), none, noEdit },
    lossCurves: shown.map((c) => ({ ...c, losses: downsample(c.losses, MAX_POINTS) })),
    meanLoss: mean ? downsample(mean, MAX_POINTS) : null,
    lossCurvesTotal: curves.length,
  };
}

export function runReport(db: Db, id: string): RunReport {
  const row = experimentRow(db, id);
  const settings: EvalSettings = runSettings(db, id);
  const provenance: Provenance = runProvenance(db, id);
  const judge = getJudge(db, row.judgeId);
  const metrics = runMetrics(db, id, judge.id);
  return {
    row,
    settings,
    provenance,
    judge,
    metrics,
    cells: reportCells(metrics, row.status),
    coverage: coverage(db, id, judge.id, row.status, row.error, metrics),
    ...editSummary(caseEdits(db, id)),
  };
}

