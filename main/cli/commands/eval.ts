import type { CliCommand, CliIO } from '../types';
import { call, followJob } from '../call';
import { AppError } from '../../../shared/errors';
import { METRIC_KEYS, METRIC_LABELS, METRIC_SLOTS, type MetricReport, type RunDetail } from '../../../shared/api/eval';
import { formatMetric } from '../../eval/metrics';

type Values = Record<string, string | boolean | (string | boolean)[] | undefined>;

function str(v: Values, name: string): string | undefined {
  const x = v[name];
  return typeof x === 'string' ? x : undefined;
}

function num(v: Values, name: string, int = true): number | undefined {
  const x = str(v, name);
  if (x === undefined) return undefined;
  const n = Number(x);
  if (!Number.isFinite(n) || (int && !Number.isInteger(n))) throw new AppError('usage', `--${name} must be ${int ? 'an integer' : 'a number'} (got '${x}')`);
  return n;
}

function list(v: Values, name: string): string[] | undefined {
  const x = str(v, name);
  return x === undefined ? undefined : x.split(',').map((s) => s.trim()).filter(Boolean);
}

function judgeSpec(v: Values) {
  const path = str(v, 'judge');
  if (!path) throw new AppError('usage', '--judge DIR is required');
  return { path, unsafeLabel: num(v, 'unsafe-label'), threshold: num(v, 'threshold', false) };
}

/** The metric JSON of the CLI contract: {"run_id", "metrics": {"overall", "by_category"}, "counts"}. */
export function metricJson(runId: string, m: MetricReport | null) {
  return {
    run_id: runId,
    metrics: m ? { overall: m.overall, by_category: m.by_category } : null,
    counts: m ? m.counts : null,
  };
}

/** Prints the metric table: overall and one row per category, then n/a and pending counts. */
export function printMetricTable(io: CliIO, run: Pick<RunDetail, 'id' | 'status' | 'metrics' | 'judge'>) {
  const m = run.metrics;
  io.out(`run ${run.id}  status ${run.status}  judge ${run.judge.name} (threshold ${run.judge.threshold})`);
  if (!m) {
    io.out('no metrics yet');
    return;
  }
  const head = ['', ...METRIC_KEYS.map((k) => METRIC_LABELS[k]), 'cases'];
  const rows: string[][] = [['overall', ...METRIC_KEYS.map((k) => formatMetric(m.overall[k])), String(m.counts.overall.cases)]];
  for (const [cat, vals] of Object.entries(m.by_category)) {
    rows.push([cat, ...METRIC_KEYS.map((k) => formatMetric(vals[k])), String(m.counts.by_category[cat].cases)]);
  }
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (r: string[]) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  io.out(line(head));
  for (const r of rows) io.out(line(r));
  const notes = METRIC_SLOTS.flatMap((s) => {
    const c = m.counts.overall.slots[s];
    const parts = [c.na ? `${c.na} n/a` : '', c.pending ? `${c.pending} pending` : '', c.empty ? `${c.empty} empty` : ''].filter(Boolean);
    return parts.length ? [`${METRIC_LABELS[s]}: ${parts.join(', ')}`] : [];
  });
  if (notes.length) io.out(`(${notes.join('; ')}; n/a inputs are excluded from their metric, empty responses count 0.5)`);
}

async function show(ctx: Parameters<CliCommand['run']>[1], io: CliIO, runId: string, json: boolean, judgeId?: string) {
  const run = await call(ctx, 'eval.getRun', { id: runId, limit: 0, judgeId });
  if (json) io.out(JSON.stringify(metricJson(run.id, run.metrics)));
  else printMetricTable(io, run);
}

