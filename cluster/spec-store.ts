/**
 * The spec store contract: where committed group specs live so they survive a restart (and, with
 * etcd, so several runtimes share one set of groups).
 *
 * This is the minimal contract the HA layer needs. The Group plugin (`actors/group/`) defines its own
 * `SpecStore`; the two are kept compatible (a record is the group's `ID` and `Properties` as committed,
 * plus ignorable extras), and `EtcdSpecStore` implements both.
 */

/** One committed group, as stored. */
export interface StoredGroup {
  /** The group's ID (`group.Spec.ID`). */
  readonly ID: string;
  /** The group's Properties exactly as committed (raw JSON; not normalised). */
  readonly Properties: unknown;
  /** HEAD's `Record.Handler`: the plugin that owns the spec; default `group-stateless` on export. */
  readonly Handler?: string;
  /** Anything else the group plugin wants to survive (rollout state, previous properties …). */
  readonly [extra: string]: unknown;
}

export interface SpecStore {
  /** Every committed group, by ID. */
  load(): Promise<Map<string, StoredGroup>>;
  /** Saves (creates or replaces) one group. Resolves only once the write is durable. */
  put(id: string, record: StoredGroup): Promise<void>;
  /** Forgets one group (no error when absent). Resolves only once the delete is durable. */
  remove(id: string): Promise<void>;
  /** Releases connections; idempotent. */
  close?(): Promise<void>;
}
