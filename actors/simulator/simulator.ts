/**
 * The simulator Instance plugin's logic (docs/go-compat.md #13), without workers: instances kept in
 * memory, one store per typed object (`compute`, `disk`, `net` by default), with fault injection.
 * Differences from Go InfraKit, on purpose:
 * - the tag filter of DescribeInstances is strict AND (docs/go-compat.md #25: Go matches instances lacking a key);
 * - DescribeInstances honours the `Properties` flag (Go always returns Properties);
 * - tags are indexed (`TagIndex`), so a query over 10,000 instances touches only the rarest posting set;
 * - DescribeInstances with `Packed: true` answers in columns (docs/go-compat.md #31), as the group asks.
 * Instances are kept compact (store.ts): equal tag sets and Properties are stored once and shared, so a
 * DescribeInstances answer shares them too (structured clone sends a shared object once). Treat what
 * DescribeInstances returns as read-only.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { ApplicationError } from '../../runtime/errors.js';
import type {
  Description,
  DescribeInstancesRequest,
  DescribeInstancesResult,
  DestroyRequest,
  LabelRequest,
  OkResult,
  ProvisionRequest,
  ProvisionResult,
  Tags,
  ValidateInstanceRequest,
} from '../spi/index.js';
import { parseDurationMs } from '../../runtime/go-duration.js';
import { mulberry32 } from './prng.js';
import { ObjectStore } from './store.js';
import { isRecord } from '../../runtime/util.js';

export const DEFAULT_OBJECTS: readonly string[] = ['compute', 'disk', 'net'];

/** The tag every provisioned instance gets: `simulator=<actor name>`. */
export const TAG_SIMULATOR = 'simulator';

/** `options` of a simulator actor's declaration. All optional. */
export interface SimulatorOptions {
  /** Typed objects served, addressed as `<actor>/<object>`; the first is the default (`Type: ""`). Default `['compute','disk','net']`. */
  objects?: string[];
  /** Delay of every Provision, in ms (Go: `INFRAKIT_SIMULATOR_PROVISION_DELAY`). */
  provisionDelayMs?: number;
  /** Delay of every DescribeInstances, in ms (Go: `INFRAKIT_SIMULATOR_DESCRIBE_DELAY`). */
  describeDelayMs?: number;
  /** Fraction (0..1) of Provision calls that fail with an injected error. */
  failureRate?: number;
  /** Probability (0..1) that each instance matched by a DescribeInstances vanishes just before the answer (as if the cloud lost it). */
  vanishRate?: number;
  /** Most instances per object; Provision beyond it fails with `at capacity N`. */
  capacity?: number;
  /** Seed of the PRNG behind `failureRate`/`vanishRate`/`Simulator.Vanish {Count}`, for reproducible runs. */
  seed?: number;
}

/** `Simulator.Vanish`: make instances disappear without a Destroy (tests of the group's repair). */
export interface VanishRequest {
  Type?: string;
  /** These instances vanish (unknown ones are ignored). */
  IDs?: string[] | null;
  /** Or: this many instances, picked at random among those matching `Tags` (all when no Tags). */
  Count?: number;
  Tags?: Tags | null;
}
export interface VanishResult {
  Type: string;
  /** The IDs that vanished, `null` when none. */
  IDs: string[] | null;
}

export interface SimulatorDeps {
  /** Source of randomness for fault injection; default seeded by `options.seed`, else Math.random. */
  random?: () => number;
  /** Aborts pending delays when the actor stops. */
  signal?: AbortSignal;
}

function checkRate(name: string, v: unknown): number {
  if (v === undefined) return 0;
  if (typeof v !== 'number' || !(v >= 0 && v <= 1)) throw new Error(`simulator option ${name} must be a number between 0 and 1`);
  return v;
}

function checkNonNegative(name: string, v: unknown): number | undefined {
  if (v === undefined) return undefined;
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) throw new Error(`simulator option ${name} must be a non-negative number`);
  return v;
}

export class Simulator {
  readonly objects: readonly string[];
  private readonly stores = new Map<string, ObjectStore>();
  private readonly random: () => number;
  private readonly provisionDelayMs: number;
  private readonly describeDelayMs: number;
  private readonly failureRate: number;
  private readonly vanishRate: number;
  private readonly capacity: number | undefined;
  private lastId = 0n;
  private readonly ownTags = new WeakMap<Tags, Tags>();

  constructor(
    readonly name: string,
    options: SimulatorOptions = {},
    private readonly deps: SimulatorDeps = {},
  ) {
    const objects = options.objects ?? DEFAULT_OBJECTS;
    if (!Array.isArray(objects) || objects.length === 0 || !objects.every((o) => typeof o === 'string' && o !== '' && !o.includes('/'))) {
      throw new Error('simulator option objects must be a non-empty list of names without "/"');
    }
    this.objects = [...(objects as string[])]; // every one checked just above
    for (const o of this.objects) this.stores.set(o, new ObjectStore());
    this.provisionDelayMs = checkNonNegative('provisionDelayMs', options.provisionDelayMs) ?? 0;
    this.describeDelayMs = checkNonNegative('describeDelayMs', options.describeDelayMs) ?? 0;
    this.capacity = checkNonNegative('capacity', options.capacity);
    this.failureRate = checkRate('failureRate', options.failureRate);
    this.vanishRate = checkRate('vanishRate', options.vanishRate);
    this.random = deps.random ?? (options.seed !== undefined ? mulberry32(options.seed) : Math.random);
  }

