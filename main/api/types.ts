import type { AppContext } from '../context';
import type { ParsedInput, Output, RequestName } from '../../shared/contract';

export type Handler<N extends RequestName> = (input: ParsedInput<N>, ctx: AppContext) => Promise<Output<N>> | Output<N>;

/** A handler for a subset of the contract (one domain's file). */
export type HandlersFor<K extends RequestName> = { [N in K]: Handler<N> };

/** All handlers: a missing entry is a type error. */
export type Handlers = HandlersFor<RequestName>;
