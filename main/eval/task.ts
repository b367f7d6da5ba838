// Job tasks of the evaluation domain (registered in main/jobs/tasks.ts; they run in a job worker).
import type { Task } from '../jobs/task';
import type { MetricReport } from '../../shared/api/eval';
import { openEditor, openGenerator, openJudge } from './engine';
import { getJudge } from './judge';
import { judgeRun, runEvaluation } from './runner';
import { refreshMetrics, runJudgeId, runSettings, setRunStatus } from './store';

export const EVAL_RUN_JOB = 'eval.run';
export const EVAL_REJUDGE_JOB = 'eval.rejudge';

/** Runs or resumes an evaluation run. */
export const evalRunTask: Task<{ runId: string }, { runId: string; metrics: MetricReport }> = async ({ runId }, ctx) => {
  const db = ctx.db();
  const settings = runSettings(db, runId);
  const open = { dataDir: ctx.dataDir, onProgress: (f: number, stage: string) => ctx.progress(0, `${stage} ${Math.round(f * 100)}%`) };
  let generator, judge, editor;
  try {
    generator = await openGenerator(settings.model.path, open);
    judge = await openJudge(getJudge(db, runJudgeId(db, runId)), open);
    editor = await openEditor(settings.edit.method, generator, open);
  } catch (e) {
    setRunStatus(db, runId, 'failed', (e as Error).message);
    await generator?.dispose?.();
    await judge?.dispose?.();
    throw e;
  }
  try {
    const metrics = await runEvaluation(db, runId, { generator, judge, editor }, {
      signal: ctx.signal,
      progress: (f, stage) => ctx.progress(f, stage),
      log: (m) => ctx.log(m),
      metrics: (report) => ctx.emit('eval.metrics', { runId, metrics: report }),
    });
    return { runId, metrics };
  } finally {
    await generator.dispose?.();
    await judge.dispose?.();
  }
};

/** Scores a finished run's stored responses with another judge (no generation). */
export const evalRejudgeTask: Task<{ runId: string; judgeId: string }, { runId: string; judgeId: string; metrics: MetricReport }> = async (
  { runId, judgeId },
  ctx,
) => {
  const db = ctx.db();
  const info = getJudge(db, judgeId);
  const judge = await openJudge(info, { dataDir: ctx.dataDir });
  try {
    const batchSize = runSettings(db, runId).generation.judgeBatchSize;
    const total = db.prepare('SELECT COUNT(*) AS n FROM eval_samples WHERE run_id=? AND output_text IS NOT NULL').get(runId) as { n: number };
    let done = 0;
    await judgeRun(db, runId, info, judge, {
      batchSize,
      signal: ctx.signal,
      onBatch: (k) => {
        done += k;
        ctx.progress(done / Math.max(1, total.n), `judging ${done}/${total.n}`);
      },
    });
    return { runId, judgeId, metrics: refreshMetrics(db, runId, judgeId) };
  } finally {
    await judge.dispose?.();
  }
};