  /** The store for a request's `Type`: `""` is the first object; an unknown one is Go's `no-plugin:<type>`. */
  private store(type: string | undefined): ObjectStore {
    const key = type === undefined || type === '' ? (this.objects[0] as string) : type;
    const s = this.stores.get(key);
    if (!s) throw new ApplicationError(`no-plugin:${type ?? ''}`);
    return s;
  }

  /** Number of instances of an object (default: the first). */
  size(type = ''): number {
    return this.store(type).size;
  }

  /**
   * A unique, sortable ID like Go's `time.Now().UnixNano()`: 19 decimal digits, strictly increasing
   * within this simulator even when many are made in the same nanosecond.
   */
  private nextId(): string {
    const now = BigInt(Date.now()) * 1_000_000n + (process.hrtime.bigint() % 1_000_000n);
    this.lastId = now > this.lastId ? now : this.lastId + 1n;
    return this.lastId.toString();
  }

  private async delay(ms: number): Promise<void> {
    if (ms > 0) await sleep(ms, undefined, this.deps.signal ? { signal: this.deps.signal } : undefined);
  }

  /**
   * An instance's tags: the spec's and `simulator=<name>`. The Provisions of one batch share their
   * spec's Tags object, so the result is made once per such object (and never changed: the store
   * copies it).
   */
  private tagsOf(specTags: Tags | null | undefined): Tags {
    if (specTags == null) return { [TAG_SIMULATOR]: this.name };
    let tags = this.ownTags.get(specTags);
    if (tags === undefined) {
      tags = { ...specTags, [TAG_SIMULATOR]: this.name };
      this.ownTags.set(specTags, tags);
    }
    return tags;
  }

  validate(req: ValidateInstanceRequest): OkResult {
    this.store(req.Type);
    return { Type: req.Type ?? '', OK: true };
  }

  async provision(req: ProvisionRequest): Promise<ProvisionResult> {
    const type = req.Type ?? '';
    const store = this.store(type);
    const spec = req.Spec;
    const props = isRecord(spec.Properties) ? spec.Properties : undefined;

    let delayMs = this.provisionDelayMs;
    if (props && props['simulator_delay'] !== undefined) {
      try {
        delayMs += parseDurationMs(props['simulator_delay']);
      } catch (err) {
        throw new ApplicationError(`simulator_delay: ${(err as Error).message}`);
      }
    }
    await this.delay(delayMs);

    let cap = this.capacity;
    if (props && props['simulator_cap'] !== undefined) {
      const c = props['simulator_cap'];
      if (typeof c !== 'number' || !Number.isInteger(c) || c < 0)
        throw new ApplicationError('simulator_cap must be a non-negative integer');
      cap = cap === undefined ? c : Math.min(cap, c);
    }
    if (cap !== undefined && store.size >= cap) throw new ApplicationError(`at capacity ${cap}`);

    if (this.failureRate > 0 && this.random() < this.failureRate) {
      throw new ApplicationError(`simulator ${this.name}: injected provision failure (failureRate ${this.failureRate})`);
    }

    const id = this.nextId();
    store.put(id, spec.LogicalID ?? null, this.tagsOf(spec.Tags), spec.Properties, true);
    return { Type: type, ID: id };
  }

  label(req: LabelRequest): OkResult {
    const store = this.store(req.Type);
    if (!store.has(req.Instance)) throw new ApplicationError(`not found ${req.Instance}`);
    if (req.Labels && Object.keys(req.Labels).length > 0) store.label(req.Instance, req.Labels);
    return { Type: req.Type ?? '', OK: true };
  }

  destroy(req: DestroyRequest): OkResult {
    const store = this.store(req.Type);
    if (!store.delete(req.Instance)) throw new ApplicationError(`not found ${req.Instance}`);
    return { Type: req.Type ?? '', OK: true };
  }

  async describe(req: DescribeInstancesRequest): Promise<DescribeInstancesResult> {
    const type = req.Type ?? '';
    const store = this.store(type);
    await this.delay(this.describeDelayMs);
    const withProps = req.Properties === true;
    // Asked for the packed form (the group, docs/go-compat.md #31): columns, no object per instance.
    if (req.Packed === true && this.vanishRate === 0) return { Type: type, Descriptions: null, Packed: store.packed(req.Tags, withProps) };
    let ids = store.select(req.Tags);
    if (this.vanishRate > 0) {
      ids = ids.filter((id) => {
        if (this.random() >= this.vanishRate) return true;
        store.delete(id);
        return false;
      });
    }
    if (req.Packed === true) return { Type: type, Descriptions: null, Packed: store.pack(ids, withProps) };
    const out: Description[] = [];
    for (const id of ids) out.push(store.describe(id, withProps));
    return { Type: type, Descriptions: out.length > 0 ? out : null };
  }

  vanish(req: VanishRequest): VanishResult {
    const type = req.Type ?? '';
    const store = this.store(type);
    let victims: string[];
    if (req.IDs && req.IDs.length > 0) {
      victims = req.IDs.filter((id) => store.has(id));
    } else {
      const pool = store.select(req.Tags);
      const n = Math.min(Math.max(0, Math.floor(req.Count ?? 0)), pool.length);
      // Partial Fisher-Yates: the first n slots become a uniform random sample.
      for (let i = 0; i < n; i++) {
        const j = i + Math.floor(this.random() * (pool.length - i));
        [pool[i], pool[j]] = [pool[j] as string, pool[i] as string];
      }
      victims = pool.slice(0, n);
    }
    const gone = victims.filter((id) => store.delete(id));
    return { Type: type, IDs: gone.length > 0 ? gone : null };
  }
}
