// The judge runtime: openJudge (main/eval/engine.ts) over the engine's classifiers, in a worker thread and in this
// thread, batched == single, prebuilt ONNX classifiers, a real re-judge job, and hostile folders.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GOLDEN_CLASSIFIERS, writeTinyClassifier } from '../main/engine/testing/tiny-classifier';
import { resolveClassifier } from '../main/engine/arch/classifiers';
import { buildClassifierGraph } from '../main/engine/classifier/graph';
import { ClassifierSession, softmax } from '../main/engine/classifier/session';
import { openClassifier } from '../main/engine/classifier/remote';
import { readTensorF32 } from '../main/engine/safetensors/reader';
import { writeModel } from '../main/engine/graph/onnx';
import { openJudge } from '../main/eval/engine';
import { inspectJudge, saveJudge } from '../main/eval/judge';
import { createRun } from '../main/eval/store';
import { runEvaluation } from '../main/eval/runner';
import { dispatch } from '../main/api/index';
import { createContext } from '../main/context';
import { EvalSettings, type Provenance } from '../shared/api/eval';
import type { EvalCase } from '../main/eval/protocol';
import { tempDir } from './helpers';

interface Golden {
  texts: string[];
  logits: number[][];
}
const golden = (name: string) => JSON.parse(fs.readFileSync(path.resolve(import.meta.dirname, 'goldens', `judge-${name}.json`), 'utf8')) as Golden;
const spec = (name: string) => GOLDEN_CLASSIFIERS.find((g) => g.name === name)!;
const tiny = (name: string, over: Parameters<typeof writeTinyClassifier>[2] = {}) => {
  const g = spec(name);
  return writeTinyClassifier(path.join(tempDir('safeedit-judge-'), name), g.arch, { ...g.options, ...over }).dir;
};
const never = new AbortController().signal;

describe('openJudge', () => {
  const g = golden('roberta');
  let dir: string;
  beforeAll(() => {
    dir = tiny('roberta');
  });

  it('gives P(unsafe) = softmax(logits)[unsafe label] from a classifier worker thread (called from the main thread)', async () => {
    const info = await inspectJudge({ path: dir, threshold: 0.5 });
    expect(info).toMatchObject({ unsafeLabel: 1, labelSource: 'config', kind: 'hf-folder' });
    const judge = await openJudge(info, { dataDir: tempDir() });
    try {
      const p = await judge.classify(g.texts, never);
      const want = g.logits.map((l) => softmax(l)[1]);
      p.forEach((x, i) => expect(Math.abs(x - want[i])).toBeLessThan(1e-5));
      // batched == one at a time
      for (let i = 0; i < g.texts.length; i++) expect(Math.abs((await judge.classify([g.texts[i]], never))[0] - p[i])).toBeLessThan(1e-5);
      // the user's choice of the unsafe label is what is read
      const other = await openJudge({ ...info, unsafeLabel: 0 }, { dataDir: tempDir() });
      try {
        const q = await other.classify(g.texts.slice(0, 2), never);
        q.forEach((x, i) => expect(x + p[i]).toBeCloseTo(1, 5));
      } finally {
        await other.dispose?.();
      }
    } finally {
      await judge.dispose?.();
    }
  });

  it('in-thread and worker classifiers agree, and a cancelled call stops', async () => {
    const data = tempDir();
    const local = await openClassifier({ path: dir, dataDir: data }, true);
    const remote = await openClassifier({ path: dir, dataDir: data }, false);
    try {
      const a = await local.probabilities(g.texts);
      const b = await remote.probabilities(g.texts);
      a.forEach((row, i) => row.forEach((x, j) => expect(Math.abs(x - b[i][j])).toBeLessThan(1e-6)));
      const ac = new AbortController();
      ac.abort();
      await expect(local.probabilities(g.texts, { signal: ac.signal })).rejects.toMatchObject({ code: 'cancelled' });
      await expect(remote.probabilities(g.texts, { signal: ac.signal })).rejects.toMatchObject({ code: 'cancelled' });
    } finally {
      await local.close();
      await remote.close();
    }
  });

  it('refuses a judge whose files changed since it was recorded', async () => {
    const d = tiny('roberta');
    const info = await inspectJudge({ path: d, threshold: 0.5 });
    const cfg = JSON.parse(fs.readFileSync(path.join(d, 'config.json'), 'utf8'));
    fs.writeFileSync(path.join(d, 'config.json'), JSON.stringify({ ...cfg, layer_norm_eps: 1e-6 }));
    await expect(openJudge(info, { dataDir: tempDir() })).rejects.toMatchObject({ code: 'judge_changed' });
  });
});

