/**
 * A group's `Properties` (docs/go-compat.md #9), read as Go's `encoding/json` reads them: keys match
 * case-insensitively (an exact match wins), unknown keys are ignored, a value of the wrong type is an
 * `Invalid properties: …` error. Then the allocation checks, in Go's order and with Go's texts.
 * Our optional keys (ignored by Go): `Updating.MaxSurge` (default 1), `Updating.MaxUnavailable` (0),
 * `Updating.HealthTimeout` ("1m"), `Health.GracePeriod` (the actor option, else "5m"; "0s" = never replace).
 */
import { formatGoDuration, parseDurationValue } from '../../runtime/go-duration.js';
import type { GroupPluginSpec, GroupProperties as WireGroupProperties, GroupUpdating } from '../spi/group-properties.js';
import { configHash } from './config-hash.js';
import { goField as field } from '../../runtime/go-field.js';
import {
  MAX_GROUP_SIZE,
  MAX_ID_LENGTH,
  MAX_LOGICAL_IDS,
  MAX_PROPERTIES_BYTES,
  MAX_UPDATE_STEP,
  checkCount,
  checkJsonSize,
  checkLength,
  hasControlCharacter,
} from './limits.js';

export interface PluginSection {
  readonly Plugin: string;
  /** The raw JSON, `null` when absent. */
  readonly Properties: unknown;
  readonly Options?: unknown;
}

export interface UpdatingSettings {
  /** ms a new instance must stay healthy (Go `Duration`). */
  readonly durationMs: number;
  /** consecutive healthy polls required (Go `Count`). */
  readonly count: number;
  readonly skipBeforeInstanceDestroy: 'drain' | null;
  readonly maxSurge: number;
  readonly maxUnavailable: number;
  readonly healthTimeoutMs: number;
  /** which of our own keys were given, so the normalised form shows them and nothing else */
  readonly given: { readonly maxSurge: boolean; readonly maxUnavailable: boolean; readonly healthTimeout: boolean };
}

export interface GroupProperties {
  readonly size: number;
  readonly logicalIds: readonly string[] | null;
  readonly instance: PluginSection;
  readonly flavor: PluginSection;
  readonly updating: UpdatingSettings;
  /** `Health.GracePeriod` in ms; `undefined` = not given (the actor's default applies). */
  readonly healthGraceMs: number | undefined;
}

/** A group spec as committed: `{ID, Properties}` (Properties raw). */
export interface GroupSpecRecord {
  readonly ID: string;
  readonly Properties: unknown;
}

export class PropertiesError extends Error {}

type Obj = Record<string, unknown>;

function isObject(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function jsType(v: unknown): string {
  if (Array.isArray(v)) return 'array';
  if (v === null) return 'null';
  return typeof v === 'object' ? 'object' : typeof v;
}

function unmarshalError(v: unknown, path: string, goType: string): PropertiesError {
  return new PropertiesError(`Invalid properties: json: cannot unmarshal ${jsType(v)} into Go struct field ${path} of type ${goType}`);
}

function objectAt(v: unknown, path: string, goType: string): Obj {
  if (v === undefined || v === null) return {};
  if (!isObject(v)) throw unmarshalError(v, path, goType);
  return v;
}

function uintAt(v: unknown, path: string): number {
  if (v === undefined || v === null) return 0;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) throw unmarshalError(v, path, 'uint');
  return v;
}

function durationAt(v: unknown, path: string): number | undefined {
  if (v === undefined || v === null) return undefined;
  try {
    const ms = parseDurationValue(v);
    if (ms < 0) throw new Error(`negative duration ${JSON.stringify(v)}`);
    return ms;
  } catch (err) {
    throw new PropertiesError(`Invalid properties: ${path}: ${(err as Error).message}`);
  }
}

function pluginAt(v: unknown, path: string): PluginSection {
  const o = objectAt(v, path, 'group.InstancePlugin');
  const plugin = field(o, 'Plugin');
  if (plugin !== undefined && typeof plugin !== 'string') throw unmarshalError(plugin, `${path}.Plugin`, 'plugin.Name');
  const props = field(o, 'Properties');
  const options = field(o, 'Options');
  return { Plugin: plugin ?? '', Properties: props === undefined ? null : props, ...(options !== undefined ? { Options: options } : {}) };
}

