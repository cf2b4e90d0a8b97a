/**
 * The combo flavor's logic (docs/go-compat.md #13): properties are `[{Plugin, Properties}, ...]`;
 * every method fans out to those flavors through a `Caller` (an actor's `ctx.call`).
 *
 * Fixed against Go (docs/go-compat.md #27): the incoming Init/Attachments are not duplicated; an unknown
 * plugin is an error in the answer, never a crash; Validate also validates every sub-flavor.
 */
import { ApplicationError, LimitExceededError } from '../../runtime/errors.js';
import { MAX_COMBO_DEPTH, MAX_COMBO_FLAVORS } from '../group/limits.js';
import { Health } from '../spi/common.js';
import { BatchSupport, FlavorClient, doesNotServe } from '../spi/flavor.js';
import type {
  Caller,
  Description,
  DrainRequest,
  FlavorOkResult,
  HealthyBatchRequest,
  HealthyBatchResult,
  HealthyRequest,
  HealthyResult,
  InstanceSpec,
  PrepareRequest,
  PrepareResult,
  ValidateFlavorRequest,
} from '../spi/index.js';
import { mergePrepared } from './merge.js';
import { goField as field } from '../../runtime/go-field.js';
import { eachLimited, isRecord } from '../../runtime/util.js';

/** One entry of combo's properties. */
export interface ComboEntry {
  Plugin: string;
  Properties: unknown;
}

/** A list of `{Plugin, ...}` objects: what a (nested) combo's Properties look like. */
function isComboList(v: unknown): v is unknown[] {
  return Array.isArray(v) && v.length > 0 && v.every((e) => isRecord(e) && typeof field(e, 'Plugin') === 'string');
}

/**
 * Refuses, before any call is made, Properties that nest combos deeper than MAX_COMBO_DEPTH (this
 * combo is level 1; an entry whose Properties is again a list of `{Plugin}` entries is a combo one
 * level down, whatever its plugin's name) or that name more than MAX_COMBO_FLAVORS flavors in all
 * (nested ones included: each is a call this one call fans out to). The walk stops at the limits.
 */
export function checkComboLimits(raw: unknown): void {
  if (!Array.isArray(raw)) return;
  let flavors = 0;
  const stack: { list: unknown[]; depth: number }[] = [{ list: raw, depth: 1 }];
  while (stack.length > 0) {
    const { list, depth } = stack.pop() as { list: unknown[]; depth: number };
    if (depth > MAX_COMBO_DEPTH) throw new LimitExceededError('combo nesting depth', MAX_COMBO_DEPTH, `more than ${MAX_COMBO_DEPTH}`);
    flavors += list.length;
    if (flavors > MAX_COMBO_FLAVORS) {
      const what = depth === 1 && stack.length === 0 ? 'combo flavors' : 'combo flavors (nested combos included)';
      throw new LimitExceededError(
        what,
        MAX_COMBO_FLAVORS,
        depth === 1 && stack.length === 0 ? list.length : `more than ${MAX_COMBO_FLAVORS}`,
      );
    }
    for (const e of list) {
      const sub = isRecord(e) ? field(e, 'Properties') : undefined;
      if (isComboList(sub)) stack.push({ list: sub, depth: depth + 1 });
    }
  }
}

