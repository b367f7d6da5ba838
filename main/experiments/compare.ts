// Comparing runs against a reference: metric deltas per category, a settings diff, and the per-sample table
// aligned on the reference run's (case, slot) pairs — computed in SQL and paged, so two 1,350-case runs open at once.
import type { Db } from '../store/db';
import { METRIC_KEYS, METRIC_SLOTS, type MetricKey, type MetricSlot } from '../../shared/api/eval';
import type { AlignedCell, AlignedRow, Comparison, CompareRun, SampleDetail, SampleRun, SettingsDiffRow } from '../../shared/api/experiments';
import { AppError } from '../../shared/errors';
import { caseInputs, SLOT_SOURCES, type EvalCase } from '../eval/protocol';
import { getJudge } from '../eval/judge';
import { runProvenance, runSettings } from '../eval/store';
import { parseEditInfo } from './edit-info';
import { reportCells, runMetrics } from './report';
import { experimentRow } from './runs';

/** Distinct, existing runs with the reference first. */
export function orderRuns(db: Db, ids: string[], reference?: string): string[] {
  const uniq = [...new Set(ids)];
  if (uniq.length !== ids.length) throw new AppError('invalid_input', 'a run is listed more than once');
  const ref = reference ?? uniq[0];
  if (!uniq.includes(ref)) throw new AppError('invalid_input', `the reference run ${ref} is not one of the compared runs`);
  const exists = db.prepare('SELECT 1 FROM eval_runs WHERE id=?');
  for (const id of uniq) if (!exists.get(id)) throw new AppError('not_found', `no evaluation run with id ${id}`);
  return [ref, ...uniq.filter((x) => x !== ref)];
}

function flatten(prefix: string, x: unknown, out: Map<string, string>): void {
  if (x !== null && typeof x === 'object' && !Array.isArray(x)) {
    for (const [k, v] of Object.entries(x as Record<string, unknown>)) flatten(prefix ? `${prefix}.${k}` : k, v, out);
  } else if (x !== undefined) {
    out.set(prefix, typeof x === 'string' ? x : JSON.stringify(x));
  }
}

/** The settings that define a run, flattened to dotted paths (what a diff is taken over). */
export function runSettingsMap(db: Db, id: string): Map<string, string> {
  const s = runSettings(db, id);
  const p = runProvenance(db, id);
  const row = experimentRow(db, id);
  const j = getJudge(db, row.judgeId);
  const out = new Map<string, string>();
  const { name: _name, ...settings } = s;
  flatten('settings', settings, out);
  flatten('provenance', { appVersion: p.appVersion, modelHash: p.modelHash, protocol: p.protocol, chat: p.chat, suffix: p.suffix, cases: p.cases }, out);
  flatten('judge', { name: j.name, contentHash: j.contentHash, unsafeLabel: j.unsafeLabel, labelSource: j.labelSource, threshold: j.threshold }, out);
  return out;
}

export function settingsDiff(maps: Map<string, string>[]): SettingsDiffRow[] {
  const paths = [...new Set(maps.flatMap((m) => [...m.keys()]))].sort();
  return paths.map((p) => {
    const values = maps.map((m) => m.get(p) ?? null);
    return { path: p, values, differs: values.some((v) => v !== values[0]) };
  });
}

export function compareRuns(db: Db, ids: string[], reference?: string): Comparison {
  const order = orderRuns(db, ids, reference);
  const runs: CompareRun[] = order.map((id, i) => {
    const row = experimentRow(db, id);
    const metrics = runMetrics(db, id, row.judgeId);
    return { row, reference: i === 0, metrics, cells: reportCells(metrics, row.status) };
  });
  const cats = [...new Set(runs.flatMap((r) => Object.keys(r.metrics.by_category)))].sort();
  const groups = ['overall', ...cats];
  const valueOf = (r: CompareRun, g: string, k: MetricKey): number | null =>
    g === 'overall' ? r.metrics.overall[k] : (r.metrics.by_category[g]?.[k] ?? null);
  const deltas = runs.map((r) => {
    const d: Record<string, Record<MetricKey, number | null>> = {};
    for (const g of groups) {
      d[g] = {} as Record<MetricKey, number | null>;
      for (const k of METRIC_KEYS) {
        const a = valueOf(r, g, k);
        const b = valueOf(runs[0], g, k);
        d[g][k] = a === null || b === null ? null : a - b;
      }
    }
    return d;
  });
  const counts = alignedCounts(db, order);
  return {
    reference: order[0],
    runs,
    groups,
    deltas,
    settings: settingsDiff(order.map((id) => runSettingsMap(db, id))),
    comparable: runs.every((r) => r.row.comparabilityKey === runs[0].row.comparabilityKey),
    samples: counts,
  };
}

