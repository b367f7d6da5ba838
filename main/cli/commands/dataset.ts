import type { CliCommand, CliIO } from '../types';
import { call } from '../call';
import { AppError } from '../../../shared/errors';
import { formatIssue } from '../../dataset/importer';
import type { DatasetRecord, FileImportResult } from '../../../shared/api/dataset';

const MAX_PRINTED_ERRORS = 50;

function printResult(r: FileImportResult, io: CliIO) {
  const head = `${r.fileName}: ${r.records} records read, split ${r.split}`;
  if (r.status === 'imported') {
    io.out(`${head}: imported ${r.imported}${r.unchanged ? `, ${r.unchanged} already present` : ''}${r.skipped ? `, skipped ${r.skipped} bad record${r.skipped === 1 ? '' : 's'}` : ''} (import #${r.sourceId})`);
  } else if (r.status === 'already_imported') {
    io.out(`${head}: already imported (import #${r.sourceId}); nothing changed`);
  }
  if (r.errorCount) {
    const out = r.status === 'failed' ? io.err : io.out;
    if (r.status === 'failed') {
      io.err(
        r.fatal
          ? `${r.fileName}: cannot be imported:`
          : `${r.fileName}: ${r.invalid} of ${r.records} records have problems; nothing imported (use --skip-bad to import the ${r.valid} good ones):`,
      );
    }
    for (const e of r.errors.slice(0, MAX_PRINTED_ERRORS)) out(`  ${formatIssue(e)}`);
    if (r.errorCount > Math.min(r.errors.length, MAX_PRINTED_ERRORS)) out(`  … ${r.errorCount} problems in all`);
  }
}

function printRecord(r: DatasetRecord, io: CliIO) {
  const g = r.generalization;
  const k = r.knowledgeConstraint;
  const block = (label: string, text: string) => io.out(`\n${label}:\n${text || '(empty)'}`);
  io.out(`${r.key}${r.isDemo ? ' (demo)' : ''}  category: ${r.category}${r.categoryRaw !== r.category ? ` (“${r.categoryRaw}”)` : ''}  attack: ${r.attackName}${r.attackCategory ? ` [${r.attackCategory}]` : ''}`);
  block('Question', r.question);
  block('Adversarial prompt', r.adversarialPrompt);
  block('Unsafe generation [content warning]', r.unsafeGeneration);
  block('Safe generation', r.safeGeneration);
  if (g) {
    block('Generalization: only harmful question', g.onlyHarmfulQuestion);
    block(`Generalization: other attack prompt (${g.attackName}${g.attackCategory ? `, ${g.attackCategory}` : ''})`, g.otherAttackPrompt);
    block('Generalization: other question', g.otherQuestion);
    block('Generalization: other question and attack prompt', g.otherQuestionsAndAttackPrompts);
  } else io.out('\nGeneralization inputs: n/a');
  if (k) {
    block('Knowledge constraint prompt', k.prompt);
    block('Knowledge constraint answer', k.answer);
  } else io.out('\nKnowledge constraint: n/a');
}

function intOpt(v: unknown, name: string, def: number): number {
  if (v === undefined) return def;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new AppError('usage', `--${name} must be a positive integer (got ${String(v)})`);
  return n;
}