/**
 * Decodes and checks Properties. `allowEmptyAllocation` accepts `Size: 0` without LogicalIDs: a group
 * scaled to zero by SetSize/DestroyInstances (docs/go-compat.md #19); a commit does not allow it (Go's text).
 *
 * Every number that sizes work is checked against limits.ts here, before anything is copied or
 * allocated (LimitExceededError), so a stored spec over the limits fails to load the same way.
 */
export function parseGroupProperties(raw: unknown, opts: { allowEmptyAllocation?: boolean } = {}): GroupProperties {
  checkJsonSize('Properties', raw, MAX_PROPERTIES_BYTES);
  const root = objectAt(raw, 'Spec.Properties', 'group.Spec');
  const alloc = objectAt(field(root, 'Allocation'), 'Spec.Allocation', 'group.AllocationMethod');
  const size = uintAt(field(alloc, 'Size'), 'AllocationMethod.Allocation.Size');
  checkCount('Allocation.Size', size, MAX_GROUP_SIZE);
  const lidsRaw = field(alloc, 'LogicalIDs');
  let logicalIds: string[] | null = null;
  if (lidsRaw !== undefined && lidsRaw !== null) {
    if (!Array.isArray(lidsRaw)) throw unmarshalError(lidsRaw, 'AllocationMethod.Allocation.LogicalIDs', '[]instance.LogicalID');
    checkCount('Allocation.LogicalIDs count', lidsRaw.length, MAX_LOGICAL_IDS);
    const seen = new Set<string>();
    logicalIds = lidsRaw.map((l, i) => {
      if (typeof l !== 'string') throw unmarshalError(l, 'AllocationMethod.Allocation.LogicalIDs', 'instance.LogicalID');
      checkLength(`Allocation.LogicalIDs[${i}]`, l, MAX_ID_LENGTH);
      if (hasControlCharacter(l))
        throw new PropertiesError(`Allocation.LogicalIDs[${i}] ${JSON.stringify(l)} contains a control character`);
      if (seen.has(l))
        throw new PropertiesError(`Allocation.LogicalIDs has ${JSON.stringify(l)} more than once; each logical ID names one instance`);
      seen.add(l);
      return l;
    });
  }
  const instance = pluginAt(field(root, 'Instance'), 'Spec.Instance');
  const flavor = pluginAt(field(root, 'Flavor'), 'Spec.Flavor');
  const upd = objectAt(field(root, 'Updating'), 'Spec.Updating', 'group.Updating');
  const durationMs = durationAt(field(upd, 'Duration'), 'Updating.Duration') ?? 0;
  const count = uintAt(field(upd, 'Count'), 'Updating.Count');
  const skip = field(upd, 'SkipBeforeInstanceDestroy');
  if (skip !== undefined && skip !== null && typeof skip !== 'string')
    throw unmarshalError(skip, 'Updating.SkipBeforeInstanceDestroy', 'string');
  const surgeRaw = field(upd, 'MaxSurge');
  const unavailRaw = field(upd, 'MaxUnavailable');
  const maxSurge = surgeRaw === undefined || surgeRaw === null ? 1 : uintAt(surgeRaw, 'Updating.MaxSurge');
  const maxUnavailable = unavailRaw === undefined || unavailRaw === null ? 0 : uintAt(unavailRaw, 'Updating.MaxUnavailable');
  checkCount('Updating.MaxSurge', maxSurge, MAX_UPDATE_STEP);
  checkCount('Updating.MaxUnavailable', maxUnavailable, MAX_UPDATE_STEP);
  const healthTimeoutRaw = field(upd, 'HealthTimeout');
  const healthTimeoutMs = durationAt(healthTimeoutRaw, 'Updating.HealthTimeout') ?? 60_000;
  const health = objectAt(field(root, 'Health'), 'Spec.Health', 'group.Health');
  const healthGraceMs = durationAt(field(health, 'GracePeriod'), 'Health.GracePeriod');

  // The checks of docs/go-compat.md #9, in Go's order.
  const hasLids = logicalIds !== null && logicalIds.length > 0;
  if (size === 0 && !hasLids && !opts.allowEmptyAllocation) throw new PropertiesError('Allocation must not be blank');
  if (size > 0 && hasLids) throw new PropertiesError('Only one Allocation method may be used');
  if (count > 0 && durationMs > 0) throw new PropertiesError('Only one Updating method may be used');
  if (maxSurge === 0 && maxUnavailable === 0) {
    throw new PropertiesError('Updating.MaxSurge and Updating.MaxUnavailable must not both be 0');
  }
  return {
    size,
    logicalIds: hasLids ? logicalIds : null,
    instance,
    flavor,
    updating: {
      durationMs,
      count,
      skipBeforeInstanceDestroy: skip === 'drain' ? 'drain' : null,
      maxSurge,
      maxUnavailable,
      healthTimeoutMs,
      given: {
        maxSurge: surgeRaw !== undefined && surgeRaw !== null,
        maxUnavailable: unavailRaw !== undefined && unavailRaw !== null,
        healthTimeout: healthTimeoutRaw !== undefined && healthTimeoutRaw !== null,
      },
    },
    healthGraceMs,
  };
}

