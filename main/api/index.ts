import type { Handlers } from './types';
import type { AppContext } from '../context';
import { contract, type Envelope, type RequestName } from '../../shared/contract';
import { AppError, toErrorShape } from '../../shared/errors';
import { systemHandlers } from './system';
import { jobsHandlers } from './jobs';
import { datasetHandlers } from './dataset';
import { evalHandlers } from './eval';
import { engineHandlers } from './engine';
import { modelsHandlers } from './models';
import { experimentsHandlers } from './experiments';
import { editingHandlers } from './editing';
import { demoHandlers } from './demo';

/** One handler per contract entry; `satisfies Handlers` makes a missing one a compile error. */
export const handlers = {
  ...systemHandlers,
  ...jobsHandlers,
  ...datasetHandlers,
  ...evalHandlers,
  ...engineHandlers,
  ...modelsHandlers,
  ...experimentsHandlers,
  ...editingHandlers,
  ...demoHandlers,
} satisfies Handlers;

function formatZodIssues(issues: { path: PropertyKey[]; message: string }[]): string {
  return issues.map((i) => `${i.path.length ? i.path.map(String).join('.') : '(input)'}: ${i.message}`).join('; ');
}

/** Validates the input against the contract's schema and runs the handler. Never throws. */
export async function dispatch(ctx: AppContext, name: string, rawInput: unknown): Promise<Envelope<unknown>> {
  try {
    if (!Object.prototype.hasOwnProperty.call(contract, name)) throw new AppError('unknown_request', `unknown request '${name}'`);
    const n = name as RequestName;
    const parsed = contract[n].input.safeParse(rawInput ?? {});
    if (!parsed.success) {
      throw new AppError('invalid_input', `invalid input for ${name}: ${formatZodIssues(parsed.error.issues)}`, parsed.error.issues);
    }
    const handler = handlers[n] as (input: unknown, ctx: AppContext) => unknown;
    const result = await handler(parsed.data, ctx);
    return { ok: true, result: result === undefined ? null : result };
  } catch (e) {
    return { ok: false, error: toErrorShape(e) };
  }
}