/** Decode combo's properties; errors name the bad index. `null` is an empty list. Limits first. */
export function decodeComboProperties(raw: unknown): ComboEntry[] {
  if (raw === undefined || raw === null) return [];
  checkComboLimits(raw);
  if (!Array.isArray(raw)) throw new ApplicationError('Properties must be a list of {"Plugin","Properties"} entries');
  return raw.map((e, i) => {
    if (!isRecord(e)) throw new ApplicationError(`Properties[${i}] must be an object {"Plugin","Properties"}`);
    const plugin = field(e, 'Plugin');
    if (typeof plugin !== 'string' || plugin === '') throw new ApplicationError(`Properties[${i}].Plugin must be a non-empty string`);
    return { Plugin: plugin, Properties: field(e, 'Properties') ?? null };
  });
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** Per-instance `Flavor.Healthy` calls at once to one sub-flavor that does not serve the batch. */
export const COMBO_HEALTH_FALLBACK_CONCURRENCY = 16;

/** One sub-flavor's answers about a batch: a health per instance, or the message of that instance's error. */
interface SubHealths {
  readonly healths: readonly Health[];
  readonly errors: readonly (string | null)[] | null;
}

export class Combo {
  /** Sub-flavors that said they do not serve Flavor.HealthyBatch (asked per instance for a while). */
  private readonly batch = new BatchSupport();

  constructor(private readonly caller: Caller) {}

  private checkType(type: string | undefined): string {
    if (type !== undefined && type !== '') throw new ApplicationError(`no-plugin:${type}`);
    return '';
  }

  private client(plugin: string): FlavorClient {
    return new FlavorClient(this.caller, plugin);
  }

  async validate(req: ValidateFlavorRequest): Promise<FlavorOkResult> {
    const type = this.checkType(req.Type);
    const entries = decodeComboProperties(req.Properties);
    const allocation = req.Allocation ?? {};
    for (const [i, e] of entries.entries()) {
      try {
        await this.client(e.Plugin).validate(e.Properties, allocation);
      } catch (err) {
        throw new ApplicationError(`Properties[${i}] (${e.Plugin}): ${message(err)}`, { cause: err });
      }
    }
    return { Type: type, OK: true };
  }

  async prepare(req: PrepareRequest): Promise<PrepareResult> {
    const type = this.checkType(req.Type);
    const entries = decodeComboProperties(req.Properties);
    const allocation = req.Allocation ?? {};
    const index = req.Index ?? { Group: '', Sequence: 0 };
    const outputs: InstanceSpec[] = [];
    // In order, each on its own copy: a flavor may depend on side effects of the one before it.
    for (const e of entries) {
      try {
        outputs.push(await this.client(e.Plugin).prepare(e.Properties, structuredClone(req.Spec), allocation, index));
      } catch (err) {
        throw new ApplicationError(`${e.Plugin}: ${message(err)}`, { cause: err });
      }
    }
    return { Type: type, Spec: mergePrepared(req.Spec, outputs) };
  }

  /** Asks every flavor (at once); in order, the first answer that is not Healthy (or an error) wins. */
  async healthy(req: HealthyRequest): Promise<HealthyResult> {
    const type = this.checkType(req.Type);
    const entries = decodeComboProperties(req.Properties);
    const results = await Promise.allSettled(entries.map((e) => this.client(e.Plugin).healthy(e.Properties, req.Instance)));
    for (const r of results) {
      if (r.status === 'rejected') throw new ApplicationError(message(r.reason), { cause: r.reason });
      if (r.value !== Health.Healthy) return { Type: type, Health: r.value };
    }
    return { Type: type, Health: Health.Healthy };
  }

  /**
   * Healthy of each instance as `healthy` would answer it: every flavor is asked about the whole batch
   * (at once; with its own Flavor.HealthyBatch when it serves one, else one Flavor.Healthy per instance,
   * COMBO_HEALTH_FALLBACK_CONCURRENCY at a time), and per instance, in order, the first answer that is
   * not Healthy (or an error) wins. A flavor whose whole batch fails gives each instance its error.
   */
  async healthyBatch(req: HealthyBatchRequest): Promise<HealthyBatchResult> {
    const type = this.checkType(req.Type);
    const entries = decodeComboProperties(req.Properties);
    const list = req.Instances;
    const subs = await Promise.all(entries.map((e) => this.subHealths(e, list)));
    const healths = new Array<Health>(list.length).fill(Health.Healthy);
    let errors: (string | null)[] | null = null;
    for (let i = 0; i < list.length; i++) {
      for (const sub of subs) {
        const err = sub.errors?.[i] ?? null;
        if (err !== null) {
          errors ??= new Array<string | null>(list.length).fill(null);
          errors[i] = err;
          healths[i] = Health.Unknown;
          break;
        }
        const h = sub.healths[i] ?? Health.Unknown;
        if (h !== Health.Healthy) {
          healths[i] = h;
          break;
        }
      }
    }
    return { Type: type, Healths: healths, Errors: errors };
  }

  private async subHealths(e: ComboEntry, list: readonly Description[]): Promise<SubHealths> {
    const client = this.client(e.Plugin);
    if (this.batch.tries(client.actor)) {
      try {
        return await client.healthyBatch(e.Properties, list);
      } catch (err) {
        if (!doesNotServe(err)) return { healths: [], errors: new Array<string>(list.length).fill(message(err)) };
        this.batch.refused(client.actor);
      }
    }
    const healths = new Array<Health>(list.length).fill(Health.Unknown);
    let errors: (string | null)[] | null = null;
    await eachLimited(list, COMBO_HEALTH_FALLBACK_CONCURRENCY, async (inst, i) => {
      try {
        healths[i] = await client.healthy(e.Properties, inst);
      } catch (err) {
        errors ??= new Array<string | null>(list.length).fill(null);
        errors[i] = message(err);
      }
    });
    return { healths, errors };
  }

  /** Drains through every flavor; failures are joined with `, ` as Go does. */
  async drain(req: DrainRequest): Promise<FlavorOkResult> {
    const type = this.checkType(req.Type);
    const entries = decodeComboProperties(req.Properties);
    const results = await Promise.allSettled(entries.map((e) => this.client(e.Plugin).drain(e.Properties, req.Instance)));
    const errors = results.flatMap((r) => (r.status === 'rejected' ? [message(r.reason)] : []));
    if (errors.length > 0) throw new ApplicationError(errors.join(', '));
    return { Type: type, OK: true };
  }
}
