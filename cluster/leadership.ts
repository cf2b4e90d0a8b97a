/**
 * Leadership as the HA layer reports it: who this runtime is, who leads, and what we know.
 *
 * `unknown` counts as *not* leader (as InfraKit's manager does): a runtime that cannot prove its lease
 * is alive stops converging, so it never acts on a stale belief.
 */

/** One runtime taking part in the election. */
export interface NodeInfo {
  /** A stable name for the runtime (`--node-id`, `INFRAKIT_ID`); default `<hostname>-<pid>`. */
  readonly id: string;
  /** Where to reach it: its plugins dir, a URL, or `host:pid`. Shown in "not the leader" errors. */
  readonly location: string;
  readonly host?: string;
  readonly pid?: number;
}

/** The leader's election key and its create revision: writes fenced on it fail once it is gone. */
export interface Fence {
  readonly key: string;
  readonly createRevision: string;
}

export type Role = 'leader' | 'follower' | 'unknown';

export interface LeadershipState {
  readonly role: Role;
  readonly self: NodeInfo;
  /** The current leader (this runtime when `role` is `leader`); absent when unknown. */
  readonly leader?: NodeInfo;
  /** Set when `role` is `leader`: guard writes with it. */
  readonly fence?: Fence;
  /** Why we are `unknown` (e.g. `etcd unreachable: …`), or why the last change happened. */
  readonly reason?: string;
  /** `Date.now()` when this role began. */
  readonly since: number;
}
