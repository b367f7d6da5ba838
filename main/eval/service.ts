// Evaluation service functions behind the handlers (and so behind the CLI and the UI).
import fs from 'node:fs';
import path from 'node:path';
import type { Db } from '../store/db';
import type { JobRunner } from '../jobs/runner';
import type { EvalSettings, JudgeInfo, JudgeSpec, MetricReport, Provenance, RunSummary } from '../../shared/api/eval';
import { isTerminal, type JobInfo } from '../../shared/jobs';
import { AppError } from '../../shared/errors';
import { APP_VERSION } from '../util/version';
import { resolveCases } from './cases';
import { assertRunnable, capabilities } from './engine';
import { inspectJudge, labelFor, saveJudge, getJudge } from './judge';
import { DEFAULT_SUFFIX, chatProblem, protocolFor, resolveChat, suffixUsed } from './protocol';
import {
  createRun,
  getRunSummary,
  judgesOfRun,
  refreshMetrics,
  runJudgeId,
  runStatus,
  saveScores,
  scoresOf,
  setRunJob,
  setRunStatus,
} from './store';
import { EVAL_REJUDGE_JOB, EVAL_RUN_JOB } from './task';

/** Whether a model folder's tokenizer_config.json has a chat_template (string or named list). */
export function modelHasChatTemplate(modelDir: string): boolean {
  const f = path.join(modelDir, 'tokenizer_config.json');
  if (!fs.existsSync(f)) return false;
  try {
    const t = (JSON.parse(fs.readFileSync(f, 'utf8')) as { chat_template?: unknown }).chat_template;
    return (typeof t === 'string' && t.length > 0) || (Array.isArray(t) && t.length > 0);
  } catch {
    throw new AppError('invalid_model', `${f}: not valid JSON`);
  }
}

function checkModelFolder(p: string): string {
  const dir = path.resolve(p);
  if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) throw new AppError('not_found', `model: ${dir} is not a folder`);
  if (!fs.existsSync(path.join(dir, 'config.json'))) throw new AppError('invalid_model', `model: ${dir} has no config.json (a Hugging Face model folder is expected)`);
  return dir;
}

/** Validates everything about a run that can be checked without running it, then records it and starts its job. */
export async function startRun(db: Db, jobs: JobRunner, settings: EvalSettings): Promise<{ run: RunSummary; job: JobInfo }> {
  const modelDir = checkModelFolder(settings.model.path);
  const hasTemplate = modelHasChatTemplate(modelDir);
  const chat = resolveChat(settings.generation.chat, settings.edit.mode, hasTemplate);
  const problem = chatProblem(chat, hasTemplate);
  if (problem) throw new AppError('invalid_input', `model ${modelDir}: ${problem}`);
  const { cases, source, sha256 } = await resolveCases(db, settings.cases);
  const judge = await inspectJudge(settings.judge);
  assertRunnable(settings.edit.method);
  const suffix = suffixUsed(settings.generation.suffix, settings.edit.method) ? (settings.generation.suffixText ?? DEFAULT_SUFFIX) : null;
  const g = settings.generation;
  const provenance: Provenance = {
    appVersion: APP_VERSION,
    modelPath: modelDir,
    modelHash: null,
    protocol: protocolFor(settings.edit.method),
    edit: settings.edit,
    chat,
    suffix: { used: suffix !== null, text: suffix },
    generation: { maxNewTokens: g.maxNewTokens, greedy: g.greedy, temperature: g.temperature, topP: g.topP, seed: g.seed },
    cases: { source, sha256, count: cases.length },
  };
  saveJudge(db, judge);
  const runId = createRun(db, { settings: { ...settings, model: { path: modelDir } }, provenance, judge, cases, suffix });
  const job = launch(db, jobs, runId, settings.name);
  return { run: getRunSummary(db, runId), job };
}

function launch(db: Db, jobs: JobRunner, runId: string, name?: string): JobInfo {
  const job = jobs.start(EVAL_RUN_JOB, { runId }, `Evaluate${name ? ` ${name}` : ''} (run ${runId.slice(0, 8)})`);
  setRunJob(db, runId, job.id);
  return job;
}

/** Continues a run that did not finish; its finished samples are kept. */
export function resumeRun(db: Db, jobs: JobRunner, runId: string): { run: RunSummary; job: JobInfo | null } {
  const cur = getRunSummary(db, runId);
  if (cur.status === 'running') throw new AppError('conflict', `run ${runId} is already running (job ${cur.jobId})`);
  if (cur.status === 'done') return { run: cur, job: null };
  if (cur.status === 'pending' && cur.jobId) {
    // A pending run whose job is still queued or running must not get a second job.
    let live = false;
    try {
      live = !isTerminal(jobs.get(cur.jobId).status);
    } catch {
      live = false;
    }
    if (live) throw new AppError('conflict', `run ${runId} is already queued (job ${cur.jobId})`);
  }
  assertRunnable(cur.provenance.edit.method);
  setRunStatus(db, runId, 'pending');
  const job = launch(db, jobs, runId, cur.name ?? undefined);
  return { run: getRunSummary(db, runId), job };
}

/**
 * Re-judges a run's stored responses. A judge with the same classifier (content hash and unsafe label) as one that
 * already scored every generated sample differs only in threshold: its labels come from the stored P(unsafe)
 * without running anything. Any other judge runs as a job.
 */
export async function rejudgeRun(
  db: Db,
  jobs: JobRunner,
  runId: string,
  spec: JudgeSpec,
): Promise<{ judge: JudgeInfo; job: JobInfo | null; metrics: MetricReport | null }> {
  const status = runStatus(db, runId);
  if (status === 'running' || status === 'pending') throw new AppError('conflict', `run ${runId} is still running; re-judge it when it has stopped`);
  const judge = await inspectJudge(spec);
  const generated = (db.prepare('SELECT COUNT(*) AS n FROM eval_samples WHERE run_id=? AND output_text IS NOT NULL').get(runId) as { n: number }).n;
  if (generated === 0) throw new AppError('invalid_input', `run ${runId} has no generated responses to judge`);
  for (const otherId of judgesOfRun(db, runId)) {
    const other = getJudge(db, otherId);
    if (other.contentHash !== judge.contentHash || other.unsafeLabel !== judge.unsafeLabel) continue;
    const scores = scoresOf(db, runId, otherId);
    if (scores.length < generated) continue;
    const stored = saveJudge(db, judge);
    saveScores(
      db,
      stored,
      scores.map((s) => ({ sampleId: s.sampleId, pUnsafe: s.pUnsafe, label: labelFor(s.pUnsafe, stored.threshold), judgeMs: null })),
    );
    return { judge: stored, job: null, metrics: refreshMetrics(db, runId, stored.id) };
  }
  if (!capabilities().judging) assertRunnable('none');
  const stored = saveJudge(db, judge);
  const job = jobs.start(EVAL_REJUDGE_JOB, { runId, judgeId: stored.id }, `Re-judge run ${runId.slice(0, 8)} with ${stored.name}`);
  return { judge: stored, job, metrics: null };
}

export function runJudge(db: Db, runId: string): JudgeInfo {
  return getJudge(db, runJudgeId(db, runId));
}
