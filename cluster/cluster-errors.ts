/**
 * The HA layer's failures. Both travel as InfraKit application errors (-32000, the message verbatim),
 * so every client sees a sentence that says what happened and what to do.
 *
 * They ride on existing registry codes (`IK_REMOTE`, `IK_APPLICATION`) until the registry gains
 * `IK_STORE_UNAVAILABLE` and `IK_NOT_LEADER`; `name` survives a hop through a worker, so callers
 * test `err.name === 'NotLeaderError'` (or `instanceof` on this side of the thread).
 */
import { ApplicationError, RemoteError } from '../runtime/errors.js';
import type { NodeInfo } from './leadership.js';

/** The spec store (etcd) could not be reached or did not answer in time: nothing was saved. */
export class StoreUnavailableError extends RemoteError {
  constructor(what: string, endpoints: readonly string[], options?: { cause?: unknown }) {
    const cause = options?.cause instanceof Error ? options.cause.message : String(options?.cause ?? 'no answer');
    super(`spec store unavailable: etcd at ${endpoints.join(',')} did not answer ${what} (${cause})`, {
      ...options,
      data: { endpoints: [...endpoints], what },
    });
    this.name = 'StoreUnavailableError';
  }
}

/** A write reached a runtime that does not lead; the message names the leader, if one is known. */
export class NotLeaderError extends ApplicationError {
  readonly leader: NodeInfo | undefined;
  constructor(leader: NodeInfo | undefined, reason?: string) {
    super(
      leader
        ? `not the leader: runtime ${leader.id} at ${leader.location} leads; send writes there`
        : `not the leader: no runtime leads right now${reason ? ` (${reason})` : ''}; try again shortly`,
      { data: { leader: leader ?? null } },
    );
    this.name = 'NotLeaderError';
    this.leader = leader;
  }
}