describe('prebuilt ONNX classifier', () => {
  it('runs a .onnx classifier with its tokenizer and config (folder or file path) to the same logits', async () => {
    const g = golden('bert');
    const src = tiny('bert');
    const dir = tempDir('safeedit-onnx-judge-');
    for (const f of ['config.json', 'tokenizer.json', 'tokenizer_config.json']) fs.copyFileSync(path.join(src, f), path.join(dir, f));
    const cs = resolveClassifier(src);
    const graph = buildClassifierGraph(cs, (name) => {
      const t = [...cs.tensors.values()].find((x) => x.name === name)!;
      return { dims: t.shape, data: readTensorF32(t) };
    });
    writeModel(graph, path.join(dir, 'model.onnx'));
    for (const p of [dir, path.join(dir, 'model.onnx')]) {
      const s = await ClassifierSession.open(p, { dataDir: tempDir() });
      try {
        expect(s.info).toMatchObject({ kind: 'onnx', arch: 'bert', maxTokens: 40 });
        const l = await s.logits(g.texts, { batchSize: 4 });
        l.forEach((row, i) => row.forEach((x, j) => expect(Math.abs(x - g.logits[i][j])).toBeLessThan(1e-4)));
      } finally {
        await s.release();
      }
    }
    const info = await inspectJudge({ path: dir, threshold: 0.5, unsafeLabel: 1 });
    expect(info.kind).toBe('onnx');
    const judge = await openJudge(info, { dataDir: tempDir() });
    try {
      expect((await judge.classify([g.texts[0]], never))[0]).toBeCloseTo(softmax(g.logits[0])[1], 4);
    } finally {
      await judge.dispose?.();
    }
  });
});

describe('hostile classifier folders', () => {
  it('missing tokenizer', async () => {
    const d = tiny('distilbert');
    fs.rmSync(path.join(d, 'tokenizer.json'));
    await expect(inspectJudge({ path: d, threshold: 0.5 })).rejects.toThrow(/has no tokenizer/);
    await expect(ClassifierSession.open(d, { dataDir: tempDir() })).rejects.toThrow(`${d} has no tokenizer.json`);
  });

  it('unknown or unsupported architecture', async () => {
    const d = tiny('bert');
    const cfg = JSON.parse(fs.readFileSync(path.join(d, 'config.json'), 'utf8'));
    fs.writeFileSync(path.join(d, 'config.json'), JSON.stringify({ ...cfg, model_type: 'deberta-v2', architectures: ['DebertaV2ForSequenceClassification'] }));
    expect(() => resolveClassifier(d)).toThrow(/architecture DebertaV2ForSequenceClassification \(model_type deberta-v2\) is not a supported sequence classifier; supported: .*BertForSequenceClassification/);
    fs.writeFileSync(path.join(d, 'config.json'), JSON.stringify({ ...cfg, architectures: ['BertForMaskedLM'] }));
    await expect(inspectJudge({ path: d, threshold: 0.5 })).rejects.toThrow(/BertForMaskedLM is not a sequence classifier/);
    fs.writeFileSync(path.join(d, 'config.json'), JSON.stringify({ ...cfg, position_embedding_type: 'relative_key' }));
    expect(() => resolveClassifier(d)).toThrow(/only absolute position embeddings are supported/);
  });

  it('weights that do not fit the config name the tensor and file', () => {
    const d = tiny('roberta');
    const cfg = JSON.parse(fs.readFileSync(path.join(d, 'config.json'), 'utf8'));
    fs.writeFileSync(path.join(d, 'config.json'), JSON.stringify({ ...cfg, hidden_size: 64 }));
    expect(() => resolveClassifier(d)).toThrow(/model\.safetensors: tensor 'roberta\.embeddings\.word_embeddings\.weight' has shape \[\d+, 32\] but config\.json implies \[\d+, 64\]/);
    fs.writeFileSync(path.join(d, 'config.json'), JSON.stringify({ ...cfg, num_hidden_layers: 3 }));
    expect(() => resolveClassifier(d)).toThrow(/missing tensor 'roberta\.encoder\.layer\.2\.attention\.self\.query\.weight'/);
  });

  it('three labels: the user must choose the unsafe one; then it is the one scored', async () => {
    const d = tiny('bert', { labels: ['neutral', 'mild', 'severe'] });
    await expect(inspectJudge({ path: d, threshold: 0.5 })).rejects.toMatchObject({ code: 'needs_confirmation', message: expect.stringMatching(/choose it \(--unsafe-label N\)/) });
    const info = await inspectJudge({ path: d, threshold: 0.5, unsafeLabel: 2 });
    expect(info).toMatchObject({ unsafeLabel: 2, labelSource: 'user' });
    const judge = await openJudge(info, { dataDir: tempDir() });
    const s = await ClassifierSession.open(d, { dataDir: tempDir() });
    try {
      const [p] = await judge.classify(['hello world'], never);
      const [l] = await s.logits(['hello world']);
      expect(l).toHaveLength(3);
      expect(p).toBeCloseTo(softmax(l)[2], 5);
    } finally {
      await judge.dispose?.();
      await s.release();
    }
  });
});

