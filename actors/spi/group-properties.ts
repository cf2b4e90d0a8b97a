/**
 * A group's `Properties` and what DescribeGroup / InspectGroups answer, typed as the group actor
 * reads and writes them today (actors/group/properties.ts, group-controller.ts). No index signatures:
 * a misspelt key is a compile error. Properties the types cannot express (Go's case-insensitive
 * spellings, keys a newer plugin knows) go through the one escape hatch, `uncheckedProperties`.
 */
import type { Allocation, Description } from './common.js';

/** A Go `time.Duration` as JSON: a string (`"1m30s"`, `"250ms"`, `"0s"`) or nanoseconds. */
export type GoDuration = string | number;

/** `Instance` and `Flavor`: which plugin the group calls (`lookup[/type]`) and what it passes it. */
export interface GroupPluginSpec {
  Plugin: string;
  /** The plugin's own properties, any JSON (`null` when absent). */
  Properties?: unknown;
  /** Passed through untouched (Go's `Options`). */
  Options?: unknown;
}

/** `Updating`: how a rolling update replaces instances. */
export interface GroupUpdating {
  /** How long a new instance must stay healthy (Go's `Duration`); excludes `Count`. */
  Duration?: GoDuration | null;
  /** Consecutive healthy polls required (Go's `Count`); excludes `Duration`. */
  Count?: number | null;
  /** `"drain"` skips the drain before an instance is destroyed. */
  SkipBeforeInstanceDestroy?: 'drain' | (string & {}) | null;
  /** Beyond InfraKit: extra instances a rolling update may add above the size (default 1). */
  MaxSurge?: number | null;
  /** Beyond InfraKit: instances a rolling update may take away below the size (default 0). */
  MaxUnavailable?: number | null;
  /** Beyond InfraKit: how long a new instance may report Unknown health (default `"1m"`). */
  HealthTimeout?: GoDuration | null;
}

/** `Health` (beyond InfraKit). */
export interface GroupHealth {
  /** How long an instance may stay Unhealthy before it is replaced (`"0s"` disables replacement). */
  GracePeriod?: GoDuration | null;
}

/** A group's `Properties` in the wire form (docs/go-compat.md #9): cattle by `Size`, pets by `LogicalIDs`. */
export interface GroupProperties {
  Allocation: Allocation;
  Instance: GroupPluginSpec;
  Flavor: GroupPluginSpec;
  Updating?: GroupUpdating;
  Health?: GroupHealth;
}

declare const unchecked: unique symbol;
/** Properties the types do not check: only made by `uncheckedProperties`. */
export type UncheckedGroupProperties = { readonly [unchecked]: true };

/**
 * The escape hatch: any JSON as a group's Properties, checked by the group plugin on commit instead of
 * by the compiler (a spec file read at run time, Go's other spellings such as `allocation`, keys of a
 * newer plugin). Returns `raw` itself.
 */
export function uncheckedProperties(raw: unknown): UncheckedGroupProperties {
  return raw as UncheckedGroupProperties;
}

/** A set-aside group's state in DescribeGroup and InspectGroups. */
export type SetAsideState = 'destroying' | 'quarantined';

/** `Rollout` in DescribeGroup: present while instances are on an older config or the update is paused. */
export interface GroupRollout {
  State: 'idle' | 'paused' | 'rolling';
  Updated: number;
  Outdated: number;
  Total: number;
  Paused: boolean;
}

/** One kind of failure the group keeps meeting. */
export interface GroupProblem {
  /** What failed: `describe`, `provision`, `destroy`, `drain`, `health`, `label`. */
  Source: string;
  Message: string;
  /** When it first happened (ISO time) and how often since. */
  Since: string;
  Count: number;
}

/** `Leadership` in DescribeGroup, when the group actor runs with the etcd store (several runtimes). */
export interface GroupLeadership {
  Role: 'leader' | 'follower' | 'unknown';
  /** This runtime's node ID. */
  Node: string;
  Leader: { ID: string; Location: string } | null;
  Reason?: string;
}

/**
 * `group.Description`. Go's plugins answer `Instances` and `Converged` only; ours add the optional
 * rest (Go clients skip unknown fields).
 */
export interface GroupDescription {
  Instances: Description[] | null;
  Converged: boolean;
  /** Set aside: being destroyed, or quarantined (then `Reason` says why). */
  State?: SetAsideState;
  Reason?: string;
  /** Why the group is not converging yet, e.g. `waiting for plugin simulator`. */
  Status?: string;
  /** The target size (Size, or the number of logical IDs). */
  Size?: number;
  /** The config hash instances of the current spec carry. */
  ConfigHash?: string;
  Rollout?: GroupRollout | null;
  Problems?: GroupProblem[] | null;
  Leadership?: GroupLeadership;
}

/**
 * One group of InspectGroups: a managed group with its Properties normalised (as Go re-encodes them),
 * or a set-aside one with its `State`, its Properties as stored (a quarantined one's may not parse).
 */
export type InspectedGroup =
  | { ID: string; Properties: GroupProperties; State?: undefined; Reason?: undefined }
  | { ID: string; Properties: unknown; State: SetAsideState; Reason?: string };
