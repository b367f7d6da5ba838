import type { CliCommand } from '../types';
import { call } from '../call';
import { AppError } from '../../../shared/errors';
import { closeEngine } from '../../engine/runtime/manager';

type Prompt = { text: string } | { ids: number[] };

function parseIds(s: string, flag: string): number[] {
  const parts = s.split(',').map((x) => x.trim()).filter(Boolean);
  const ids = parts.map(Number);
  if (!ids.length || ids.some((x) => !Number.isInteger(x) || x < 0)) throw new AppError('usage', `${flag} expects comma-separated non-negative token ids (got '${s}')`);
  return ids;
}

function num(v: unknown, flag: string, int = false): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isFinite(n) || (int && !Number.isInteger(n))) throw new AppError('usage', `${flag} expects ${int ? 'an integer' : 'a number'} (got '${String(v)}')`);
  return n;
}

/** The --prompt/--ids (or --text/--ids) occurrences in command-line order. */
function promptsInOrder(args: { tokens?: { kind: string; name?: string; value?: string }[] }, textFlag: string): Prompt[] {
  const out: Prompt[] = [];
  for (const t of args.tokens ?? []) {
    if (t.kind !== 'option' || t.value === undefined) continue;
    if (t.name === textFlag) out.push({ text: t.value });
    if (t.name === 'ids') out.push({ ids: parseIds(t.value, '--ids') });
  }
  return out;
}

const modelFlag = (v: unknown): string => {
  if (typeof v !== 'string' || !v) throw new AppError('usage', '--model DIR is required');
  return v;
};

export const engineCommands: CliCommand[] = [
  {
    name: 'generate',
    usage: 'safeedit generate --model DIR (--prompt TEXT | --ids 1,2,3)... [--chat] [--max-new-tokens N] [--json]',
    summary: 'generate from prompts (several = one left-padded batch); greedy unless --temperature/--top-p/--top-k/--seed',
    options: {
      model: { type: 'string' },
      prompt: { type: 'string', multiple: true },
      ids: { type: 'string', multiple: true },
      chat: { type: 'boolean' },
      'max-new-tokens': { type: 'string' },
      temperature: { type: 'string' },
      'top-p': { type: 'string' },
      'top-k': { type: 'string' },
      seed: { type: 'string' },
      'repetition-penalty': { type: 'string' },
      stop: { type: 'string', multiple: true },
      provider: { type: 'string' },
      json: { type: 'boolean' },
    },
    async run(args, ctx, io) {
      const v = args.values;
      const modelDir = modelFlag(v.model);
      const prompts = promptsInOrder(args as never, 'prompt');
      if (!prompts.length) throw new AppError('usage', 'give at least one --prompt TEXT or --ids 1,2,3');
      const sampled = ['temperature', 'top-p', 'top-k', 'seed'].some((k) => v[k] !== undefined);
      try {
        if (v.provider) await call(ctx, 'engine.load', { modelDir, provider: String(v.provider) });
        const r = await call(ctx, 'engine.generate', {
          modelDir,
          prompts,
          chat: Boolean(v.chat),
          maxNewTokens: num(v['max-new-tokens'], '--max-new-tokens', true) ?? 64,
          sampling: sampled
            ? {
                temperature: num(v.temperature, '--temperature') ?? 1,
                topP: num(v['top-p'], '--top-p') ?? 1,
                topK: num(v['top-k'], '--top-k', true) ?? 0,
                seed: num(v.seed, '--seed', true) ?? 0,
              }
            : undefined,
          repetitionPenalty: num(v['repetition-penalty'], '--repetition-penalty') ?? 1,
          stop: (v.stop as string[] | undefined) ?? [],
        });
        if (v.json) io.out(JSON.stringify({ results: r.results }));
        else {
          r.results.forEach((x, i) => io.out(`${r.results.length > 1 ? `[${i + 1}] ` : ''}${x.text}`));
          io.err(`(${r.provider}; prefill ${r.timing.prefillS.toFixed(3)}s, ${r.timing.decodeSteps} decode steps in ${r.timing.decodeS.toFixed(3)}s)`);
        }
        return 0;
      } finally {
        await closeEngine(ctx.dataDir);
      }
    },
  },
  {
    name: 'inspect',
    usage: 'safeedit inspect --model DIR (--text TEXT | --ids 1,2,3) [--chat] [--all-logits] --json',
    summary: 'last-position logits and every layer\'s hidden state (index 0 = embeddings, last = after the final norm)',
    options: {
      model: { type: 'string' },
      text: { type: 'string' },
      ids: { type: 'string' },
      chat: { type: 'boolean' },
      'all-logits': { type: 'boolean' },
      json: { type: 'boolean' },
    },
    async run(args, ctx, io) {
      const v = args.values;
      const modelDir = modelFlag(v.model);
      const prompts = promptsInOrder(args as never, 'text');
      if (prompts.length !== 1) throw new AppError('usage', 'give exactly one of --text TEXT or --ids 1,2,3');
      try {
        const r = await call(ctx, 'engine.inspect', { modelDir, prompt: prompts[0], chat: Boolean(v.chat), allLogits: Boolean(v['all-logits']) });
        if (v.json) io.out(JSON.stringify(r));
        else {
          const top = r.last_logits.map((x, i) => [x, i]).sort((a, b) => b[0] - a[0]).slice(0, 5);
          io.out(`ids: ${r.ids.join(',')}`);
          io.out(`top next tokens: ${top.map(([x, i]) => `${i} (${x.toFixed(3)})`).join(', ')}`);
          io.out(`hidden states: ${r.hidden_last.length} × ${r.hidden_last[0]?.length ?? 0}`);
        }
        return 0;
      } finally {
        await closeEngine(ctx.dataDir);
      }
    },
  },
];
