/**
 * The Instance SPI (docs/go-compat.md #2): `Instance/0.5.0` and `Instance/0.6.1`.
 * Every request carries `Type` (the sub-object, `""` for the default) and every result echoes it.
 */
import { S } from '../../runtime/schema.js';
import type { InterfaceSpec, MethodInfo } from '../../runtime/actor.js';
import {
  ContextSchema,
  InstanceSpecSchema,
  TagsSchema,
  splitPluginName,
  type Caller,
  type Context,
  type Description,
  type InstanceSpec,
  type Tags,
} from './common.js';

export const INSTANCE_INTERFACES: readonly InterfaceSpec[] = [
  { name: 'Instance', version: '0.5.0' },
  { name: 'Instance', version: '0.6.1' },
];

const TypeField = S.optional(S.string());

export const InstanceParams = {
  Validate: S.object({ Type: TypeField, Properties: S.optional(S.unknown()) }),
  Provision: S.object({ Type: TypeField, Spec: InstanceSpecSchema }),
  Label: S.object({ Type: TypeField, Instance: S.string(), Labels: TagsSchema }),
  Destroy: S.object({ Type: TypeField, Instance: S.string(), Context: S.optional(ContextSchema) }),
  DescribeInstances: S.object({ Type: TypeField, Tags: S.optional(TagsSchema), Properties: S.optional(S.boolean()) }),
};

export interface ValidateInstanceRequest {
  Type?: string;
  Properties?: unknown;
}
export interface ProvisionRequest {
  Type?: string;
  Spec: InstanceSpec;
}
export interface LabelRequest {
  Type?: string;
  Instance: string;
  Labels: Tags | null;
}
export interface DestroyRequest {
  Type?: string;
  Instance: string;
  Context?: Context;
}
export interface DescribeInstancesRequest {
  Type?: string;
  Tags?: Tags | null;
  Properties?: boolean;
  /** Ours, not Go's (Go plugins ignore it): the caller takes the answer as `Packed` (`PackedDescriptions`). */
  Packed?: boolean;
}

export interface OkResult {
  Type: string;
  OK: boolean;
}
export interface ProvisionResult {
  Type: string;
  ID: string | null;
}
export interface DescribeInstancesResult {
  Type: string;
  Descriptions: Description[] | null;
  /** Instead of `Descriptions`, from a plugin that honours `Packed: true` (the simulator). */
  Packed?: PackedDescriptions;
}

/**
 * A DescribeInstances answer in columns (docs/go-compat.md #31): each distinct tag set and Properties
 * value once, and per instance its ID, LogicalID and the index of each. Between threads it crosses for
 * a tenth of the cost of 100,000 Description objects (structured clone writes every object's keys, and
 * the receiver builds each object member by member). Instance `i` is
 * `{ ID: IDs[i], LogicalID: LogicalIDs?.[i] ?? null, Tags: TagSets[TagSet[i]], Properties: PropertySets[Property[i]] }`,
 * Properties left out when its index is -1 (or `Property` is null).
 */
export interface PackedDescriptions {
  IDs: string[];
  /** Per instance; `null` when no instance has a LogicalID. */
  LogicalIDs: (string | null)[] | null;
  TagSets: Tags[];
  /** Per instance, an index into `TagSets`. */
  TagSet: number[];
  PropertySets: unknown[];
  /** Per instance, an index into `PropertySets`, or -1 (no Properties); `null` when none has Properties. */
  Property: number[] | null;
}

/**
 * Checks a packed answer's shape and sizes (it may come from any plugin): every column as long as
 * `IDs`, every index in range. Throws `TypeError` naming what is wrong.
 */
