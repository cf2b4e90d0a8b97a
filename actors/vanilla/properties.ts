/**
 * Decoding of the vanilla flavor's properties (docs/go-compat.md #13), with errors that name the
 * field (`Init must be a list of strings`) instead of Go's `json: cannot unmarshal ...` texts.
 * Keys match case-insensitively, an exact match first, as Go's encoding/json does.
 */
import { ApplicationError } from '../../runtime/errors.js';
import type { Attachment, Tags } from '../spi/index.js';
import { goField as field } from '../../runtime/go-field.js';
import { isRecord } from '../../runtime/util.js';

/** Optional health check (not in Go InfraKit, whose vanilla flavor always answers Healthy). */
export interface HealthCheck {
  /**
   * `GET` this URL; a 2xx answer is Healthy, anything else (or no answer) Unhealthy. Placeholders
   * filled from the instance: `{{port}}` (tag `port`, else `Properties.Port`), `{{ID}}`,
   * `{{LogicalID}}`, `{{tag:<key>}}`. A placeholder with no value gives Unknown (0).
   */
  HTTP?: string;
  /**
   * Run with `/bin/sh -c`; exit 0 is Healthy, anything else Unhealthy. The instance is passed in the
   * environment (never spliced into the command): `INSTANCE_ID`, `INSTANCE_LOGICAL_ID`,
   * `INSTANCE_PORT`, `INSTANCE_TAGS` (JSON).
   */
  Command?: string;
  /** Deadline of one check; default 2000 ms. A check that overruns is Unhealthy. */
  TimeoutMs?: number;
}

export interface VanillaProperties {
  Init?: string[];
  InitScriptTemplateURL?: string;
  Tags?: Tags;
  Attachments?: Attachment[];
  Health?: HealthCheck;
}

export const BOTH_INIT_ERROR = 'Either "Init" or "InitScriptTemplateURL" can be specified but not both';

const fail = (msg: string): never => {
  throw new ApplicationError(msg);
};

function decodeHealth(raw: unknown): HealthCheck | undefined {
  if (raw === undefined || raw === null) return undefined;
  if (!isRecord(raw)) return fail('Health must be an object like {"HTTP":"http://127.0.0.1:{{port}}/"} or {"Command":"..."}');
  const http = field(raw, 'HTTP');
  const command = field(raw, 'Command');
  const timeout = field(raw, 'TimeoutMs');
  const out: HealthCheck = {};
  if (http !== undefined && http !== null) {
    if (typeof http !== 'string' || http === '') return fail('Health.HTTP must be a non-empty string');
    if (!/^https?:\/\//i.test(http)) return fail('Health.HTTP must be an http:// or https:// URL');
    out.HTTP = http;
  }
  if (command !== undefined && command !== null) {
    if (typeof command !== 'string' || command === '') return fail('Health.Command must be a non-empty string');
    out.Command = command;
  }
  if (out.HTTP !== undefined && out.Command !== undefined) return fail('Health: either "HTTP" or "Command" can be specified but not both');
  if (out.HTTP === undefined && out.Command === undefined) return fail('Health must have "HTTP" or "Command"');
  if (timeout !== undefined && timeout !== null) {
    if (typeof timeout !== 'number' || !Number.isFinite(timeout) || timeout <= 0) return fail('Health.TimeoutMs must be a positive number');
    out.TimeoutMs = timeout;
  }
  return out;
}

/** Decode (and check) vanilla properties; `null`/absent means all defaults. */
export function decodeVanillaProperties(raw: unknown): VanillaProperties {
  if (raw === undefined || raw === null) return {};
  if (!isRecord(raw)) return fail('Properties must be an object');
  const out: VanillaProperties = {};

  const init = field(raw, 'Init');
  if (init !== undefined && init !== null) {
    if (!Array.isArray(init) || !init.every((l) => typeof l === 'string')) return fail('Init must be a list of strings');
    out.Init = init;
  }

  const url = field(raw, 'InitScriptTemplateURL');
  if (url !== undefined && url !== null) {
    if (typeof url !== 'string') return fail('InitScriptTemplateURL must be a string');
    if (url !== '') out.InitScriptTemplateURL = url;
  }
  if (out.Init && out.Init.length > 0 && out.InitScriptTemplateURL !== undefined) return fail(BOTH_INIT_ERROR);

  const tags = field(raw, 'Tags');
  if (tags !== undefined && tags !== null) {
    if (!isRecord(tags) || !Object.values(tags).every((v) => typeof v === 'string'))
      return fail('Tags must be a map of strings to strings');
    out.Tags = tags as Tags;
  }

  const atts = field(raw, 'Attachments');
  if (atts !== undefined && atts !== null) {
    if (!Array.isArray(atts)) return fail('Attachments must be a list of {"ID","Type"} objects');
    out.Attachments = atts.map((a, i) => {
      if (!isRecord(a)) return fail(`Attachments[${i}] must be an object {"ID","Type"}`);
      const id = field(a, 'ID');
      const type = field(a, 'Type');
      if (typeof id !== 'string') return fail(`Attachments[${i}].ID must be a string`);
      if (typeof type !== 'string') return fail(`Attachments[${i}].Type must be a string`);
      return { ID: id, Type: type };
    });
  }

  const health = decodeHealth(field(raw, 'Health'));
  if (health) out.Health = health;
  return out;
}

export { field };