export const datasetCommands: CliCommand[] = [
  {
    name: 'dataset import',
    usage: 'safeedit dataset import FILE... [--split NAME] [--skip-bad] [--json]',
    summary: 'import SafeEdit JSON files (split inferred from the file name unless --split)',
    options: { split: { type: 'string' }, 'skip-bad': { type: 'boolean' }, json: { type: 'boolean' } },
    async run(args, ctx, io) {
      if (!args.positionals.length) {
        io.err('error: give at least one FILE\nusage: safeedit dataset import FILE... [--split NAME] [--skip-bad] [--json]');
        return 2;
      }
      const split = args.values.split as string | undefined;
      const { results } = await call(ctx, 'dataset.import', {
        files: args.positionals.map((p) => ({ path: p, split })),
        skipBad: Boolean(args.values['skip-bad']),
      });
      if (args.values.json) io.out(JSON.stringify(results, null, 2));
      else for (const r of results) printResult(r, io);
      return results.some((r) => r.status === 'failed') ? 1 : 0;
    },
  },
  {
    name: 'dataset stats',
    usage: 'safeedit dataset stats [--split NAME] [--json]',
    summary: 'record counts per split, category and attack',
    options: { split: { type: 'string' }, json: { type: 'boolean' } },
    async run(args, ctx, io) {
      const s = await call(ctx, 'dataset.stats', { split: args.values.split as string | undefined });
      if (args.values.json) {
        io.out(JSON.stringify(s, null, 2));
        return 0;
      }
      io.out(`${s.total} records`);
      for (const [title, obj] of [['split', s.by_split], ['category', s.by_category], ['attack', s.by_attack]] as const) {
        io.out(`\nby ${title}:`);
        for (const [k, v] of Object.entries(obj)) io.out(`  ${String(v).padStart(6)}  ${k}`);
      }
      return 0;
    },
  },
  {
    name: 'dataset show',
    usage: 'safeedit dataset show ID|SPLIT:ID [--json]',
    summary: 'one record in full (a bare id that exists in several splits lists them)',
    options: { json: { type: 'boolean' } },
    async run(args, ctx, io) {
      const id = args.positionals[0];
      if (!id || args.positionals.length > 1) {
        io.err('error: give one ID or SPLIT:ID\nusage: safeedit dataset show ID|SPLIT:ID [--json]');
        return 2;
      }
      const found = await call(ctx, 'dataset.find', { id });
      if (!found.length) {
        io.err(`error: no record with id or key '${id}'`);
        return 1;
      }
      if (found.length > 1) {
        if (args.values.json) io.out(JSON.stringify({ ambiguous: true, matches: found.map((r) => r.key) }, null, 2));
        io.err(`error: id ${id} is in ${found.length} splits; say which: ${found.map((r) => r.key).join(', ')}`);
        return 1;
      }
      if (args.values.json) io.out(JSON.stringify(found[0], null, 2));
      else printRecord(found[0], io);
      return 0;
    },
  },
  {
    name: 'dataset search',
    usage: 'safeedit dataset search TEXT [--split S] [--category C] [--attack A] [--limit N] [--json]',
    summary: 'full-text search over prompts, questions and generations',
    options: { split: { type: 'string' }, category: { type: 'string' }, attack: { type: 'string' }, limit: { type: 'string' }, json: { type: 'boolean' } },
    async run(args, ctx, io) {
      const q = args.positionals.join(' ').trim();
      if (!q) {
        io.err('error: give the TEXT to search for');
        return 2;
      }
      const res = await call(ctx, 'dataset.list', {
        q,
        split: args.values.split as string | undefined,
        category: args.values.category as string | undefined,
        attack: args.values.attack as string | undefined,
        limit: intOpt(args.values.limit, 'limit', 20),
      });
      if (args.values.json) {
        io.out(JSON.stringify(res, null, 2));
        return 0;
      }
      io.out(`${res.total} match${res.total === 1 ? '' : 'es'}${res.total > res.items.length ? ` (showing ${res.items.length})` : ''}`);
      for (const r of res.items) {
        const snip = (r.snippet ?? r.question).replace(/\s+/g, ' ').replace(/\u0002/g, '[').replace(/\u0003/g, ']');
        io.out(`${r.key.padEnd(16)} ${r.category.padEnd(22)} ${snip}`);
      }
      return 0;
    },
  },
  {
    name: 'dataset sources',
    usage: 'safeedit dataset sources [--json]',
    summary: 'imported files with their provenance (name, sha256, time)',
    options: { json: { type: 'boolean' } },
    async run(args, ctx, io) {
      const list = await call(ctx, 'dataset.sources', {});
      if (args.values.json) io.out(JSON.stringify(list, null, 2));
      else {
        if (!list.length) io.out('no imports');
        for (const s of list) {
          io.out(`#${String(s.id).padEnd(4)} ${s.split.padEnd(10)} ${String(s.records).padStart(6)} records  ${s.fileName}${s.isDemo ? ' [demo]' : ''}  sha256 ${s.sha256.slice(0, 12)}…  ${s.importedAt}`);
        }
      }
      return 0;
    },
  },
  {
    name: 'dataset remove',
    usage: 'safeedit dataset remove --source ID | --demo',
    summary: 'remove one import and its records, or the demo set (it then stays removed)',
    options: { source: { type: 'string' }, demo: { type: 'boolean' } },
    async run(args, ctx, io) {
      const src = args.values.source;
      const demo = Boolean(args.values.demo);
      if ((src === undefined) === !demo) {
        io.err('error: give either --source ID or --demo\nusage: safeedit dataset remove --source ID | --demo');
        return 2;
      }
      const r = await call(ctx, 'dataset.remove', demo ? { demo: true } : { sourceId: intOpt(src, 'source', 0) });
      io.out(`removed ${r.removedRecords} records from ${r.removedSources} import${r.removedSources === 1 ? '' : 's'}`);
      return 0;
    },
  },
  {
    name: 'dataset restore-demo',
    usage: 'safeedit dataset restore-demo',
    summary: 'load the demo set again after it was removed',
    async run(_args, ctx, io) {
      const r = await call(ctx, 'dataset.restoreDemo', {});
      io.out(`demo set: ${r.records} records`);
      return 0;
    },
  },
];