export function checkPacked(p: unknown): PackedDescriptions {
  const bad = (what: string): never => {
    throw new TypeError(`DescribeInstances: malformed Packed answer: ${what}`);
  };
  if (typeof p !== 'object' || p === null) return bad('not an object');
  const r = p as Partial<Record<keyof PackedDescriptions, unknown>>;
  if (!Array.isArray(r.IDs)) return bad('IDs');
  const n = r.IDs.length;
  if (!Array.isArray(r.TagSets) || !Array.isArray(r.PropertySets)) return bad('TagSets or PropertySets');
  if (!Array.isArray(r.TagSet) || r.TagSet.length !== n) return bad('TagSet');
  if (r.LogicalIDs !== null && (!Array.isArray(r.LogicalIDs) || r.LogicalIDs.length !== n)) return bad('LogicalIDs');
  if (r.Property !== null && (!Array.isArray(r.Property) || r.Property.length !== n)) return bad('Property');
  const nt = r.TagSets.length;
  const np = r.PropertySets.length;
  for (let i = 0; i < n; i++) {
    if (typeof r.IDs[i] !== 'string') return bad(`IDs[${i}]`);
    const t: unknown = r.TagSet[i];
    if (typeof t !== 'number' || !(t >= 0 && t < nt) || !Number.isInteger(t)) return bad(`TagSet[${i}]`);
    if (r.LogicalIDs !== null) {
      const l: unknown = r.LogicalIDs[i];
      if (l !== null && typeof l !== 'string') return bad(`LogicalIDs[${i}]`);
    }
    if (r.Property !== null) {
      const q: unknown = r.Property[i];
      if (typeof q !== 'number' || !(q >= -1 && q < np) || !Number.isInteger(q)) return bad(`Property[${i}]`);
    }
  }
  for (let k = 0; k < nt; k++) {
    const tags: unknown = r.TagSets[k];
    if (typeof tags !== 'object' || tags === null || Array.isArray(tags)) return bad(`TagSets[${k}]`);
  }
  return p as PackedDescriptions;
}

/** Method metadata for an Instance actor's definition (`methods`). */
export const INSTANCE_METHODS: Record<string, MethodInfo> = {
  'Instance.Validate': {
    params: InstanceParams.Validate,
    example: { Type: '', Properties: { Note: 'any JSON' } },
    exampleResult: { Type: '', OK: true },
  },
  'Instance.Provision': {
    params: InstanceParams.Provision,
    example: { Type: '', Spec: { Properties: {}, Tags: { 'infrakit.group': 'workers' }, Init: '', LogicalID: null, Attachments: null } },
    exampleResult: { Type: '', ID: 'i-1' },
  },
  'Instance.Label': {
    params: InstanceParams.Label,
    example: { Type: '', Instance: 'i-1', Labels: { tier: 'web' } },
    exampleResult: { Type: '', OK: true },
  },
  'Instance.Destroy': {
    params: InstanceParams.Destroy,
    example: { Type: '', Instance: 'i-1', Context: { Reason: 'terminate' } },
    exampleResult: { Type: '', OK: true },
  },
  'Instance.DescribeInstances': {
    params: InstanceParams.DescribeInstances,
    example: { Type: '', Tags: { 'infrakit.group': 'workers' }, Properties: true },
    exampleResult: { Type: '', Descriptions: [{ ID: 'i-1', LogicalID: null, Tags: { 'infrakit.group': 'workers' } }] },
  },
};

/** A typed client for an Instance plugin addressed as `lookup[/type]`, over any `Caller`. */
export class InstanceClient {
  readonly actor: string;
  readonly type: string;
  constructor(
    private readonly caller: Caller,
    readonly plugin: string,
  ) {
    const { lookup, rest } = splitPluginName(plugin);
    this.actor = lookup;
    this.type = rest;
  }
  validate(properties: unknown): Promise<OkResult> {
    return this.caller(this.actor, 'Instance.Validate', { Type: this.type, Properties: properties });
  }
  async provision(spec: InstanceSpec): Promise<string | null> {
    const r = await this.caller<ProvisionResult>(this.actor, 'Instance.Provision', { Type: this.type, Spec: spec });
    return r.ID;
  }
  async label(instance: string, labels: Tags): Promise<void> {
    await this.caller(this.actor, 'Instance.Label', { Type: this.type, Instance: instance, Labels: labels });
  }
  async destroy(instance: string, context: Context = { Reason: 'terminate' }): Promise<void> {
    await this.caller(this.actor, 'Instance.Destroy', { Type: this.type, Instance: instance, Context: context });
  }
  async describe(tags: Tags | null, properties = false): Promise<Description[]> {
    const r = await this.caller<DescribeInstancesResult>(this.actor, 'Instance.DescribeInstances', {
      Type: this.type,
      Tags: tags,
      Properties: properties,
    });
    return r.Descriptions ?? [];
  }

  /**
   * DescribeInstances asking for the packed form (`Packed: true`): the plugin's answer as it came, packed
   * (checked) or as `Descriptions` from a plugin that does not pack (any Go plugin).
   */
  async describePacked(tags: Tags | null, properties = false): Promise<Description[] | PackedDescriptions> {
    const r = await this.caller<DescribeInstancesResult>(this.actor, 'Instance.DescribeInstances', {
      Type: this.type,
      Tags: tags,
      Properties: properties,
      Packed: true,
    });
    if (r.Packed !== undefined && r.Packed !== null) return checkPacked(r.Packed);
    return r.Descriptions ?? [];
  }
}
