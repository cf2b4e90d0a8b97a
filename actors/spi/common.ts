/**
 * InfraKit's common API types, as TypeBox schemas (validation + JSON Schema for /info/api.json)
 * with their static TypeScript types. Field names are InfraKit's exactly (spec/spi.md §4).
 */
import { Type, type Static, type TSchema } from '@sinclair/typebox';

/** `T | null`, as Go sends nil maps/slices/pointers. */
export const Nullable = <T extends TSchema>(t: T) => Type.Union([t, Type.Null()]);

/** Tags: string → string; `null` means none. */
export const TagsSchema = Nullable(Type.Record(Type.String(), Type.String()));
export type Tags = Record<string, string>;

export const AttachmentSchema = Type.Object({ ID: Type.String(), Type: Type.String() });
export type Attachment = Static<typeof AttachmentSchema>;

/** `instance.Spec`: what a Flavor prepares and an Instance plugin provisions. */
export const InstanceSpecSchema = Type.Object({
  Properties: Type.Optional(Type.Unknown()),
  Tags: Type.Optional(TagsSchema),
  Init: Type.Optional(Type.String()),
  LogicalID: Type.Optional(Nullable(Type.String())),
  Attachments: Type.Optional(Nullable(Type.Array(AttachmentSchema))),
});
export interface InstanceSpec {
  Properties?: unknown;
  Tags?: Tags | null;
  Init?: string;
  LogicalID?: string | null;
  Attachments?: Attachment[] | null;
}

/** `instance.Description`: one instance as an Instance plugin reports it. */
export const DescriptionSchema = Type.Object({
  ID: Type.String(),
  LogicalID: Type.Optional(Nullable(Type.String())),
  Tags: Type.Optional(TagsSchema),
  Properties: Type.Optional(Type.Unknown()),
});
export interface Description {
  ID: string;
  LogicalID?: string | null;
  Tags?: Tags | null;
  /** Left out unless asked for (`Properties: true`), as Go's `omitempty`. */
  Properties?: unknown;
}

/** `instance.Context`: why an instance is destroyed. */
export const ContextSchema = Type.Object({ Reason: Type.String() });
export type DestroyReason = 'terminate' | 'rolling_update' | (string & {});
export interface Context {
  Reason: DestroyReason;
}

/** `group.AllocationMethod`: cattle by `Size`, pets by `LogicalIDs`. */
export const AllocationSchema = Type.Object({
  Size: Type.Optional(Type.Integer({ minimum: 0 })),
  LogicalIDs: Type.Optional(Nullable(Type.Array(Type.String()))),
});
export interface Allocation {
  Size?: number;
  LogicalIDs?: string[] | null;
}

/** `group.Index`: which group and which member an instance is. */
export const IndexSchema = Type.Object({ Group: Type.String(), Sequence: Type.Integer({ minimum: 0 }) });
export type Index = Static<typeof IndexSchema>;

/** `flavor.Health`. */
export const Health = { Unknown: 0, Healthy: 1, Unhealthy: 2 } as const;
export type Health = (typeof Health)[keyof typeof Health];

/** Well-known tags (HEAD names; v0.5's are recognised on input where noted). */
export const TAG_GROUP = 'infrakit.group';
export const TAG_CONFIG_HASH = 'infrakit.config.hash';
/** v0.5's name for the config hash tag. */
export const TAG_CONFIG_SHA_V05 = 'infrakit.config_sha';
export const TAG_LOGICAL_ID = 'infrakit.logical_id';
/** Value of the hash tag meaning "relabel me with the current hash". */
export const HASH_BOOTSTRAP = 'bootstrap';

/** Splits a plugin name `lookup[/rest]` (wire.md §2.1). */
export function splitPluginName(name: string): { lookup: string; rest: string } {
  const i = name.indexOf('/');
  return i < 0 ? { lookup: name, rest: '' } : { lookup: name.slice(0, i), rest: name.slice(i + 1) };
}

/** Anything that can call an actor method: `runtime.call` or an actor's `ctx.call`. */
export type Caller = <R = unknown>(actor: string, method: string, params?: unknown) => Promise<R>;