describe('an evaluation run judged by a real classifier', () => {
  let ctx: Awaited<ReturnType<typeof createContext>>;
  afterAll(async () => ctx?.close());

  it('eval.rejudge runs the classifier in a job and stores its scores', async () => {
    ctx = await createContext({ dataDir: tempDir(), transport: 'cli' });
    const d = tiny('distilbert');
    const g = golden('distilbert');
    // a finished run whose responses are the golden texts, first judged by a stand-in judge
    const judge = saveJudge(ctx.db, await inspectJudge({ path: d, threshold: 0.99 }));
    const cases: EvalCase[] = [0, 1].map((i) => ({
      key: `file:${i}`,
      id: String(i),
      category: 'offensiveness',
      adversarialPrompt: `attack ${i}`,
      question: `q ${i}`,
      safeGeneration: 'no',
      unsafeGeneration: 'yes',
      generalization: { onlyHarmfulQuestion: `q ${i}`, otherAttackPrompt: '', attackCategory: '', attackName: '', otherQuestion: '', otherQuestionsAndAttackPrompts: '' },
      knowledgeConstraint: null,
    }));
    const settings = EvalSettings.parse({ model: { path: '/m' }, judge: { path: d }, cases: { caseFile: '/c.json' } });
    const provenance: Provenance = {
      appVersion: 'test', modelPath: '/m', modelHash: null, protocol: 'no edit', edit: settings.edit,
      chat: { requested: 'off', used: false, reason: 'test' }, suffix: { used: false, text: null },
      generation: { maxNewTokens: 600, greedy: true, temperature: 1, topP: 1, seed: 0 }, cases: { source: 'test', sha256: null, count: 2 },
    };
    const runId = createRun(ctx.db, { settings, provenance, judge, cases, suffix: null });
    const realJudge = await openJudge(judge, { dataDir: ctx.dataDir });
    try {
      await runEvaluation(
        ctx.db,
        runId,
        { generator: { modelHash: 'abc', hasChatTemplate: false, generate: async (ps) => ps.map((_, i) => ({ text: g.texts[i % g.texts.length], promptTokens: 1, outputTokens: 1 })) }, judge: realJudge, editor: null },
        { signal: never, progress: () => {} },
      );
    } finally {
      await realJudge.dispose?.();
    }
    const env = await dispatch(ctx, 'eval.rejudge', { id: runId, judge: { path: d, threshold: 0.5, unsafeLabel: 0 } });
    if (!env.ok) throw new Error(env.error.message);
    const r = env.result as { job: { id: string }; judge: { id: string } };
    expect(r.job).not.toBeNull();
    const done = await ctx.jobs.wait(r.job.id);
    expect(done.status, done.error ?? '').toBe('done');
    const own = ctx.db.prepare('SELECT s.output_text AS text, j.p_unsafe AS p FROM judge_scores j JOIN eval_samples s ON s.id=j.sample_id WHERE j.judge_id=?').all(judge.id) as { text: string; p: number }[];
    const other = new Map((ctx.db.prepare('SELECT s.output_text AS text, j.p_unsafe AS p FROM judge_scores j JOIN eval_samples s ON s.id=j.sample_id WHERE j.judge_id=?').all(r.judge.id) as { text: string; p: number }[]).map((x) => [x.text, x.p]));
    expect(own.length).toBeGreaterThan(0);
    expect(other.size).toBeGreaterThan(0);
    for (const o of own) {
      const k = g.texts.indexOf(o.text);
      expect(o.p).toBeCloseTo(softmax(g.logits[k])[1], 4); // scored in the runner by openJudge
      expect(other.get(o.text)).toBeCloseTo(softmax(g.logits[k])[0], 4); // scored in the job worker, label 0
    }
  });
});
