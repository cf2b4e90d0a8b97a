/**
 * Call chains: the actor names a call passed through (empty from main and the sockets). Used to
 * refuse chains that grow too deep and to let a re-entrant call skip its target's concurrency slot.
 */
import { CallDepthError } from './errors.js';

/**
 * A call whose chain already holds this many actors is refused with `CallDepthError`: from main, at
 * most `MAX_CALL_DEPTH` actors deep (main → a → b → … → the 8th actor; a call by that one is refused).
 */
export const MAX_CALL_DEPTH = 8;

/** Default deadline of a `ctx.call` when neither the call nor the declaration names one. */
export const DEFAULT_CALL_TIMEOUT_MS = 60_000;

export const EMPTY_CHAIN: readonly string[] = Object.freeze([]);

/** The chain a call made by actor `self` (running under `current`) carries, or the error refusing it. */
export function extendChain(current: readonly string[], self: string, target: string): readonly string[] | CallDepthError {
  if (current.length + 1 >= MAX_CALL_DEPTH) return new CallDepthError([...current, self, target], MAX_CALL_DEPTH);
  return [...current, self];
}

/** A call arriving with `chain` is refused at its target when the chain is already too long. */
export function tooDeep(chain: readonly string[] | undefined, target: string): CallDepthError | undefined {
  return chain !== undefined && chain.length >= MAX_CALL_DEPTH ? new CallDepthError([...chain, target], MAX_CALL_DEPTH) : undefined;
}
