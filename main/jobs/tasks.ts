import type { Task } from './task';
import { diagnostics } from './diagnostics';
import { evalRejudgeTask, evalRunTask } from '../eval/task';
import { editTask } from '../editing/task';
import { demoBuildTask } from '../demo/build';

/**
 * Every kind of job a worker can run. Domains add their tasks here (one line each); the worker imports this
 * map, so task code never runs on the main thread.
 */
export const tasks: Record<string, Task<any, any>> = {
  'system.diagnostics': diagnostics,
  'eval.run': evalRunTask,
  'eval.rejudge': evalRejudgeTask,
  'editing.run': editTask,
  'demo.build': demoBuildTask,
};
