// Tests of the evaluation runner's logic (work list, resume, cancel, n/a, per-case edit, batching) with test
// doubles of the Generator / Judge / Editor interfaces. The doubles live only here; the product gets the real
// ones from main/eval/engine.ts.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AppContext } from '../main/context';
import type { Editor, GenerateOptions, Generator, Judge } from '../main/eval/interfaces';
import { runEvaluation, type RunnerHooks } from '../main/eval/runner';
import { createRun, getRunDetail, getRunSummary, pendingGenerations, saveGenerations, unjudgedSamples } from '../main/eval/store';
import { saveJudge } from '../main/eval/judge';
import { DEFAULT_SUFFIX, type EvalCase } from '../main/eval/protocol';
import { fluency } from '../main/eval/fluency';
import { EvalSettings, type JudgeInfo, type Provenance } from '../shared/api/eval';
import { tempContext } from './helpers';

const JUDGE: JudgeInfo = {
  id: 'testjudge0000001',
  name: 'test double',
  path: '/dev/null',
  kind: 'hf-folder',
  contentHash: 'h'.repeat(64),
  labels: { '0': 'safe', '1': 'unsafe' },
  unsafeLabel: 1,
  labelSource: 'config',
  threshold: 0.5,
  createdAt: new Date(0).toISOString(),
};

function mkCase(i: number, withGen = true): EvalCase {
  return {
    key: `t:${i}`,
    id: String(i),
    category: ['offensiveness', 'mental harm', 'pornography'][i % 3],
    adversarialPrompt: `attack ${i}: tell me how`,
    question: `q${i}`,
    safeGeneration: 'No.',
    unsafeGeneration: 'Yes.',
    generalization: withGen
      ? { onlyHarmfulQuestion: `only ${i}`, otherAttackPrompt: `other attack ${i}`, attackCategory: 'x', attackName: 'y', otherQuestion: `other q ${i}`, otherQuestionsAndAttackPrompts: `both ${i}` }
      : null,
    knowledgeConstraint: null,
  };
}

/** Deterministic double: the response depends only on the prompt; "attack" prompts of odd cases get unsafe text. */
class DoubleGenerator implements Generator {
  readonly modelHash = 'm'.repeat(64);
  readonly hasChatTemplate = false;
  calls: string[][] = [];
  failAfterCalls = Infinity;
  onCall?: () => void;
  async generate(prompts: string[], o: GenerateOptions) {
    if (this.calls.length >= this.failAfterCalls) throw new Error('simulated crash');
    this.calls.push(prompts);
    this.onCall?.();
    expect(o.chat).toBe(false);
    return prompts.map((p) => {
      const n = Number(/\d+/.exec(p)?.[0] ?? 0);
      const text = n % 4 === 3 && p.startsWith('both') ? '' : n % 2 ? `here is how to do the harmful thing for ${p}` : `I cannot help with ${p}, sorry.`;
      return { text, promptTokens: p.length, outputTokens: text.split(' ').length };
    });
  }
}

class DoubleJudge implements Judge {
  batches: number[] = [];
  async classify(texts: string[]) {
    this.batches.push(texts.length);
    return texts.map((t) => (t.includes('harmful') ? 0.9 : 0.1));
  }
}

const noSignal = () => new AbortController().signal;
const hooks = (signal = noSignal()): RunnerHooks => ({ signal, progress: () => {} });

let ctx: AppContext;
beforeEach(async () => {
  ctx = await tempContext();
  saveJudge(ctx.db, JUDGE);
});
afterEach(async () => ctx.close());

function newRun(cases: EvalCase[], over: { method?: 'none' | 'dinm' | 'prompt'; batchSize?: number; judgeBatchSize?: number } = {}) {
  const settings = EvalSettings.parse({
    model: { path: '/models/tiny' },
    judge: { path: '/judges/tiny' },
    cases: { split: 't' },
    generation: { batchSize: over.batchSize ?? 4, judgeBatchSize: over.judgeBatchSize ?? 6 },
    edit: { method: over.method ?? 'none' },
  });
  const suffix = over.method === 'dinm' || over.method === 'prompt' ? DEFAULT_SUFFIX : null;
  const provenance: Provenance = {
    appVersion: 'test',
    modelPath: '/models/tiny',
    modelHash: null,
    protocol: over.method === 'dinm' ? 'per-case edit' : 'no edit',
    edit: settings.edit,
    chat: { requested: 'off', used: false, reason: 'test' },
    suffix: { used: suffix !== null, text: suffix },
    generation: { maxNewTokens: 600, greedy: true, temperature: 1, topP: 1, seed: 0 },
    cases: { source: 'test', sha256: null, count: cases.length },
  };
  return createRun(ctx.db, { settings, provenance, judge: JUDGE, cases, suffix });
}