export const evalCommands: CliCommand[] = [
  {
    name: 'eval',
    usage:
      'safeedit eval --model DIR --judge DIR (--split NAME | --case-file FILE) [--categories a,b] [--ids 1,2] [--limit N] [--sample N --seed S] ' +
      '[--method none|prompt|dinm|ft-l|profs] [--mode easyedit|paper] [--chat auto|on|off] [--suffix auto|on|off] [--lr X] [--steps N] [--layer N] ' +
      '[--max-new-tokens N] [--batch-size N] [--unsafe-label N] [--threshold X] [--name TEXT] [--json]',
    summary: 'evaluate a model on SafeEdit cases (DS, DG, fluency) and print the metric table',
    options: {
      model: { type: 'string' },
      judge: { type: 'string' },
      split: { type: 'string' },
      'case-file': { type: 'string' },
      categories: { type: 'string' },
      ids: { type: 'string' },
      limit: { type: 'string' },
      sample: { type: 'string' },
      seed: { type: 'string' },
      method: { type: 'string' },
      mode: { type: 'string' },
      chat: { type: 'string' },
      suffix: { type: 'string' },
      lr: { type: 'string' },
      steps: { type: 'string' },
      layer: { type: 'string' },
      'max-new-tokens': { type: 'string' },
      'batch-size': { type: 'string' },
      'unsafe-label': { type: 'string' },
      threshold: { type: 'string' },
      name: { type: 'string' },
      json: { type: 'boolean' },
    },
    async run(args, ctx, io) {
      const v = args.values;
      const model = str(v, 'model');
      if (!model) throw new AppError('usage', '--model DIR is required');
      const start = await call(ctx, 'eval.start', {
        name: str(v, 'name'),
        model: { path: model },
        judge: judgeSpec(v),
        cases: {
          split: str(v, 'split'),
          caseFile: str(v, 'case-file'),
          categories: list(v, 'categories'),
          ids: list(v, 'ids'),
          limit: num(v, 'limit'),
          sample: num(v, 'sample'),
          seed: num(v, 'seed'),
        },
        generation: {
          maxNewTokens: num(v, 'max-new-tokens'),
          batchSize: num(v, 'batch-size'),
          chat: str(v, 'chat') as 'auto' | 'on' | 'off' | undefined,
          suffix: str(v, 'suffix') as 'auto' | 'on' | 'off' | undefined,
        },
        edit: {
          method: str(v, 'method') as 'none' | undefined,
          mode: str(v, 'mode') as 'easyedit' | undefined,
          lr: num(v, 'lr', false),
          steps: num(v, 'steps'),
          layer: num(v, 'layer'),
        },
      });
      io.err(`run ${start.run.id}: ${start.run.cases} cases, ${start.run.samples.applicable} responses to generate`);
      await followJob(ctx, start.job, io, Boolean(v.json));
      await show(ctx, io, start.run.id, Boolean(v.json));
      return 0;
    },
  },
  {
    name: 'eval show',
    usage: 'safeedit eval show RUN [--judge-id ID] [--json]',
    summary: "a run's metric table (or the metric set of another judge)",
    options: { 'judge-id': { type: 'string' }, json: { type: 'boolean' } },
    async run(args, ctx, io) {
      const id = args.positionals[0];
      if (!id) throw new AppError('usage', 'usage: safeedit eval show RUN [--judge-id ID] [--json]');
      await show(ctx, io, id, Boolean(args.values.json), str(args.values, 'judge-id'));
      return 0;
    },
  },
  {
    name: 'eval runs',
    usage: 'safeedit eval runs [--json]',
    summary: 'evaluation runs, newest first',
    options: { json: { type: 'boolean' } },
    async run(args, ctx, io) {
      const runs = await call(ctx, 'eval.listRuns', {});
      if (args.values.json) io.out(JSON.stringify(runs.map((r) => ({ ...metricJson(r.id, r.metrics), status: r.status, cases: r.cases, created_at: r.createdAt }))));
      else
        for (const r of runs)
          io.out(`${r.id}  ${r.status.padEnd(11)} ${String(r.cases).padStart(5)} cases  DS ${formatMetric(r.metrics?.overall.DS ?? null).padStart(6)}  ${r.name ?? ''}`);
      return 0;
    },
  },
  {
    name: 'eval resume',
    usage: 'safeedit eval resume RUN [--json]',
    summary: 'continue an interrupted run (finished samples are kept)',
    options: { json: { type: 'boolean' } },
    async run(args, ctx, io) {
      const id = args.positionals[0];
      if (!id) throw new AppError('usage', 'usage: safeedit eval resume RUN [--json]');
      const r = await call(ctx, 'eval.resume', { id });
      if (r.job) await followJob(ctx, r.job, io, Boolean(args.values.json));
      await show(ctx, io, id, Boolean(args.values.json));
      return 0;
    },
  },
  {
    name: 'rejudge',
    usage: 'safeedit rejudge RUN --judge DIR [--threshold X] [--unsafe-label N] [--json]',
    summary: "score a run's stored responses with another judge or threshold (no generation)",
    options: { judge: { type: 'string' }, threshold: { type: 'string' }, 'unsafe-label': { type: 'string' }, json: { type: 'boolean' } },
    async run(args, ctx, io) {
      const id = args.positionals[0];
      if (!id) throw new AppError('usage', 'usage: safeedit rejudge RUN --judge DIR [--json]');
      const r = await call(ctx, 'eval.rejudge', { id, judge: judgeSpec(args.values) });
      if (r.job) await followJob(ctx, r.job, io, Boolean(args.values.json));
      await show(ctx, io, id, Boolean(args.values.json), r.judge.id);
      return 0;
    },
  },
  {
    name: 'judge',
    usage: 'safeedit judge --judge DIR --text TEXT [--threshold X] [--unsafe-label N] [--json]',
    summary: 'classify one text with a safety classifier',
    options: { judge: { type: 'string' }, text: { type: 'string' }, threshold: { type: 'string' }, 'unsafe-label': { type: 'string' }, json: { type: 'boolean' } },
    async run(args, ctx, io) {
      const text = str(args.values, 'text');
      if (text === undefined) throw new AppError('usage', '--text TEXT is required');
      const r = await call(ctx, 'eval.judgeText', { judge: judgeSpec(args.values), text });
      io.out(args.values.json ? JSON.stringify({ label: r.label, p_unsafe: r.p_unsafe }) : `${r.label === 1 ? 'unsafe' : 'safe'} (p_unsafe ${r.p_unsafe.toFixed(4)})`);
      return 0;
    },
  },
];
