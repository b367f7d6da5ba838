import type { CliCommand } from '../types';
import { call, followJob } from '../call';
import { AppError } from '../../../shared/errors';
import type { EditOutput } from '../../../shared/api/editing';

function num(v: unknown, flag: string, int = false): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isFinite(n) || (int && !Number.isInteger(n))) throw new AppError('usage', `${flag} expects ${int ? 'an integer' : 'a number'} (got '${String(v)}')`);
  return n;
}
const str = (v: unknown): string | undefined => (typeof v === 'string' && v ? v : undefined);

export const editCommands: CliCommand[] = [
  {
    name: 'edit',
    usage: 'safeedit edit --model DIR --case ID|--case-file FILE [--method dinm|ft-l|prompt|profs] [--mode easyedit|paper] [--layer N] [--steps N] [--lr X] [--out PATCH] [--json]',
    summary: 'edit one SafeEdit case (DINM by default) and write a weight patch',
    options: {
      model: { type: 'string' },
      case: { type: 'string' },
      'case-file': { type: 'string' },
      method: { type: 'string' },
      mode: { type: 'string' },
      layer: { type: 'string' },
      steps: { type: 'string' },
      lr: { type: 'string' },
      out: { type: 'string' },
      compare: { type: 'string' },
      json: { type: 'boolean' },
    },
    async run(args, ctx, io) {
      const v = args.values;
      const modelDir = str(v.model);
      if (!modelDir) throw new AppError('usage', '--model DIR is required');
      const caseFile = str(v['case-file']);
      const caseArg = str(v.case);
      if (!caseFile && !caseArg) throw new AppError('usage', 'give --case ID (a dataset record id or key) or --case-file FILE');
      const compare = num(v.compare, '--compare', true);
      const job = await call(ctx, 'editing.start', {
        modelDir,
        ...(caseFile ? { caseFile, caseId: caseArg } : caseArg!.includes(':') ? { recordKey: caseArg } : { caseId: caseArg }),
        method: (str(v.method) ?? 'dinm') as never,
        mode: (str(v.mode) ?? 'easyedit') as never,
        layer: num(v.layer, '--layer', true),
        steps: num(v.steps, '--steps', true),
        lr: num(v.lr, '--lr'),
        out: str(v.out),
        ...(compare ? { compare: { maxNewTokens: compare } } : {}),
      });
      const done = await followJob(ctx, job, io, Boolean(v.json));
      const r = done.result as EditOutput;
      if (v.json) {
        io.out(
          JSON.stringify({
            toxic_layer: r.toxic_layer,
            layer_distances: r.layer_distances,
            params: r.params,
            losses: r.losses,
            step0: r.step0,
            patch: r.patch,
            method: r.method,
            mode: r.mode,
            nll: r.nll,
            kl: r.kl,
            stopped_early: r.stopped_early,
            timings: r.timings,
            ...(r.before ? { before: r.before.text, after: r.after?.text ?? null } : {}),
          }),
        );
        return 0;
      }
      io.out(`method ${r.method} (${r.mode}); layer ${r.toxic_layer ?? '-'}; edited ${r.params.join(', ') || 'nothing'}`);
      if (r.layer_distances.length) io.out(`layer distances: ${r.layer_distances.map((d) => d.toPrecision(5)).join(' ')}`);
      if (r.losses.length) io.out(`losses: ${r.losses.map((l) => l.toPrecision(6)).join(' ')}${r.stopped_early ? ' (stopped early)' : ''}`);
      if (r.before) io.out(`before: ${r.before.text}\nafter:  ${r.after?.text ?? ''}`);
      io.out(r.patch ? `patch: ${r.patch}` : 'no patch (no weights changed)');
      return 0;
    },
  },
  {
    name: 'patch export',
    usage: 'safeedit patch export --model DIR --patch PATCH --out DIR',
    summary: 'write a complete model folder with a weight patch applied (atomic; untouched shards hard-linked)',
    options: { model: { type: 'string' }, patch: { type: 'string' }, out: { type: 'string' }, json: { type: 'boolean' } },
    async run(args, ctx, io) {
      const v = args.values;
      const [modelDir, patch, outDir] = [str(v.model), str(v.patch), str(v.out)];
      if (!modelDir || !patch || !outDir) throw new AppError('usage', '--model DIR, --patch PATCH and --out DIR are required');
      const r = await call(ctx, 'editing.exportPatch', { modelDir, patch, outDir });
      io.out(v.json ? JSON.stringify(r) : `exported to ${r.outDir} (rewritten: ${r.rewritten.join(', ')}; ${r.linked} linked, ${r.copied} copied)`);
      return 0;
    },
  },
  {
    name: 'patch list',
    usage: 'safeedit patch list [--model DIR] [--json]',
    summary: 'list recorded weight patches (for a model: those made for its content hash)',
    options: { model: { type: 'string' }, json: { type: 'boolean' } },
    async run(args, ctx, io) {
      const v = args.values;
      const model = str(v.model);
      const r = await call(ctx, 'editing.listPatches', model ? { sameContentAs: model } : {});
      if (v.json) io.out(JSON.stringify(r));
      else if (!r.length) io.out('no patches');
      else for (const p of r) io.out(`${p.id}  ${p.method}/${p.mode}  layer ${p.toxicLayer ?? '-'}  case ${p.caseKey ?? p.caseId ?? '-'}  ${p.createdAt}${p.exists ? '' : '  (file missing)'}  ${p.file}`);
      return 0;
    },
  },
  {
    name: 'patch delete',
    usage: 'safeedit patch delete --id ID [--force]',
    summary: 'delete a recorded weight patch (file + record); --force even when an evaluation run uses it',
    options: { id: { type: 'string' }, force: { type: 'boolean' }, json: { type: 'boolean' } },
    async run(args, ctx, io) {
      const v = args.values;
      const id = str(v.id);
      if (!id) throw new AppError('usage', '--id ID is required');
      const r = await call(ctx, 'editing.deletePatch', { id, force: Boolean(v.force) });
      io.out(v.json ? JSON.stringify(r) : `deleted patch ${r.id}${r.fileRemoved ? '' : ' (its file was already gone)'}`);
      return 0;
    },
  },
];
