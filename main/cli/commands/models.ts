import { fmtBytes, fmtParams } from '../../../shared/format';
import path from 'node:path';
import type { CliCommand } from '../types';
import { call } from '../call';
import type { ModelInfo } from '../../../shared/api/models';

function line(m: ModelInfo): string {
  return [
    m.id.padEnd(16),
    m.name.padEnd(24),
    m.arch.padEnd(8),
    m.dtype.padEnd(5),
    fmtParams(m.parameters).padStart(8),
    fmtBytes(m.memory.totalCpu).padStart(10),
    (m.exists ? m.state : 'missing').padEnd(10),
    m.path,
  ].join(' ');
}

/** Relative folder arguments are taken from the current directory. */
const abs = (p: string) => path.resolve(p);

export const modelsCommands: CliCommand[] = [
  {
    name: 'model add',
    usage: 'safeedit model add DIR [--name NAME] [--json]',
    summary: 'validate and register a Hugging Face model folder',
    options: { name: { type: 'string' }, json: { type: 'boolean' } },
    async run(args, ctx, io) {
      const dir = args.positionals[0];
      if (!dir || args.positionals.length > 1) {
        io.err('usage: safeedit model add DIR [--name NAME] [--json]');
        return 2;
      }
      const m = await call(ctx, 'models.add', { path: abs(dir), name: args.values.name as string | undefined });
      if (args.values.json) io.out(JSON.stringify(m, null, 2));
      else io.out(`registered ${m.id}: ${m.arch} (${m.hfArchitecture}), ${fmtParams(m.parameters)} params, ${m.dtype}, needs ~${fmtBytes(m.memory.totalCpu)} (f32 + KV cache at ${m.memory.context} tokens)`);
      return 0;
    },
  },
  {
    name: 'model list',
    usage: 'safeedit model list [--json]',
    summary: 'registered models with architecture, size, dtype, memory estimate and state',
    options: { json: { type: 'boolean' } },
    async run(args, ctx, io) {
      const list = await call(ctx, 'models.list', {});
      if (args.values.json) io.out(JSON.stringify(list, null, 2));
      else if (list.length === 0) io.out('no models registered (safeedit model add DIR)');
      else {
        io.out(['ID'.padEnd(16), 'NAME'.padEnd(24), 'ARCH'.padEnd(8), 'DTYPE', 'PARAMS'.padStart(8), 'MEMORY'.padStart(10), 'STATE'.padEnd(10), 'PATH'].join(' '));
        for (const m of list) io.out(line(m));
      }
      return 0;
    },
  },
  {
    name: 'model remove',
    usage: 'safeedit model remove ID',
    summary: 'unregister a model (its folder is left alone)',
    async run(args, ctx, io) {
      const id = args.positionals[0];
      if (!id) {
        io.err('usage: safeedit model remove ID');
        return 2;
      }
      const r = await call(ctx, 'models.remove', { id });
      io.out(r.removed ? `removed ${id}` : `${id} was not registered`);
      return r.removed ? 0 : 1;
    },
  },
  {
    name: 'tokenize',
    usage: 'safeedit tokenize --model DIR|ID --text TEXT [--chat] [--no-special] [--json]',
    summary: 'token ids of a text with a model folder\'s tokenizer (--chat: through its chat template)',
    options: { model: { type: 'string' }, text: { type: 'string' }, chat: { type: 'boolean' }, 'no-special': { type: 'boolean' }, json: { type: 'boolean' } },
    async run(args, ctx, io) {
      const model = args.values.model as string | undefined;
      const text = args.values.text as string | undefined;
      if (!model || text === undefined) {
        io.err('usage: safeedit tokenize --model DIR|ID --text TEXT [--chat] [--no-special] [--json]');
        return 2;
      }
      // a registered id is passed as is; anything that looks like a path is resolved against the cwd
      const ref = /^m_[0-9a-f]+$/.test(model) ? model : abs(model);
      const r = await call(ctx, 'models.tokenize', {
        model: ref,
        text,
        chat: Boolean(args.values.chat),
        addSpecialTokens: !args.values['no-special'],
      });
      if (args.values.json) io.out(JSON.stringify({ ids: r.ids }));
      else {
        io.out(r.ids.join(' '));
        io.out(r.tokens.map((t) => JSON.stringify(t)).join(' '));
      }
      return 0;
    },
  },
];
