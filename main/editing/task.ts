// The edit job (registered in main/jobs/tasks.ts; runs in a job worker): progress per step with the loss as
// 'edit.step' job events, cancel through the job's signal.
import type { Task } from '../jobs/task';
import type { EditOutput, EditRunInput } from '../../shared/api/editing';
import { editCase } from './service';

export const EDIT_JOB = 'editing.run';

export const editTask: Task<EditRunInput, EditOutput> = async (input, ctx) => {
  const steps = input.method === 'dinm' || input.method === 'ft-l' ? (input.steps ?? 10) : 0;
  return editCase(ctx.db(), ctx.dataDir, input, {
    signal: ctx.signal,
    onStage: (stage) => ctx.progress(0, stage),
    onStep: (e) => {
      ctx.progress(e.step / Math.max(1, steps), `step ${e.step}/${e.steps}: loss ${e.loss.toPrecision(6)}`);
      ctx.emit('edit.step', e);
    },
  });
};
