/**
 * The Flavor SPI (docs/go-compat.md #2): `Flavor/0.1.0` and `Flavor/0.1.1`.
 */
import { S } from '../../runtime/schema.js';
import type { InterfaceSpec, MethodInfo } from '../../runtime/actor.js';
import {
  AllocationSchema,
  DescriptionSchema,
  IndexSchema,
  InstanceSpecSchema,
  splitPluginName,
  type Allocation,
  type Caller,
  type Description,
  type Health,
  type Index,
  type InstanceSpec,
} from './common.js';

export const FLAVOR_INTERFACES: readonly InterfaceSpec[] = [
  { name: 'Flavor', version: '0.1.0' },
  { name: 'Flavor', version: '0.1.1' },
];

const TypeField = S.optional(S.string());
const Props = S.optional(S.unknown());

export const FlavorParams = {
  Validate: S.object({ Type: TypeField, Properties: Props, Allocation: S.optional(AllocationSchema) }),
  Prepare: S.object({
    Type: TypeField,
    Properties: Props,
    Spec: InstanceSpecSchema,
    Allocation: S.optional(AllocationSchema),
    Index: S.optional(IndexSchema),
  }),
  Healthy: S.object({ Type: TypeField, Properties: Props, Instance: DescriptionSchema }),
  Drain: S.object({ Type: TypeField, Properties: Props, Instance: DescriptionSchema }),
};

export interface ValidateFlavorRequest {
  Type?: string;
  Properties?: unknown;
  Allocation?: Allocation;
}
export interface PrepareRequest {
  Type?: string;
  Properties?: unknown;
  Spec: InstanceSpec;
  Allocation?: Allocation;
  Index?: Index;
}
export interface HealthyRequest {
  Type?: string;
  Properties?: unknown;
  Instance: Description;
}
export interface DrainRequest {
  Type?: string;
  Properties?: unknown;
  Instance: Description;
}

export interface PrepareResult {
  Type: string;
  Spec: InstanceSpec;
}
export interface HealthyResult {
  Type: string;
  Health: Health;
}
export interface FlavorOkResult {
  Type: string;
  OK: boolean;
}

const exampleInstance = { ID: 'i-1', LogicalID: null, Tags: { 'infrakit.group': 'workers' } };

/** Method metadata for a Flavor actor's definition (`methods`). */
export const FLAVOR_METHODS: Record<string, MethodInfo> = {
  'Flavor.Validate': {
    params: FlavorParams.Validate,
    example: { Type: '', Properties: { Init: ['echo hello'] }, Allocation: { Size: 3, LogicalIDs: null } },
    exampleResult: { Type: '', OK: true },
  },
  'Flavor.Prepare': {
    params: FlavorParams.Prepare,
    example: {
      Type: '',
      Properties: { Init: ['echo hello'], Tags: { tier: 'web' } },
      Spec: { Properties: {}, Tags: null, Init: '', LogicalID: null, Attachments: null },
      Allocation: { Size: 3, LogicalIDs: null },
      Index: { Group: 'workers', Sequence: 0 },
    },
    exampleResult: { Type: '', Spec: { Properties: {}, Tags: { tier: 'web' }, Init: 'echo hello', LogicalID: null, Attachments: null } },
  },
  'Flavor.Healthy': {
    params: FlavorParams.Healthy,
    example: { Type: '', Properties: {}, Instance: exampleInstance },
    exampleResult: { Type: '', Health: 1 },
  },
  'Flavor.Drain': {
    params: FlavorParams.Drain,
    example: { Type: '', Properties: {}, Instance: exampleInstance },
    exampleResult: { Type: '', OK: true },
  },
};

/** A typed client for a Flavor plugin addressed as `lookup[/type]`, over any `Caller`. */
export class FlavorClient {
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
  async validate(properties: unknown, allocation: Allocation): Promise<void> {
    await this.caller(this.actor, 'Flavor.Validate', { Type: this.type, Properties: properties, Allocation: allocation });
  }
  async prepare(properties: unknown, spec: InstanceSpec, allocation: Allocation, index: Index): Promise<InstanceSpec> {
    const r = await this.caller<PrepareResult>(this.actor, 'Flavor.Prepare', {
      Type: this.type,
      Properties: properties,
      Spec: spec,
      Allocation: allocation,
      Index: index,
    });
    return r.Spec;
  }
  async healthy(properties: unknown, instance: Description): Promise<Health> {
    const r = await this.caller<HealthyResult>(this.actor, 'Flavor.Healthy', {
      Type: this.type,
      Properties: properties,
      Instance: instance,
    });
    return r.Health;
  }
  async drain(properties: unknown, instance: Description): Promise<void> {
    await this.caller(this.actor, 'Flavor.Drain', { Type: this.type, Properties: properties, Instance: instance });
  }
}
