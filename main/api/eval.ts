import type { HandlersFor } from './types';
import { AppError } from '../../shared/errors';
import { capabilities, openJudge } from '../eval/engine';
import { inspectJudge, labelFor } from '../eval/judge';
import { deleteRun, getRunDetail, getRunSummary, listRuns } from '../eval/store';
import { rejudgeRun, resumeRun, startRun } from '../eval/service';

export const evalHandlers: HandlersFor<
  | 'eval.listRuns'
  | 'eval.getRun'
  | 'eval.start'
  | 'eval.resume'
  | 'eval.rejudge'
  | 'eval.inspectJudge'
  | 'eval.judgeText'
  | 'eval.deleteRun'
  | 'eval.capabilities'
> = {
  'eval.listRuns': ({ limit }, ctx) => listRuns(ctx.db, limit),
  'eval.getRun': ({ id, ...q }, ctx) => getRunDetail(ctx.db, id, q),
  'eval.start': (settings, ctx) => startRun(ctx.db, ctx.jobs, settings),
  'eval.resume': ({ id }, ctx) => resumeRun(ctx.db, ctx.jobs, id),
  'eval.rejudge': ({ id, judge }, ctx) => rejudgeRun(ctx.db, ctx.jobs, id, judge),
  'eval.inspectJudge': (spec) => inspectJudge(spec),
  'eval.judgeText': async ({ judge: spec, text }, ctx) => {
    const judge = await inspectJudge(spec);
    const classifier = await openJudge(judge, { dataDir: ctx.dataDir });
    try {
      const [p] = await classifier.classify([text], new AbortController().signal);
      return { label: labelFor(p, judge.threshold), p_unsafe: p, judge };
    } finally {
      await classifier.dispose?.();
    }
  },
  'eval.deleteRun': ({ id }, ctx) => {
    const run = getRunSummary(ctx.db, id);
    if (run.status === 'running' || run.status === 'pending') throw new AppError('conflict', `run ${id} is running; cancel it first`);
    return { deleted: deleteRun(ctx.db, id) };
  },
  'eval.capabilities': () => {
    const c = capabilities();
    return { generation: c.generation, judging: c.judging, reason: c.reason };
  },
};
