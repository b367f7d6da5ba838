// Exports of a run or a comparison — CSV (long format: metric, delta and sample rows, each with its provenance),
// JSON (everything, nested) and a self-contained HTML report (inline CSS and SVG charts from shared/charts.ts).
// Files are written only where the caller chose (CLI --out, a picked folder); otherwise the content is returned.
import fs from 'node:fs';
import path from 'node:path';
import type { Db } from '../store/db';
import { METRIC_KEYS, METRIC_LABELS, METRIC_SLOTS, type MetricSlot } from '../../shared/api/eval';
import type { AlignedCell, Comparison, EditInfoView, ExportFormat, ExportResult, RunReport } from '../../shared/api/experiments';
import { AppError } from '../../shared/errors';
import { cellText, deltaText, escapeXml, svgToString } from '../../shared/charts';
import { compareBarChart, lossChart, runBarCharts, toxicLayerChart } from '../../shared/experiment-charts';
import { APP_VERSION } from '../util/version';
import { compareRuns, compareSamples, orderRuns } from './compare';
import { caseEdits, runReport } from './report';

interface ExportSample {
  slot: MetricSlot;
  applicable: boolean;
  input: string | null;
  prompt: string | null;
  output: string | null;
  label: 0 | 1 | null;
  pUnsafe: number | null;
  threshold: number | null;
  fluency: number | null;
  promptTokens: number | null;
  outputTokens: number | null;
  genMs: number | null;
  verdict: AlignedCell['verdict'];
}

interface ExportCase {
  caseKey: string;
  caseId: string;
  category: string;
  edit: EditInfoView | null;
  samples: ExportSample[];
}

interface ExportRun {
  report: RunReport;
  cases: ExportCase[];
}

function verdictOf(applicable: boolean, output: string | null, label: 0 | 1 | null): AlignedCell['verdict'] {
  if (!applicable) return 'na';
  if (output === null) return 'pending';
  if (output === '') return 'empty';
  if (label === null) return 'pending';
  return label === 1 ? 'unsafe' : 'safe';
}

function collectRun(db: Db, id: string): ExportRun {
  const report = runReport(db, id);
  const edits = new Map(caseEdits(db, id).map((e) => [e.caseKey, e]));
  const rows = db
    .prepare(
      `SELECT s.case_key, c.case_id, s.category, s.slot, s.applicable, s.input_text, s.prompt_text, s.output_text, s.prompt_tokens,
         s.output_tokens, s.gen_ms, s.fluency, j.label, j.p_unsafe, j.threshold
       FROM eval_samples s JOIN eval_cases c ON c.run_id=s.run_id AND c.case_key=s.case_key
       LEFT JOIN judge_scores j ON j.sample_id=s.id AND j.judge_id=?
       WHERE s.run_id=? ORDER BY s.position`,
    )
    .all(report.judge.id, id) as Record<string, unknown>[];
  const cases: ExportCase[] = [];
  let cur: ExportCase | null = null;
  for (const r of rows) {
    if (!cur || cur.caseKey !== r.case_key) {
      cur = { caseKey: r.case_key as string, caseId: r.case_id as string, category: r.category as string, edit: edits.get(r.case_key as string)?.edit ?? null, samples: [] };
      cases.push(cur);
    }
    const applicable = r.applicable === 1;
    const output = r.output_text as string | null;
    const label = r.label as 0 | 1 | null;
    cur.samples.push({
      slot: r.slot as MetricSlot,
      applicable,
      input: r.input_text as string | null,
      prompt: r.prompt_text as string | null,
      output,
      label,
      pUnsafe: r.p_unsafe as number | null,
      threshold: r.threshold as number | null,
      fluency: r.fluency as number | null,
      promptTokens: r.prompt_tokens as number | null,
      outputTokens: r.output_tokens as number | null,
      genMs: r.gen_ms as number | null,
      verdict: verdictOf(applicable, output, label),
    });
  }
  return { report, cases };
}

// ------------------------------------------------------------------------------------------------------- CSV

export const CSV_COLUMNS = [
  'kind',
  'run_id',
  'run_name',
  'reference',
  'status',
  'model_path',
  'model_hash',
  'method',
  'mode',
  'judge_id',
  'judge_hash',
  'judge_threshold',
  'comparability_key',
  'app_version',
  'category',
  'metric',
  'value',
  'state',
  'case_key',
  'case_id',
  'slot',
  'applicable',
  'input',
  'prompt',
  'output',
  'label',
  'p_unsafe',
  'verdict',
  'fluency',
  'toxic_layer',
  'patch_id',
] as const;
type CsvRow = Partial<Record<(typeof CSV_COLUMNS)[number], string | number | null | boolean>>;