/** True when the group is pets (a quorum of logical IDs) rather than cattle. */
export function isPets(p: GroupProperties): boolean {
  return p.logicalIds !== null;
}

/** The target size: Size, or the number of logical IDs. */
export function targetSize(p: GroupProperties): number {
  return p.logicalIds !== null ? p.logicalIds.length : p.size;
}

/** The config hash of parsed properties (docs/go-compat.md #8). */
export function propertiesHash(p: GroupProperties): string {
  return configHash(p.instance, p.flavor);
}

/**
 * Properties re-encoded from the parsed settings, as Go's InspectGroups does (so normalised: Go's
 * field spelling, `"LogicalIDs":null`, `"Duration":"0s"`…); our own keys appear only when given.
 */
export function normaliseProperties(p: GroupProperties, raw: unknown): WireGroupProperties {
  const section = (s: PluginSection): GroupPluginSpec => ({
    Plugin: s.Plugin,
    Properties: s.Properties,
    ...(s.Options !== undefined ? { Options: s.Options } : {}),
  });
  const u = p.updating;
  const updating: GroupUpdating = { Duration: formatGoDuration(u.durationMs), Count: u.count };
  const rawUpd = isObject(raw) ? field(raw, 'Updating') : undefined;
  const skip = isObject(rawUpd) ? field(rawUpd, 'SkipBeforeInstanceDestroy') : undefined;
  if (typeof skip === 'string') updating['SkipBeforeInstanceDestroy'] = skip;
  if (u.given.maxSurge) updating['MaxSurge'] = u.maxSurge;
  if (u.given.maxUnavailable) updating['MaxUnavailable'] = u.maxUnavailable;
  if (u.given.healthTimeout) updating['HealthTimeout'] = formatGoDuration(u.healthTimeoutMs);
  const out: WireGroupProperties = {
    Allocation: { Size: p.size, LogicalIDs: p.logicalIds === null ? null : [...p.logicalIds] },
    Instance: section(p.instance),
    Flavor: section(p.flavor),
    Updating: updating,
  };
  if (p.healthGraceMs !== undefined) out['Health'] = { GracePeriod: formatGoDuration(p.healthGraceMs) };
  return out;
}

/** Sets `Allocation.Size` in raw properties (SetSize), keeping every other key as given. */
export function withSize(raw: unknown, size: number): Obj {
  const root: Obj = isObject(raw) ? { ...raw } : {};
  let allocKey = 'Allocation';
  for (const k of Object.keys(root)) if (k.toLowerCase() === 'allocation') allocKey = k;
  const alloc: Obj = isObject(root[allocKey]) ? { ...(root[allocKey] as Obj) } : {};
  let sizeKey = 'Size';
  for (const k of Object.keys(alloc)) if (k.toLowerCase() === 'size') sizeKey = k;
  alloc[sizeKey] = size;
  root[allocKey] = alloc;
  return root;
}