// ------------------------------------------------------------------------------------------- aligned samples

const OUTPUT_PREVIEW = 600;

interface AlignedQuery {
  filter: 'all' | 'flips' | 'unsafe' | 'pending';
  slot?: MetricSlot;
  category?: string;
}

/**
 * SQL for the aligned table: one row per sample of the reference run, joined (unique index run_id, case_key, slot)
 * with the same (case, slot) of every other run and each run's own judge scores. e<i> is the sample's effective
 * verdict (1 unsafe, 0 safe, NULL when it has none: n/a, not generated, not judged, empty response = neutral).
 */
function alignedSql(db: Db, order: string[], q: AlignedQuery): { sql: string; params: unknown[] } {
  const judges = order.map((id) => experimentRow(db, id).judgeId);
  const cols: string[] = [];
  const joins: string[] = [];
  const params: unknown[] = [];
  order.forEach((id, i) => {
    const s = `s${i}`;
    const j = `j${i}`;
    if (i > 0) {
      joins.push(`LEFT JOIN eval_samples ${s} ON ${s}.run_id=? AND ${s}.case_key=s0.case_key AND ${s}.slot=s0.slot`);
      params.push(id);
    }
    joins.push(`LEFT JOIN judge_scores ${j} ON ${j}.sample_id=${s}.id AND ${j}.judge_id=?`);
    params.push(judges[i]);
    cols.push(
      `${s}.id AS id${i}, ${s}.applicable AS a${i}, substr(${s}.output_text, 1, ${OUTPUT_PREVIEW}) AS o${i}, length(${s}.output_text) AS n${i}, ${j}.label AS l${i}, ${j}.p_unsafe AS p${i},
       CASE WHEN ${s}.id IS NULL OR ${s}.applicable=0 OR ${s}.output_text IS NULL OR ${s}.output_text='' THEN NULL ELSE ${j}.label END AS e${i}`,
    );
  });
  const es = order.map((_, i) => `e${i}`);
  const flip = `COALESCE((${es.map((e) => `${e}=1`).join(' OR ')}) AND (${es.map((e) => `${e}=0`).join(' OR ')}), 0)`;
  const anyUnsafe = `COALESCE(${es.map((e) => `${e}=1`).join(' OR ')}, 0)`;
  const pending = order.map((_, i) => `(id${i} IS NOT NULL AND a${i}=1 AND (o${i} IS NULL OR l${i} IS NULL))`).join(' OR ');
  const where = ['s0.run_id=?'];
  const wparams: unknown[] = [order[0]];
  if (q.slot) where.push('s0.slot=?'), wparams.push(q.slot);
  if (q.category) where.push('s0.category=?'), wparams.push(q.category);
  const inner = `SELECT s0.case_key, s0.slot, s0.position, s0.category, s0.input_text, c.case_id, ${cols.join(', ')}
    FROM eval_samples s0 JOIN eval_cases c ON c.run_id=s0.run_id AND c.case_key=s0.case_key
    ${joins.join('\n    ')}
    WHERE ${where.join(' AND ')}`;
  const outerWhere = q.filter === 'flips' ? `WHERE ${flip}=1` : q.filter === 'unsafe' ? `WHERE ${anyUnsafe}=1` : q.filter === 'pending' ? `WHERE (${pending})` : '';
  const missing = order.slice(1).map((_, k) => `id${k + 1} IS NULL`).join(' OR ') || '0';
  return {
    sql: `SELECT *, ${flip} AS flip, (${missing}) AS missing FROM (${inner}) ${outerWhere}`,
    params: [...params, ...wparams],
  };
}

function alignedCounts(db: Db, order: string[]): Comparison['samples'] {
  const { sql, params } = alignedSql(db, order, { filter: 'all' });
  const r = db.prepare(`SELECT COUNT(*) AS total, SUM(flip) AS flips, SUM(missing) AS missing FROM (${sql})`).get(...params) as {
    total: number;
    flips: number | null;
    missing: number | null;
  };
  return { total: r.total, flips: r.flips ?? 0, missing: r.missing ?? 0 };
}

function verdict(present: boolean, applicable: boolean, output: string | null, label: 0 | 1 | null): AlignedCell['verdict'] {
  if (!present) return 'missing';
  if (!applicable) return 'na';
  if (output === null) return 'pending';
  if (output === '') return 'empty';
  if (label === null) return 'pending';
  return label === 1 ? 'unsafe' : 'safe';
}

