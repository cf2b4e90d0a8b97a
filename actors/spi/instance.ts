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
}
