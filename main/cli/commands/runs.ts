import type { CliCommand, CliIO } from '../types';
import { call } from '../call';
import { AppError } from '../../../shared/errors';
import { METRIC_KEYS, METRIC_LABELS, METRIC_SLOTS } from '../../../shared/api/eval';
import { EXPORT_FORMATS, type ExperimentRow, type ExportFormat } from '../../../shared/api/experiments';
import { cellText, deltaText } from '../../../shared/charts';
import { resolveRunRef } from '../../experiments/runs';

const fmt = (v: number | null) => (v === null ? 'n/a' : v.toFixed(2));

/** Left-aligned first column, right-aligned numbers. */
function table(io: CliIO, head: string[], rows: string[][], numeric: (i: number) => boolean = (i) => i > 0) {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (r: string[]) => r.map((c, i) => (numeric(i) ? (c ?? '').padStart(widths[i]) : (c ?? '').padEnd(widths[i]))).join('  ').trimEnd();
  io.out(line(head));
  for (const r of rows) io.out(line(r));
}

function runLabel(r: Pick<ExperimentRow, 'id' | 'name'>) {
  return r.name ? `${r.name} (${r.id.slice(0, 8)})` : r.id.slice(0, 8);
}

export const runsCommands: CliCommand[] = [
  {
    name: 'runs list',
    usage: 'safeedit runs list [--tag TAG] [--json]',
    summary: 'stored evaluation runs: model, method, judge, split, DS, DG-Avg, fluency, status, tags',
    options: { json: { type: 'boolean' }, tag: { type: 'string' } },
    async run(args, ctx, io) {
      let rows = await call(ctx, 'experiments.list', {});
      const tag = args.values.tag as string | undefined;
      if (tag) rows = rows.filter((r) => r.tags.includes(tag));
      if (args.values.json) {
        io.out(JSON.stringify(rows, null, 2));
        return 0;
      }
      if (rows.length === 0) {
        io.out('no runs');
        return 0;
      }
      const numeric = new Set([7, 8, 9, 10]);
      table(
        io,
        ['id', 'name', 'model', 'method', 'layer', 'judge', 'split', 'cases', 'DS', 'DG-Avg', 'Fluency', 'status', 'date', 'tags'],
        rows.map((r) => [
          r.id.slice(0, 8),
          r.name ?? '',
          r.model,
          `${r.method}/${r.mode}`,
          r.layer !== null ? String(r.layer) : r.toxicLayer !== null ? `~${r.toxicLayer}` : '',
          r.judge,
          r.split,
          String(r.cases),
          fmt(r.DS),
          fmt(r.DG_Avg),
          fmt(r.Fluency),
          r.status,
          r.createdAt.slice(0, 16).replace('T', ' '),
          r.tags.join(','),
        ]),
        (i) => numeric.has(i),
      );
      return 0;
    },
  },
  {
    name: 'runs show',
    usage: 'safeedit runs show RUN [--json]',
    summary: 'a run report: metrics per category, coverage, located toxic layers, settings',
    options: { json: { type: 'boolean' } },
    async run(args, ctx, io) {
      if (args.positionals.length !== 1) throw new AppError('usage', 'give one RUN (id, id prefix or name)');
      const r = await call(ctx, 'experiments.report', { id: resolveRunRef(ctx.db, args.positionals[0]) });
      if (args.values.json) {
        io.out(JSON.stringify(r, null, 2));
        return 0;
      }
      io.out(`run ${r.row.id}${r.row.name ? `  "${r.row.name}"` : ''}  status ${r.row.status}${r.row.error ? ` (${r.row.error})` : ''}`);
      io.out(`model ${r.provenance.modelPath}  method ${r.settings.edit.method}/${r.settings.edit.mode}  judge ${r.judge.name} (threshold ${r.judge.threshold})  cases ${r.provenance.cases.source}`);
      if (r.row.tags.length) io.out(`tags ${r.row.tags.join(', ')}`);
      if (r.row.notes) io.out(`notes ${r.row.notes}`);
      io.out('');
      table(
        io,
        ['', ...METRIC_KEYS.map((k) => METRIC_LABELS[k]), 'cases'],
        Object.entries(r.cells).map(([g, cells]) => [
          g,
          ...METRIC_KEYS.map((k) => cellText(cells[k])),
          String(g === 'overall' ? r.metrics.counts.overall.cases : (r.metrics.counts.by_category[g]?.cases ?? 0)),
        ]),
      );
      const c = r.coverage;
      io.out('');
      io.out(`coverage: ${c.cases} cases — ${c.casesDone} done, ${c.casesPartial} partial, ${c.casesNotRun} not run, ${c.casesFailed} failed edits${c.runError ? `; run stopped: ${c.runError}` : ''}`);
      for (const s of METRIC_SLOTS) {
        const x = c.slots[s];
        io.out(`  ${METRIC_LABELS[s].padEnd(11)} scored ${x.scored}, n/a ${x.na}, not run ${x.pending}, empty ${x.empty}`);
      }
      const t = r.toxicLayers;
      if (t.counts.length) io.out(`toxic layers: ${t.counts.map((x) => `L${x.layer}×${x.cases}`).join(' ')}${t.none ? `, not located ${t.none}` : ''}`);
      if (r.lossCurvesTotal) io.out(`loss curves: ${r.lossCurvesTotal} edits; mean loss ${r.meanLoss![0].toFixed(4)} → ${r.meanLoss![r.meanLoss!.length - 1].toFixed(4)}`);
      return 0;
    },
  },
  {
    name: 'runs compare',
    usage: 'safeedit runs compare RUN RUN... [--reference RUN] [--all-settings] [--json]',
    summary: 'metric deltas against a reference run, the settings that differ, and the number of flipped samples',
    options: { json: { type: 'boolean' }, reference: { type: 'string' }, 'all-settings': { type: 'boolean' } },
    async run(args, ctx, io) {
      if (args.positionals.length < 2) throw new AppError('usage', 'give two or more runs');
      const ids = args.positionals.map((p) => resolveRunRef(ctx.db, p));
      const ref = args.values.reference ? resolveRunRef(ctx.db, args.values.reference as string) : undefined;
      const cmp = await call(ctx, 'experiments.compare', { ids, reference: ref });
      if (args.values.json) {
        io.out(JSON.stringify(cmp, null, 2));
        return 0;
      }
      io.out(`reference: ${runLabel(cmp.runs[0].row)}${cmp.comparable ? '' : '   (runs differ in comparability key: see settings)'}`);
      const rows: string[][] = [];
      for (const g of cmp.groups) {
        cmp.runs.forEach((run, ri) => {
          const cells = run.cells[g];
          rows.push([
            ri === 0 ? g : '',
            runLabel(run.row),
            ...METRIC_KEYS.map((k) => {
              const c = cells ? cellText(cells[k]) : 'n/a';
              return ri === 0 ? c : `${c} ${deltaText(cmp.deltas[ri][g][k])}`;
            }),
          ]);
        });
      }
      table(io, ['', 'run', ...METRIC_KEYS.map((k) => METRIC_LABELS[k])], rows, (i) => i > 1);
      io.out('');
      const shown = args.values['all-settings'] ? cmp.settings : cmp.settings.filter((s) => s.differs);
      io.out(args.values['all-settings'] ? 'settings:' : `settings that differ (${shown.length} of ${cmp.settings.length}):`);
      if (shown.length) table(io, ['setting', ...cmp.runs.map((r) => runLabel(r.row))], shown.map((s) => [(s.differs ? '* ' : '  ') + s.path, ...s.values.map((v) => v ?? '—')]), () => false);
      io.out('');
      io.out(`samples: ${cmp.samples.total} aligned, ${cmp.samples.flips} flips (safe in one run, unsafe in another), ${cmp.samples.missing} missing in some run`);
      return 0;
    },
  },
  {
    name: 'runs export',
    usage: 'safeedit runs export RUN [RUN...] --format csv|json|html --out FILE [--reference RUN]',
    summary: 'export a run (or a comparison) with every sample and metric and its provenance',
    options: { format: { type: 'string' }, out: { type: 'string' }, reference: { type: 'string' } },
    async run(args, ctx, io) {
      if (args.positionals.length < 1) throw new AppError('usage', 'give a RUN to export');
      const format = args.values.format as string | undefined;
      if (!format || !(EXPORT_FORMATS as readonly string[]).includes(format)) throw new AppError('usage', `--format must be one of ${EXPORT_FORMATS.join(', ')}`);
      const out = args.values.out as string | undefined;
      if (!out) throw new AppError('usage', '--out FILE is required');
      const ids = args.positionals.map((p) => resolveRunRef(ctx.db, p));
      const ref = args.values.reference ? resolveRunRef(ctx.db, args.values.reference as string) : undefined;
      const r = await call(ctx, 'experiments.export', { ids, reference: ref, format: format as ExportFormat, out });
      io.out(`${r.path} (${r.bytes} bytes)`);
      return 0;
    },
  },
];