describe('evaluation runner', () => {
  it('generates every applicable sample once, judges it, and computes metrics from the stored rows', async () => {
    const cases = Array.from({ length: 6 }, (_, i) => mkCase(i));
    const runId = newRun(cases);
    const gen = new DoubleGenerator();
    const judge = new DoubleJudge();
    const report = await runEvaluation(ctx.db, runId, { generator: gen, judge, editor: null }, hooks());
    expect(gen.calls.flat()).toHaveLength(30);
    expect(new Set(gen.calls.flat()).size).toBe(30);
    // batching across cases: 30 prompts in batches of 4
    expect(gen.calls.map((c) => c.length)).toEqual([4, 4, 4, 4, 4, 4, 4, 2]);
    expect(judge.batches.reduce((a, b) => a + b, 0)).toBe(30);
    // odd cases are unsafe on every input: DS = 100 − 100·3/6
    expect(report.overall.DS).toBe(50);
    // case 3's DG_otherAQ is empty (0.5); cases 1, 5 unsafe → unsafe mean (1 + 0.5 + 1)/6
    expect(report.overall.DG_otherAQ).toBeCloseTo(100 - (100 * 2.5) / 6, 10);
    expect(report.counts.overall.slots.DG_otherAQ.empty).toBe(1);
    const run = getRunSummary(ctx.db, runId);
    expect(run.status).toBe('done');
    expect(run.samples).toEqual({ total: 30, applicable: 30, generated: 30, judged: 30 });
    expect(run.provenance.modelHash).toBe('m'.repeat(64));
    const detail = getRunDetail(ctx.db, runId, { offset: 0, limit: 5 });
    expect(detail.page.items[0]).toMatchObject({ caseId: '0', slot: 'DS', label: 0, pUnsafe: 0.1 });
    expect(detail.page.items[0].fluency).toBeCloseTo(fluency(detail.page.items[0].output!), 12);
  });

  it('batches across cases by prompt length (less left padding), shortest first', async () => {
    const runId = newRun(Array.from({ length: 6 }, (_, i) => mkCase(i)));
    const gen = new DoubleGenerator();
    await runEvaluation(ctx.db, runId, { generator: gen, judge: new DoubleJudge(), editor: null }, hooks());
    const lengths = gen.calls.flat().map((p) => p.length);
    expect(lengths).toEqual([...lengths].sort((a, b) => a - b));
    expect(lengths[0]).toBeLessThan(lengths[lengths.length - 1]);
  });

  it('a run killed part-way resumes without redoing finished samples and ends with the same numbers', async () => {
    const cases = Array.from({ length: 9 }, (_, i) => mkCase(i));
    const reference = await runEvaluation(ctx.db, newRun(cases), { generator: new DoubleGenerator(), judge: new DoubleJudge(), editor: null }, hooks());

    const runId = newRun(cases);
    const crashing = new DoubleGenerator();
    crashing.failAfterCalls = 5; // 20 of 45 generated, then the "process dies"
    await expect(runEvaluation(ctx.db, runId, { generator: crashing, judge: new DoubleJudge(), editor: null }, hooks())).rejects.toThrow(/simulated crash/);
    expect(getRunSummary(ctx.db, runId).status).toBe('failed');
    expect(pendingGenerations(ctx.db, runId)).toHaveLength(25);

    const resumed = new DoubleGenerator();
    const final = await runEvaluation(ctx.db, runId, { generator: resumed, judge: new DoubleJudge(), editor: null }, hooks());
    const redone = resumed.calls.flat();
    expect(redone).toHaveLength(25);
    expect(new Set([...crashing.calls.flat(), ...redone]).size).toBe(45);
    expect(final).toEqual(reference);
  });

  it('generated but unjudged samples (a kill between the two commits) are judged on resume, not regenerated', async () => {
    const runId = newRun([mkCase(1), mkCase(2)]);
    const first = pendingGenerations(ctx.db, runId).slice(0, 3);
    saveGenerations(ctx.db, first.map((w) => ({ sampleId: w.sampleId, output: 'harmful', promptTokens: 1, outputTokens: 1, genMs: 1, fluency: 0, editRef: null })));
    expect(unjudgedSamples(ctx.db, runId, JUDGE.id)).toHaveLength(3);
    const gen = new DoubleGenerator();
    await runEvaluation(ctx.db, runId, { generator: gen, judge: new DoubleJudge(), editor: null }, hooks());
    expect(gen.calls.flat()).toHaveLength(7);
    expect(getRunSummary(ctx.db, runId).samples.judged).toBe(10);
  });

  it('cancel stops between batches with status cancelled; a resume finishes the rest', async () => {
    const cases = Array.from({ length: 4 }, (_, i) => mkCase(i));
    const runId = newRun(cases);
    const ac = new AbortController();
    const gen = new DoubleGenerator();
    gen.onCall = () => gen.calls.length === 2 && ac.abort();
    await expect(runEvaluation(ctx.db, runId, { generator: gen, judge: new DoubleJudge(), editor: null }, hooks(ac.signal))).rejects.toMatchObject({ code: 'cancelled' });
    expect(getRunSummary(ctx.db, runId).status).toBe('cancelled');
    expect(getRunSummary(ctx.db, runId).samples.generated).toBe(8);
    const gen2 = new DoubleGenerator();
    await runEvaluation(ctx.db, runId, { generator: gen2, judge: new DoubleJudge(), editor: null }, hooks());
    expect(gen2.calls.flat()).toHaveLength(12);
    expect(getRunSummary(ctx.db, runId).status).toBe('done');
  });

  it('n/a inputs (test_ALL form) are never generated and leave the DG metrics null with counts', async () => {
    const runId = newRun([mkCase(0, false), mkCase(1, false), mkCase(2)]);
    const gen = new DoubleGenerator();
    const r = await runEvaluation(ctx.db, runId, { generator: gen, judge: new DoubleJudge(), editor: null }, hooks());
    expect(gen.calls.flat()).toHaveLength(3 + 4);
    expect(r.counts.overall.slots.DG_onlyQ).toEqual({ scored: 1, na: 2, pending: 0, empty: 0 });
    expect(r.by_category['offensiveness'].DG_onlyQ).toBeNull(); // case 0
    expect(r.by_category['pornography'].DG_onlyQ).toBe(100); // case 2
  });

  it('per-case edit: apply → generate that case only (with the suffix) → restore, for every case', async () => {
    const cases = [mkCase(0), mkCase(1), mkCase(2)];
    const runId = newRun(cases, { method: 'dinm', batchSize: 8 });
    const log: string[] = [];
    const gen = new DoubleGenerator();
    gen.onCall = () => log.push(`gen ${gen.calls[gen.calls.length - 1].length}`);
    const editor: Editor = {
      async apply(c) {
        log.push(`apply ${c.id}`);
        return { method: 'dinm', details: { steps: 10 }, ms: 1 };
      },
      async restore() {
        log.push('restore');
      },
    };
    await runEvaluation(ctx.db, runId, { generator: gen, judge: new DoubleJudge(), editor }, hooks());
    expect(log).toEqual(['apply 0', 'gen 5', 'restore', 'apply 1', 'gen 5', 'restore', 'apply 2', 'gen 5', 'restore']);
    expect(gen.calls[0].every((p) => p.endsWith(` ${DEFAULT_SUFFIX}`))).toBe(true);
  });

  it('per-case edit restores the weights when generation fails', async () => {
    const runId = newRun([mkCase(0)], { method: 'dinm' });
    const gen = new DoubleGenerator();
    gen.failAfterCalls = 0;
    let restored = 0;
    const editor: Editor = { apply: async () => ({ method: 'dinm', details: {}, ms: 0 }), restore: async () => void restored++ };
    await expect(runEvaluation(ctx.db, runId, { generator: gen, judge: new DoubleJudge(), editor }, hooks())).rejects.toThrow(/simulated crash/);
    expect(restored).toBe(1);
  });

  it('refuses to resume on different model files', async () => {
    const runId = newRun([mkCase(0)]);
    const gen = new DoubleGenerator();
    gen.failAfterCalls = 0;
    await expect(runEvaluation(ctx.db, runId, { generator: gen, judge: new DoubleJudge(), editor: null }, hooks())).rejects.toThrow();
    const other = Object.assign(new DoubleGenerator(), { modelHash: 'z'.repeat(64) });
    await expect(runEvaluation(ctx.db, runId, { generator: other, judge: new DoubleJudge(), editor: null }, hooks())).rejects.toMatchObject({ code: 'model_changed' });
  });
});
