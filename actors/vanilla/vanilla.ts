/**
 * The vanilla flavor's logic (docs/go-compat.md #13): adds Init lines, tags and attachments to a
 * spec; Healthy is 1 unless an optional `Health` check is configured; Drain does nothing.
 */
import { ApplicationError } from '../../runtime/errors.js';
import { Health } from '../spi/common.js';
import type {
  Attachment,
  DrainRequest,
  FlavorOkResult,
  HealthyBatchRequest,
  HealthyBatchResult,
  HealthyRequest,
  HealthyResult,
  InstanceSpec,
  PrepareRequest,
  PrepareResult,
  Tags,
  ValidateFlavorRequest,
} from '../spi/index.js';
import { checkHealth, checkHealthMany } from './health.js';
import { decodeVanillaProperties, type VanillaProperties } from './properties.js';
import { readTemplate } from './template.js';

/** A single-object flavor: `Type` must be `""`, anything else is Go's `no-plugin:<type>`. */
function checkType(type: string | undefined): string {
  if (type !== undefined && type !== '') throw new ApplicationError(`no-plugin:${type}`);
  return '';
}

/** An `instance.Spec` with every field present, empty maps and lists as `null` (as Go sends them). */
export function normaliseSpec(
  spec: InstanceSpec,
  patch: { Tags?: Tags | null; Init?: string; Attachments?: Attachment[] | null } = {},
): InstanceSpec {
  const tags = patch.Tags !== undefined ? patch.Tags : spec.Tags;
  const atts = patch.Attachments !== undefined ? patch.Attachments : spec.Attachments;
  return {
    Properties: spec.Properties ?? null,
    Tags: tags && Object.keys(tags).length > 0 ? tags : null,
    Init: patch.Init ?? spec.Init ?? '',
    LogicalID: spec.LogicalID ?? null,
    Attachments: atts && atts.length > 0 ? atts : null,
  };
}

export class Vanilla {
  /**
   * Calls that arrive together (a group's batch of Prepares) share their Properties and Spec objects;
   * the answer for the same objects is the same, so it is made once and shared (and a batch of answers
   * carries it once). Keyed by object: entries go with the calls' objects. Never for a template URL
   * (read on each call).
   */
  private readonly decoded = new WeakMap<object, VanillaProperties>();
  private readonly prepared = new WeakMap<object, { readonly properties: unknown; readonly spec: InstanceSpec }>();

  constructor(private readonly signal?: AbortSignal) {}

  private decode(raw: unknown): VanillaProperties {
    if (typeof raw !== 'object' || raw === null) return decodeVanillaProperties(raw);
    let props = this.decoded.get(raw);
    if (props === undefined) {
      props = decodeVanillaProperties(raw);
      this.decoded.set(raw, props);
    }
    return props;
  }

  async validate(req: ValidateFlavorRequest): Promise<FlavorOkResult> {
    const type = checkType(req.Type);
    const props = decodeVanillaProperties(req.Properties);
    // Go renders the template once as a check; we read it once.
    if (props.InitScriptTemplateURL !== undefined) await readTemplate(props.InitScriptTemplateURL, this.signal);
    return { Type: type, OK: true };
  }

  async prepare(req: PrepareRequest): Promise<PrepareResult> {
    const type = checkType(req.Type);
    const props = this.decode(req.Properties);
    const spec = req.Spec;
    const memo = props.InitScriptTemplateURL === undefined && typeof spec === 'object' && spec !== null;
    if (memo) {
      const hit = this.prepared.get(spec);
      if (hit !== undefined && hit.properties === req.Properties) return { Type: type, Spec: hit.spec };
    }

    const lines: string[] = [];
    if (spec.Init !== undefined && spec.Init !== '') lines.push(spec.Init);
    if (props.InitScriptTemplateURL !== undefined) lines.push(await readTemplate(props.InitScriptTemplateURL, this.signal));
    else lines.push(...(props.Init ?? []));

    const tags: Tags = { ...(spec.Tags ?? {}), ...(props.Tags ?? {}) };
    const atts: Attachment[] = [...(spec.Attachments ?? []), ...(props.Attachments ?? [])];
    const out = normaliseSpec(spec, { Tags: tags, Init: lines.join('\n'), Attachments: atts });
    if (memo) this.prepared.set(spec, { properties: req.Properties, spec: out });
    return { Type: type, Spec: out };
  }

  async healthy(req: HealthyRequest): Promise<HealthyResult> {
    const type = checkType(req.Type);
    const props = this.decode(req.Properties);
    const health = props.Health ? await checkHealth(props.Health, req.Instance, this.signal) : Health.Healthy;
    return { Type: type, Health: health };
  }

  /**
   * Healthy of each instance, in order. Without a Health check every one is Healthy (one array, no
   * work per instance); with one, the checks run `batchConcurrency` at a time (health.ts). A check never
   * fails (no answer is Unhealthy), so `Errors` is always null.
   */
  async healthyBatch(req: HealthyBatchRequest): Promise<HealthyBatchResult> {
    const type = checkType(req.Type);
    const props = this.decode(req.Properties);
    const list = req.Instances;
    const healths = props.Health
      ? await checkHealthMany(props.Health, list, this.signal)
      : new Array<Health>(list.length).fill(Health.Healthy);
    return { Type: type, Healths: healths, Errors: null };
  }

  drain(req: DrainRequest): FlavorOkResult {
    const type = checkType(req.Type);
    decodeVanillaProperties(req.Properties);
    return { Type: type, OK: true };
  }
}