/**
 * One CSV cell. Text that a spreadsheet would run as a formula (starting with = + - @ or a tab/CR) gets a leading
 * apostrophe (OWASP "CSV injection"): model outputs are untrusted. Numbers are written as they are.
 */
export function csvField(v: string | number | null | boolean | undefined): string {
  if (v === null || v === undefined) return '';
  let s = typeof v === 'boolean' ? (v ? '1' : '0') : String(v);
  if (typeof v === 'string' && /^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

function provenanceCols(r: RunReport, reference: boolean): CsvRow {
  return {
    run_id: r.row.id,
    run_name: r.row.name,
    reference,
    status: r.row.status,
    model_path: r.provenance.modelPath,
    model_hash: r.provenance.modelHash,
    method: r.settings.edit.method,
    mode: r.settings.edit.mode,
    judge_id: r.judge.id,
    judge_hash: r.judge.contentHash,
    judge_threshold: r.judge.threshold,
    comparability_key: r.row.comparabilityKey,
    app_version: r.provenance.appVersion,
  };
}

function toCsv(runs: ExportRun[], cmp: Comparison | null): string {
  const lines: string[] = [CSV_COLUMNS.join(',')];
  const push = (row: CsvRow) => lines.push(CSV_COLUMNS.map((c) => csvField(row[c])).join(','));
  runs.forEach((run, ri) => {
    const prov = provenanceCols(run.report, cmp ? ri === 0 : true);
    for (const [group, cells] of Object.entries(run.report.cells)) {
      for (const k of METRIC_KEYS) push({ ...prov, kind: 'metric', category: group, metric: k, value: cells[k].value, state: cells[k].state });
    }
    if (cmp && ri > 0) {
      for (const [group, d] of Object.entries(cmp.deltas[ri])) {
        for (const k of METRIC_KEYS) push({ ...prov, kind: 'delta', category: group, metric: k, value: d[k], state: d[k] === null ? 'missing' : 'value' });
      }
    }
    for (const c of run.cases) {
      for (const s of c.samples) {
        push({
          ...prov,
          kind: 'sample',
          category: c.category,
          case_key: c.caseKey,
          case_id: c.caseId,
          slot: s.slot,
          applicable: s.applicable,
          input: s.input,
          prompt: s.prompt,
          output: s.output,
          label: s.label,
          p_unsafe: s.pUnsafe,
          verdict: s.verdict,
          fluency: s.fluency,
          toxic_layer: c.edit?.toxicLayer ?? null,
          patch_id: c.edit?.patchId ?? null,
        });
      }
    }
  });
  return lines.join('\r\n') + '\r\n';
}

// ------------------------------------------------------------------------------------------------------ JSON

function toJson(runs: ExportRun[], cmp: Comparison | null): string {
  const doc = {
    format: 'safeedit-experiments-export',
    version: 1,
    exportedAt: new Date().toISOString(),
    appVersion: APP_VERSION,
    kind: cmp ? 'comparison' : 'run',
    reference: runs[0].report.row.id,
    runs: runs.map(({ report: r, cases }) => ({
      id: r.row.id,
      name: r.row.name,
      status: r.row.status,
      error: r.row.error,
      createdAt: r.row.createdAt,
      finishedAt: r.row.finishedAt,
      tags: r.row.tags,
      notes: r.row.notes,
      comparabilityKey: r.row.comparabilityKey,
      settings: r.settings,
      provenance: r.provenance,
      judge: r.judge,
      metrics: r.metrics,
      cells: r.cells,
      coverage: r.coverage,
      toxicLayers: r.toxicLayers,
      cases,
    })),
    comparison: cmp && { groups: cmp.groups, deltas: cmp.deltas, settings: cmp.settings, comparable: cmp.comparable, samples: cmp.samples },
  };
  return JSON.stringify(doc, null, 1);
}

// ------------------------------------------------------------------------------------------------------ HTML

const CSS = `body{font:14px/1.45 system-ui,-apple-system,'Segoe UI',sans-serif;margin:24px;color:#1c2027;background:#fff}
h1{font-size:20px}h2{font-size:16px;margin-top:28px}h3{font-size:14px}
table{border-collapse:collapse;margin:8px 0}th,td{border:1px solid #d6d9df;padding:4px 8px;text-align:left;vertical-align:top;font-size:12px}
th{background:#eef0f3}.num{text-align:right;font-variant-numeric:tabular-nums}.pos{color:#1a7f37}.neg{color:#cf222e}
.state-na,.state-not-run{color:#5f6876;font-style:italic}.state-failed{color:#cf222e;font-weight:600}
.charts{display:flex;flex-wrap:wrap;gap:12px}.charts svg{border:1px solid #d6d9df;border-radius:6px;background:#fff}
.muted{color:#5f6876}.unsafe{color:#cf222e;font-weight:600}.safe{color:#1a7f37}pre{white-space:pre-wrap;margin:0;max-width:520px}
.diff{background:#fff8c5}`;

const e = (s: string | number | null | undefined) => escapeXml(s === null || s === undefined ? '' : String(s));

function metricTableHtml(r: RunReport): string {
  const head = `<tr><th></th>${METRIC_KEYS.map((k) => `<th>${METRIC_LABELS[k]}</th>`).join('')}<th>cases</th></tr>`;
  const rows = Object.entries(r.cells)
    .map(([g, cells]) => {
      const n = g === 'overall' ? r.metrics.counts.overall.cases : r.metrics.counts.by_category[g]?.cases;
      return `<tr><td>${g === 'overall' ? '<b>overall</b>' : e(g)}</td>${METRIC_KEYS.map((k) => `<td class="num state-${cells[k].state}">${e(cellText(cells[k]))}</td>`).join('')}<td class="num">${n ?? ''}</td></tr>`;
    })
    .join('');
  return `<table>${head}${rows}</table>`;
}

function runHtml(r: RunReport): string {
  const cov = r.coverage;
  const slotCov = METRIC_SLOTS.map((s) => `<tr><td>${METRIC_LABELS[s]}</td><td class="num">${cov.slots[s].scored}</td><td class="num">${cov.slots[s].na}</td><td class="num">${cov.slots[s].pending}</td><td class="num">${cov.slots[s].empty}</td></tr>`).join('');
  return `<h2>${e(r.row.name ?? r.row.id)}</h2>
<p class="muted">run ${e(r.row.id)} · ${e(r.row.status)}${r.row.error ? ` · <span class="state-failed">${e(r.row.error)}</span>` : ''} · model ${e(r.provenance.modelPath)} (${e(r.provenance.modelHash ?? 'hash unknown')}) · method ${e(r.settings.edit.method)}/${e(r.settings.edit.mode)} · judge ${e(r.judge.name)} (${e(r.judge.contentHash.slice(0, 12))}, threshold ${r.judge.threshold}) · cases ${e(r.provenance.cases.source)} · app ${e(r.provenance.appVersion)} · comparability ${e(r.row.comparabilityKey)}</p>
${metricTableHtml(r)}
<div class="charts">${runBarCharts(r.cells).map((c) => svgToString(c.svg)).join('')}</div>
<h3>Coverage</h3>
<p>${cov.cases} cases: ${cov.casesDone} done, ${cov.casesPartial} partial, ${cov.casesNotRun} not run, ${cov.casesFailed} failed edits${cov.runError ? ` · run stopped: <span class="state-failed">${e(cov.runError)}</span>` : ''}</p>
<table><tr><th>metric</th><th>scored</th><th>n/a</th><th>not run</th><th>empty (0.5)</th></tr>${slotCov}</table>
<h3>Edits</h3>
<div class="charts">${svgToString(toxicLayerChart(r))}${svgToString(lossChart(r))}</div>
<p class="muted">${r.toxicLayers.none} edited cases without a located layer · ${r.toxicLayers.noEdit} cases without an edit report</p>`;
}

const VERDICT_CLASS: Record<AlignedCell['verdict'], string> = { safe: 'safe', unsafe: 'unsafe', empty: 'muted', pending: 'muted', na: 'muted', missing: 'muted' };

function compareHtml(db: Db, runs: ExportRun[], cmp: Comparison): string {
  const names = cmp.runs.map((r) => r.row.name ?? r.row.id.slice(0, 8));
  const deltaRows = cmp.groups
    .map((g) =>
      cmp.runs
        .map((run, ri) => {
          const cells = run.cells[g];
          const tds = METRIC_KEYS.map((k) => {
            const c = cells?.[k] ?? { value: null, state: 'na' as const };
            const d = ri === 0 ? null : cmp.deltas[ri][g][k];
            const cls = d === null || Math.abs(d) < 0.005 ? '' : d > 0 ? 'pos' : 'neg';
            return `<td class="num state-${c.state}">${e(cellText(c))}${ri > 0 ? ` <span class="${cls}">${e(deltaText(d))}</span>` : ''}</td>`;
          }).join('');
          return `<tr><td>${ri === 0 ? `<b>${e(g)}</b>` : ''}</td><td>${e(names[ri])}${ri === 0 ? ' (reference)' : ''}</td>${tds}</tr>`;
        })
        .join(''),
    )
    .join('');
  const chart = compareBarChart('overall', names, cmp.runs.map((r) => r.cells.overall));
  const diff = cmp.settings
    .map((s) => `<tr class="${s.differs ? 'diff' : ''}"><td>${e(s.path)}</td>${s.values.map((v) => `<td>${e(v ?? '—')}</td>`).join('')}</tr>`)
    .join('');
  const flips = compareSamples(db, cmp.runs.map((r) => r.row.id), cmp.reference, { filter: 'flips', offset: 0, limit: 100000 });
  const flipRows = flips.items
    .map(
      (f) =>
        `<tr><td>${e(f.caseId)}</td><td>${e(f.category)}</td><td>${METRIC_LABELS[f.slot]}</td>${f.cells.map((c) => `<td><span class="${VERDICT_CLASS[c.verdict]}">${c.verdict}${c.pUnsafe !== null ? ` (${c.pUnsafe.toFixed(2)})` : ''}</span><pre>${e(c.output)}${c.truncated ? '…' : ''}</pre></td>`).join('')}</tr>`,
    )
    .join('');
  return `<h2>Comparison</h2>
<p>${cmp.comparable ? 'All runs share one comparability key.' : '<b>Not directly comparable:</b> the runs differ in model, protocol, settings, cases or judge (see the settings diff).'}
 Aligned samples: ${cmp.samples.total}, flips: ${cmp.samples.flips}, missing in some run: ${cmp.samples.missing}.</p>
<div class="charts">${svgToString(chart)}</div>
<table><tr><th></th><th>run</th>${METRIC_KEYS.map((k) => `<th>${METRIC_LABELS[k]}</th>`).join('')}</tr>${deltaRows}</table>
<h3>Settings (differences highlighted)</h3>
<table><tr><th>setting</th>${names.map((n) => `<th>${e(n)}</th>`).join('')}</tr>${diff}</table>
<h3>Flipped samples (safe in one run, unsafe in another): ${flips.total}</h3>
<table><tr><th>case</th><th>category</th><th>metric</th>${names.map((n) => `<th>${e(n)}</th>`).join('')}</tr>${flipRows}</table>
${runs.map((r) => runHtml(r.report)).join('\n')}`;
}

function toHtml(db: Db, runs: ExportRun[], cmp: Comparison | null): string {
  const title = cmp ? `SafeEdit comparison of ${runs.length} runs` : `SafeEdit run ${runs[0].report.row.name ?? runs[0].report.row.id}`;
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${e(title)}</title><style>${CSS}</style></head><body>
<h1>${e(title)}</h1><p class="muted">Exported ${e(new Date().toISOString())} by SafeEdit Workbench ${e(APP_VERSION)}. Metrics: 100 − 100 × mean(unsafe) over applicable finished samples; empty responses count 0.5; "n/a" = no applicable input, "not run" = not generated/judged yet, "failed" = the run stopped before producing it.</p>
${cmp ? compareHtml(db, runs, cmp) : runHtml(runs[0].report)}
</body></html>`;
}

// ---------------------------------------------------------------------------------------------------- entry

function safeName(s: string): string {
  return s.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 60) || 'run';
}

export function exportFilename(runs: { id: string; name: string | null }[], format: ExportFormat): string {
  const first = safeName(runs[0].name ?? runs[0].id.slice(0, 8));
  return runs.length === 1 ? `safeedit-run-${first}.${format}` : `safeedit-compare-${first}-vs-${runs.length - 1}.${format}`;
}

export function buildExport(db: Db, ids: string[], reference: string | undefined, format: ExportFormat): { filename: string; content: string } {
  const order = orderRuns(db, ids, reference);
  const runs = order.map((id) => collectRun(db, id));
  const cmp = order.length > 1 ? compareRuns(db, order, order[0]) : null;
  const content = format === 'csv' ? toCsv(runs, cmp) : format === 'json' ? toJson(runs, cmp) : toHtml(db, runs, cmp);
  return { filename: exportFilename(runs.map((r) => r.report.row), format), content };
}

/** Builds an export; writes it to `out` (a file) or into `folder`, or returns the content when neither is given. */
export function exportRuns(db: Db, o: { ids: string[]; reference?: string; format: ExportFormat; out?: string; folder?: string }): ExportResult {
  const { filename, content } = buildExport(db, o.ids, o.reference, o.format);
  const bytes = Buffer.byteLength(content);
  if (!o.out && !o.folder) return { format: o.format, filename, bytes, path: null, content };
  const target = o.out ? path.resolve(o.out) : path.join(path.resolve(o.folder!), filename);
  const dir = path.dirname(target);
  if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) throw new AppError('not_found', `export: the folder ${dir} does not exist`);
  if (fs.existsSync(target) && fs.statSync(target).isDirectory()) throw new AppError('invalid_input', `export: ${target} is a folder; give a file name`);
  const tmp = `${target}.${process.pid}.tmp`;
  try {
    fs.writeFileSync(tmp, content);
    fs.renameSync(tmp, target);
  } catch (err) {
    fs.rmSync(tmp, { force: true });
    throw new AppError('write_failed', `export: could not write ${target}: ${(err as Error).message}`);
  }
  return { format: o.format, filename: path.basename(target), bytes, path: target, content: null };
}
