// Evaluation benchmark: the real evaluation job (eval.start → job worker → runner, no edit) over 8 SafeEdit-format
// cases (the project's demo set: 8 cases × 5 inputs = 40 responses) on a Qwen2-0.5B-shaped random model, with
// generation batch 8 against batch 1. A tiny random judge keeps judging out of what is measured. Each repeat runs
// both batch sizes (alternating which goes first); the report gives every repeat and the medians.
// Run via scripts/bench/run.mjs:  npm run bench:eval [-- --repeats N --new N --cases N --layers N]
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createContext, type AppContext } from '../../main/context';
import { call } from '../../main/cli/call';
import { writeTinyClassifier } from '../../main/engine/testing/tiny-classifier';
import { QWEN05B_SHAPE, writeQwen05bShaped } from './qwen05b';

const args = process.argv.slice(2);
const arg = (k: string, d: number) => {
  const i = args.indexOf(`--${k}`);
  return i >= 0 ? Number(args[i + 1]) : d;
};
const LAYERS = arg('layers', QWEN05B_SHAPE.layers);
const NEW = arg('new', 32);
const CASES = arg('cases', 8);
const REPEATS = arg('repeats', 3);
const root = path.resolve(import.meta.dirname ?? '.', '..', '..');
const CASE_FILE = path.join(root, 'resources/demo/safeedit-demo.json');

function machine(): string {
  const cpus = os.cpus();
  return `${cpus[0]?.model ?? 'cpu'} × ${cpus.length} logical cores, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB RAM, ${os.platform()}-${os.arch()}, Node ${process.versions.node}`;
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

interface Timed {
  batch: number;
  /** eval.start → job done (model load, generation, judging, metrics) */
  wallS: number;
  /** sum of the stored per-response generation times */
  generationS: number;
  responses: number;
  promptTokens: { mean: number; max: number };
  outputTokens: number;
  loadAverage: number;
  DS: number | null;
}

async function evaluate(ctx: AppContext, model: string, judge: string, batch: number, maxNewTokens: number, cases: number): Promise<Timed> {
  const load = os.loadavg()[0];
  const t0 = performance.now();
  const { run, job } = await call(ctx, 'eval.start', {
    name: `bench batch ${batch}`,
    model: { path: model },
    judge: { path: judge },
    cases: { caseFile: CASE_FILE, limit: cases },
    generation: { maxNewTokens, batchSize: batch, judgeBatchSize: 16 },
    edit: { method: 'none' },
  });
  const done = await ctx.jobs.wait(job.id);
  const wallS = (performance.now() - t0) / 1000;
  if (done.status !== 'done') throw new Error(`evaluation job ${done.status}: ${done.error}`);
  const rows = ctx.db
    .prepare('SELECT gen_ms, prompt_tokens, output_tokens FROM eval_samples WHERE run_id=? AND output_text IS NOT NULL')
    .all(run.id) as { gen_ms: number; prompt_tokens: number; output_tokens: number }[];
  const summary = await call(ctx, 'eval.getRun', { id: run.id, limit: 0 });
  return {
    batch,
    wallS,
    generationS: rows.reduce((a, r) => a + r.gen_ms, 0) / 1000,
    responses: rows.length,
    promptTokens: { mean: rows.reduce((a, r) => a + r.prompt_tokens, 0) / rows.length, max: Math.max(...rows.map((r) => r.prompt_tokens)) },
    outputTokens: rows.reduce((a, r) => a + r.output_tokens, 0),
    loadAverage: Math.round(load * 100) / 100,
    DS: summary.metrics?.overall.DS ?? null,
  };
}

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'safeedit-bench-eval-'));
try {
  console.error(`writing the Qwen2-0.5B-shaped model (${LAYERS} layers) and a tiny judge to ${work}…`);
  const model = writeQwen05bShaped(path.join(work, 'qwen2-0.5b-shaped'), { layers: LAYERS });
  const judge = writeTinyClassifier(path.join(work, 'judge'), 'roberta', { seed: 21 }).dir;
  const ctx = await createContext({ dataDir: path.join(work, 'data'), transport: 'cli' });
  try {
    // warm-up: prepares the engine's weight cache for the model (once per model, not part of an evaluation)
    const tw = performance.now();
    await evaluate(ctx, model, judge, 1, 1, 1);
    const warmS = (performance.now() - tw) / 1000;
    console.error(`warm-up (prepare model + 1 case, 1 token): ${warmS.toFixed(1)} s`);
    const repeats: { b1: Timed; b8: Timed; speedup: number; generationSpeedup: number }[] = [];
    for (let rep = 0; rep < REPEATS; rep++) {
      const order = rep % 2 ? [8, 1] : [1, 8];
      const res: Record<number, Timed> = {};
      for (const b of order) {
        res[b] = await evaluate(ctx, model, judge, b, NEW, CASES);
        console.error(`repeat ${rep + 1} batch ${b}: ${res[b].wallS.toFixed(1)} s (generation ${res[b].generationS.toFixed(1)} s, load ${res[b].loadAverage})`);
      }
      if (res[1].DS !== res[8].DS) throw new Error(`batch 1 and batch 8 gave different DS (${res[1].DS} vs ${res[8].DS}): greedy results must not depend on batching`);
      repeats.push({ b1: res[1], b8: res[8], speedup: res[1].wallS / res[8].wallS, generationSpeedup: res[1].generationS / res[8].generationS });
    }
    const report = {
      machine: machine(),
      model: { ...QWEN05B_SHAPE, layers: LAYERS, dtype: 'f32', provider: 'cpu' },
      cases: CASES,
      responses: repeats[0].b1.responses,
      maxNewTokens: NEW,
      promptTokens: repeats[0].b1.promptTokens,
      warmupS: warmS,
      repeats,
      median: {
        batch1S: median(repeats.map((r) => r.b1.wallS)),
        batch8S: median(repeats.map((r) => r.b8.wallS)),
        speedup: median(repeats.map((r) => r.speedup)),
        generationSpeedup: median(repeats.map((r) => r.generationSpeedup)),
      },
    };
    console.log(JSON.stringify(report, null, 2));
  } finally {
    await ctx.close();
  }
} finally {
  fs.rmSync(work, { recursive: true, force: true });
}
