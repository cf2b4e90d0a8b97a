/**
 * The Flavor SPI (docs/go-compat.md #2): `Flavor/0.1.0` and `Flavor/0.1.1`, plus one method of ours,
 * `Flavor.HealthyBatch` (docs/go-compat.md #32): the health of many instances in one call, which a
 * caller asks only of flavors that serve it and replaces by one `Flavor.Healthy` per instance for the
 * others (`doesNotServe`, `BatchSupport`).
 */
import { ApplicationError } from '../../runtime/errors.js';
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

/** Instances in one `Flavor.HealthyBatch` call (docs/limits.md); a caller with more sends several calls. */
export const MAX_HEALTHY_BATCH = 1000;

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
  // maxItems is checked before any item is (runtime/params.ts), so an oversized list costs nothing.
  HealthyBatch: S.object({ Type: TypeField, Properties: Props, Instances: S.array(DescriptionSchema, { maxItems: MAX_HEALTHY_BATCH }) }),
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
export interface HealthyBatchRequest {
  Type?: string;
  Properties?: unknown;
  Instances: Description[];
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
/**
 * `Healths[i]` answers `Instances[i]`. `Errors` is null (or absent) when every instance was answered;
 * else it has one entry per instance: null, or the message of the error that instance's
 * `Flavor.Healthy` would have failed with (its `Healths` entry is then 0, Unknown). An error about the
 * whole call (bad Type or Properties, an oversized list) fails the call as usual.
 */
export interface HealthyBatchResult {
  Type: string;
  Healths: Health[];
  Errors?: (string | null)[] | null;
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
  'Flavor.HealthyBatch': {
    params: FlavorParams.HealthyBatch,
    description:
      `Ours, not Go InfraKit's: Flavor.Healthy of each of Instances (at most ${MAX_HEALTHY_BATCH}) in one call, answered in the same order; ` +
      'Errors[i] (when Errors is not null) is the error Flavor.Healthy would have answered for Instances[i].',
    example: { Type: '', Properties: {}, Instances: [exampleInstance, { ...exampleInstance, ID: 'i-2' }] },
    exampleResult: { Type: '', Healths: [1, 2], Errors: null },
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
  /**
   * `Flavor.HealthyBatch`: the health of each of `instances` (at most MAX_HEALTHY_BATCH), in order,
   * and per instance the error its own `Flavor.Healthy` would have failed with (else null). An answer
   * that does not have one health per instance rejects with ApplicationError. A flavor that does not
   * serve the method rejects with an error `doesNotServe` recognises.
   */
  async healthyBatch(
    properties: unknown,
    instances: readonly Description[],
  ): Promise<{ healths: Health[]; errors: (string | null)[] | null }> {
    const r = await this.caller<HealthyBatchResult>(this.actor, 'Flavor.HealthyBatch', {
      Type: this.type,
      Properties: properties,
      Instances: instances,
    });
    const healths = (r as Partial<HealthyBatchResult> | null)?.Healths;
    const errors = (r as Partial<HealthyBatchResult> | null)?.Errors ?? null;
    if (
      !Array.isArray(healths) ||
      healths.length !== instances.length ||
      (errors !== null && (!Array.isArray(errors) || errors.length !== instances.length))
    ) {
      throw new ApplicationError(
        `${this.plugin} answered Flavor.HealthyBatch of ${instances.length} instances with ${Array.isArray(healths) ? healths.length : 'no'} healths` +
          (errors !== null && (!Array.isArray(errors) || errors.length !== instances.length) ? ' and a malformed Errors list' : ''),
      );
    }
    return { healths, errors };
  }
  async drain(properties: unknown, instance: Description): Promise<void> {
    await this.caller(this.actor, 'Flavor.Drain', { Type: this.type, Properties: properties, Instance: instance });
  }
}

/**
 * Whether `err` says the plugin does not serve the method called: our MethodNotFoundError (JSON-RPC
 * -32601, also what a remote plugin of ours answers), or Go InfraKit's server, which answers an unknown
 * method with -32000 and the text `rpc: can't find method "X.Y"` (`... service ...` for an unknown service).
 */
export function doesNotServe(err: unknown): boolean {
  const e = err as { code?: unknown; message?: unknown } | null;
  if (e?.code === 'IK_METHOD_NOT_FOUND') return true;
  return typeof e?.message === 'string' && /^rpc: can't find (method|service) "/.test(e.message);
}

/** How long a plugin that did not serve `Flavor.HealthyBatch` is asked one instance at a time before the batch is tried again. */
export const HEALTHY_BATCH_RETRY_MS = 5 * 60_000;

/**
 * Which flavor plugins (by actor or socket name) answered that they do not serve `Flavor.HealthyBatch`:
 * they are asked per instance, and after HEALTHY_BATCH_RETRY_MS the batch is tried again (one call), so
 * a plugin replaced by one that serves it is not left on the slow path. Bounded: at most 1,000 names.
 */
export class BatchSupport {
  readonly #refusedAt = new Map<string, number>();
  constructor(
    private readonly now: () => number = Date.now,
    private readonly retryMs = HEALTHY_BATCH_RETRY_MS,
  ) {}
  /** Whether to try the batch with `plugin` now. */
  tries(plugin: string): boolean {
    const at = this.#refusedAt.get(plugin);
    if (at === undefined) return true;
    if (this.now() - at < this.retryMs) return false;
    this.#refusedAt.delete(plugin);
    return true;
  }
  /** `plugin` answered that it does not serve the batch. */
  refused(plugin: string): void {
    if (this.#refusedAt.size >= 1000 && !this.#refusedAt.has(plugin)) this.#refusedAt.clear();
    this.#refusedAt.set(plugin, this.now());
  }
}
