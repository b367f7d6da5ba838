// The demo pipeline, shared by `safeedit demo` and the app's one-click offer ('demo.run'):
//   1. build (or reuse) the toy chat model and judge — the 'demo.build' job
//   2. register the chat model (model registry) and the judge (judges table)
//   3. evaluate the demo test records without an edit — an ordinary 'eval.run' job
//   4. evaluate them with per-case DINM — an ordinary 'eval.run' job
// and keeps a status (step, stage, the running job) that the UI polls; the last summary is kept in
// <dataDir>/demo/last.json.
import fs from 'node:fs';
import path from 'node:path';
import type { DemoBuild, DemoProfileName, DemoRunRef, DemoStatus, DemoSummary } from '../../shared/api/demo';
import { EvalSettings, type EditSettings } from '../../shared/api/eval';
import type { JobInfo } from '../../shared/jobs';
import { AppError } from '../../shared/errors';
import type { AppContext } from '../context';
import { addModel } from '../engine/models/registry';
import { inspectJudge, saveJudge } from '../eval/judge';
import { startRun } from '../eval/service';
import { getRunSummary } from '../eval/store';
import { DEMO_BUILD_JOB, DEMO_PROFILES, demoRoot } from './build';

const STEPS = 4;
const LAST_FILE = 'last.json';

interface State {
  status: DemoStatus;
  done: Promise<DemoStatus> | null;
  listeners: Set<(s: DemoStatus) => void>;
}

const states = new WeakMap<AppContext, State>();

function readLast(dataDir: string): DemoSummary | null {
  const f = path.join(demoRoot(dataDir), LAST_FILE);
  if (!fs.existsSync(f)) return null;
  try {
    return JSON.parse(fs.readFileSync(f, 'utf8')) as DemoSummary;
  } catch {
    return null;
  }
}

function stateOf(ctx: AppContext): State {
  let s = states.get(ctx);
  if (!s) {
    const last = readLast(ctx.dataDir);
    s = {
      status: { state: last ? 'done' : 'idle', step: last ? STEPS : 0, steps: STEPS, stage: last ? 'done' : '', jobId: null, progress: last ? 1 : 0, error: null, last },
      done: null,
      listeners: new Set(),
    };
    states.set(ctx, s);
  }
  return s;
}

export function demoStatus(ctx: AppContext): DemoStatus {
  const s = stateOf(ctx);
  if (s.status.jobId) {
    try {
      const j = ctx.jobs.get(s.status.jobId);
      return { ...s.status, progress: j.progress, stage: j.stage ? `${s.status.stage}: ${j.stage}` : s.status.stage };
    } catch {
      /* the job row is gone: report what we know */
    }
  }
  return { ...s.status };
}

/** Calls fn on every status change of this context's demo; returns the unsubscribe function. */
export function onDemoStatus(ctx: AppContext, fn: (s: DemoStatus) => void): () => void {
  const s = stateOf(ctx);
  s.listeners.add(fn);
  return () => s.listeners.delete(fn);
}

function update(ctx: AppContext, patch: Partial<DemoStatus>): void {
  const s = stateOf(ctx);
  s.status = { ...s.status, ...patch };
  for (const l of s.listeners) l({ ...s.status });
}

async function runJob(ctx: AppContext, job: JobInfo, step: number, stage: string): Promise<JobInfo> {
  update(ctx, { step, stage, jobId: job.id, progress: 0 });
  const done = await ctx.jobs.wait(job.id);
  if (done.status !== 'done') throw new AppError(`job_${done.status}`, `${done.title}: ${done.status}${done.error ? `: ${done.error}` : ''}`);
  return done;
}

function metricsOf(ctx: AppContext, runId: string): DemoRunRef {
  const r = getRunSummary(ctx.db, runId);
  return { runId, metrics: r.metrics?.overall ?? null };
}

async function pipeline(ctx: AppContext, profile: DemoProfileName, rebuild: boolean): Promise<DemoSummary> {
  const t0 = performance.now();
  const p = DEMO_PROFILES[profile];
  // 1. build
  const bj = ctx.jobs.start(DEMO_BUILD_JOB, { profile, rebuild }, `Demo: build the toy chat model and judge (${profile})`);
  const build = (await runJob(ctx, bj, 1, 'building the demo models')).result as DemoBuild;
  // 2. register
  update(ctx, { step: 2, stage: 'registering the demo model and judge', jobId: null, progress: 0 });
  const model = addModel(ctx.db, build.modelDir, `Demo chat model (toy, ${profile})`);
  const judge = saveJudge(ctx.db, await inspectJudge({ path: build.judgeDir, threshold: 0.5 }));
  // 3–4. evaluate before / after
  const evalRun = async (step: number, edit: Partial<EditSettings>, name: string) => {
    const settings = EvalSettings.parse({
      name,
      model: { path: build.modelDir },
      judge: { path: build.judgeDir, threshold: 0.5 },
      cases: { caseFile: build.caseFile, ids: build.testIds },
      generation: { maxNewTokens: p.eval.maxNewTokens },
      edit: { mode: 'easyedit', ...edit },
    });
    const { run, job } = await startRun(ctx.db, ctx.jobs, settings);
    await runJob(ctx, job, step, name);
    return metricsOf(ctx, run.id);
  };
  const before = await evalRun(3, { method: 'none' }, `demo (${profile}): no edit`);
  const dinm = { method: 'dinm' as const, ...p.eval.dinm };
  const after = await evalRun(4, dinm, `demo (${profile}): DINM`);
  const summary: DemoSummary = {
    build,
    modelId: model.id,
    judgeId: judge.id,
    before,
    after,
    dinm: { steps: p.eval.dinm.steps ?? null, lr: p.eval.dinm.lr ?? null, mode: 'easyedit' },
    seconds: (performance.now() - t0) / 1000,
    finishedAt: new Date().toISOString(),
  };
  fs.mkdirSync(demoRoot(ctx.dataDir), { recursive: true });
  fs.writeFileSync(path.join(demoRoot(ctx.dataDir), LAST_FILE), JSON.stringify(summary, null, 2) + '\n');
  return summary;
}

/** Starts the pipeline (unless it is running) and returns at once; waitForDemo() resolves when it ends. */
export function startDemo(ctx: AppContext, input: { profile: DemoProfileName; rebuild: boolean }): DemoStatus {
  const s = stateOf(ctx);
  if (s.status.state === 'running') throw new AppError('conflict', 'the demo is already running');
  update(ctx, { state: 'running', step: 0, stage: 'starting', jobId: null, progress: 0, error: null });
  s.done = pipeline(ctx, input.profile, input.rebuild).then(
    (last) => {
      update(ctx, { state: 'done', step: STEPS, stage: 'done', jobId: null, progress: 1, last });
      return demoStatus(ctx);
    },
    (e: unknown) => {
      update(ctx, { state: 'failed', jobId: null, error: (e as Error).message });
      return demoStatus(ctx);
    },
  );
  return demoStatus(ctx);
}

/** Resolves with the final status of the running (or last) demo. */
export async function waitForDemo(ctx: AppContext): Promise<DemoStatus> {
  const s = stateOf(ctx);
  return s.done ? s.done : demoStatus(ctx);
}