export function compareSamples(
  db: Db,
  ids: string[],
  reference: string | undefined,
  q: AlignedQuery & { offset: number; limit: number },
): { total: number; offset: number; items: AlignedRow[] } {
  const order = orderRuns(db, ids, reference);
  const { sql, params } = alignedSql(db, order, q);
  const total = (db.prepare(`SELECT COUNT(*) AS n FROM (${sql})`).get(...params) as { n: number }).n;
  const rows = db.prepare(`${sql} ORDER BY position LIMIT ? OFFSET ?`).all(...params, q.limit, q.offset) as Record<string, unknown>[];
  const items = rows.map((r): AlignedRow => ({
    caseKey: r.case_key as string,
    caseId: r.case_id as string,
    category: r.category as string,
    slot: r.slot as MetricSlot,
    input: r.input_text as string | null,
    flip: r.flip === 1,
    cells: order.map((_, i) => {
      const present = r[`id${i}`] !== null;
      const applicable = r[`a${i}`] === 1;
      const output = (r[`o${i}`] as string | null) ?? null;
      const label = (r[`l${i}`] as 0 | 1 | null) ?? null;
      return {
        present,
        applicable,
        output,
        truncated: ((r[`n${i}`] as number | null) ?? 0) > OUTPUT_PREVIEW,
        label,
        pUnsafe: (r[`p${i}`] as number | null) ?? null,
        verdict: verdict(present, applicable, output, label),
      };
    }),
  }));
  return { total, offset: q.offset, items };
}

// -------------------------------------------------------------------------------------------- sample drill-down

export function sampleDetail(db: Db, ids: string[], reference: string | undefined, caseKey: string): SampleDetail {
  const order = orderRuns(db, ids, reference);
  const caseRow = db.prepare('SELECT case_id, category, record_json FROM eval_cases WHERE run_id=? AND case_key=?');
  let base: { case_id: string; category: string; record_json: string } | undefined;
  for (const id of order) if ((base = caseRow.get(id, caseKey) as typeof base)) break;
  if (!base) throw new AppError('not_found', `none of the runs has case ${caseKey}`);
  let record: Partial<EvalCase> = {};
  try {
    record = JSON.parse(base.record_json) as EvalCase;
  } catch {
    /* shown without inputs */
  }
  const inputs = record.adversarialPrompt !== undefined ? caseInputs(record as EvalCase) : [];
  const labels = new Map(SLOT_SOURCES.map((s) => [s.slot, s.label]));
  const runs: SampleRun[] = order.map((id, i) => {
    const row = experimentRow(db, id);
    const c = caseRow.get(id, caseKey) as { record_json: string } | undefined;
    const editJson = c ? ((db.prepare('SELECT edit_json FROM eval_cases WHERE run_id=? AND case_key=?').get(id, caseKey) as { edit_json: string | null }).edit_json ?? null) : null;
    const rows = db
      .prepare(
        `SELECT s.slot, s.applicable, s.prompt_text, s.output_text, s.fluency, j.label, j.p_unsafe, j.threshold
         FROM eval_samples s LEFT JOIN judge_scores j ON j.sample_id=s.id AND j.judge_id=?
         WHERE s.run_id=? AND s.case_key=? ORDER BY s.position`,
      )
      .all(row.judgeId, id, caseKey) as {
      slot: MetricSlot;
      applicable: number;
      prompt_text: string | null;
      output_text: string | null;
      fluency: number | null;
      label: 0 | 1 | null;
      p_unsafe: number | null;
      threshold: number | null;
    }[];
    return {
      runId: id,
      name: row.name,
      reference: i === 0,
      edit: parseEditInfo(editJson),
      responses: rows.map((s) => ({
        slot: s.slot,
        applicable: s.applicable === 1,
        prompt: s.prompt_text,
        output: s.output_text,
        label: s.label,
        pUnsafe: s.p_unsafe,
        threshold: s.threshold,
        fluency: s.fluency,
        verdict: verdict(true, s.applicable === 1, s.output_text, s.label),
      })),
    };
  });
  return {
    caseKey,
    caseId: base.case_id,
    category: base.category,
    inputs: METRIC_SLOTS.map((slot) => ({ slot, label: labels.get(slot) ?? slot, text: inputs.find((x) => x.slot === slot)?.text ?? null })),
    question: typeof record.question === 'string' ? record.question : null,
    runs,
  };
}
