/**
 * The HA layer's failures, built with messages that say what happened and what to do. Both are
 * registered errors (`IK_STORE_UNAVAILABLE`, `IK_NOT_LEADER`, runtime/errors.ts) and travel as
 * InfraKit application errors (-32000, the message verbatim).
 */
import { NotLeaderError, StoreUnavailableError } from '../runtime/errors.js';
import type { NodeInfo } from './leadership.js';

export { NotLeaderError, StoreUnavailableError };

/** The spec store (etcd) could not be reached or did not answer in time: nothing was saved. */
export function storeUnavailable(what: string, endpoints: readonly string[], options?: { cause?: unknown }): StoreUnavailableError {
  const cause = options?.cause instanceof Error ? options.cause.message : String(options?.cause ?? 'no answer');
  return new StoreUnavailableError(`spec store unavailable: etcd at ${endpoints.join(',')} did not answer ${what} (${cause})`, {
    ...options,
    data: { endpoints: [...endpoints], what },
  });
}

/** A write reached a runtime that does not lead; the message names the leader, if one is known. */
export function notLeader(leader: NodeInfo | undefined, reason?: string): NotLeaderError {
  return new NotLeaderError(
    leader
      ? `not the leader: runtime ${leader.id} at ${leader.location} leads; send writes there`
      : `not the leader: no runtime leads right now${reason ? ` (${reason})` : ''}; try again shortly`,
    { data: { leader: leader ?? null } },
  );
}
