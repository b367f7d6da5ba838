import { z } from 'zod';

/** One request of the API contract: a zod schema for its input and a phantom type for its output. */
export interface RequestDef<I extends z.ZodType, O> {
  readonly input: I;
  /** Never read at run time: carries the output type. */
  readonly _out?: O;
}

/** `def(z.object({...})).returns<Out>()` — the only way contract entries are made. */
export function def<I extends z.ZodType>(input: I) {
  return {
    returns<O>(): RequestDef<I, O> {
      return { input };
    },
  };
}

export const Empty = z.object({}).strict();
