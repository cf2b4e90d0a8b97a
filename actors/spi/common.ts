/**
 * InfraKit's common API types, as JSON Schemas (validation + /info/api.json) beside their
 * TypeScript types. Field names are InfraKit's exactly (docs/go-compat.md #6).
 */
import { S, type Schema } from '../../runtime/schema.js';

/** `T | null`, as Go sends nil maps/slices/pointers. */
export const Nullable = (t: Schema): Schema => S.nullable(t);

/** Tags: string → string; `null` means none. */
export const TagsSchema = Nullable(S.record(S.string()));
export type Tags = Record<string, string>;

export const AttachmentSchema = S.object({ ID: S.string(), Type: S.string() });
export interface Attachment {
  ID: string;
  Type: string;
}

/** `instance.Spec`: what a Flavor prepares and an Instance plugin provisions. */
export const InstanceSpecSchema = S.object({
  Properties: S.optional(S.unknown()),
  Tags: S.optional(TagsSchema),
  Init: S.optional(S.string()),
  LogicalID: S.optional(Nullable(S.string())),
  Attachments: S.optional(Nullable(S.array(AttachmentSchema))),
});
export interface InstanceSpec {
  Properties?: unknown;
  Tags?: Tags | null;
  Init?: string;
  LogicalID?: string | null;
  Attachments?: Attachment[] | null;
}

/** `instance.Description`: one instance as an Instance plugin reports it. */
export const DescriptionSchema = S.object({
  ID: S.string(),
  LogicalID: S.optional(Nullable(S.string())),
  Tags: S.optional(TagsSchema),
  Properties: S.optional(S.unknown()),
});
export interface Description {
  ID: string;
  LogicalID?: string | null;
  Tags?: Tags | null;
  /** Left out unless asked for (`Properties: true`), as Go's `omitempty`. */
  Properties?: unknown;
}

/** `instance.Context`: why an instance is destroyed. */
export const ContextSchema = S.object({ Reason: S.string() });
export type DestroyReason = 'terminate' | 'rolling_update' | (string & {});
export interface Context {
  Reason: DestroyReason;
}

/** `group.AllocationMethod`: cattle by `Size`, pets by `LogicalIDs`. */
export const AllocationSchema = S.object({
  Size: S.optional(S.integer({ minimum: 0 })),
  LogicalIDs: S.optional(Nullable(S.array(S.string()))),
});
export interface Allocation {
  Size?: number;
  LogicalIDs?: string[] | null;
}

/** `group.Index`: which group and which member an instance is. */
export const IndexSchema = S.object({ Group: S.string(), Sequence: S.integer({ minimum: 0 }) });
export interface Index {
  Group: string;
  Sequence: number;
}

/** `flavor.Health`. */
export const Health = { Unknown: 0, Healthy: 1, Unhealthy: 2 } as const;
export type Health = (typeof Health)[keyof typeof Health];

/** Well-known tags (HEAD names; v0.5's are recognised on input where noted). */
export const TAG_GROUP = 'infrakit.group';
export const TAG_CONFIG_HASH = 'infrakit.config.hash';
/** v0.5's name for the config hash tag. */
export const TAG_CONFIG_SHA_V05 = 'infrakit.config_sha';

/** The config hash an instance's tags carry: HEAD's tag, else v0.5's. */
export function hashOfTags(tags: Tags | null | undefined): string | undefined {
  return tags?.[TAG_CONFIG_HASH] ?? tags?.[TAG_CONFIG_SHA_V05];
}
export const TAG_LOGICAL_ID = 'infrakit.logical_id';
/** Value of the hash tag meaning "relabel me with the current hash". */
export const HASH_BOOTSTRAP = 'bootstrap';

/** Splits a plugin name `lookup[/rest]` (docs/go-compat.md #1). */
export function splitPluginName(name: string): { lookup: string; rest: string } {
  const i = name.indexOf('/');
  return i < 0 ? { lookup: name, rest: '' } : { lookup: name.slice(0, i), rest: name.slice(i + 1) };
}

/** Anything that can call an actor method: `runtime.call` or an actor's `ctx.call`. */
export type Caller = <R = unknown>(actor: string, method: string, params?: unknown) => Promise<R>;
