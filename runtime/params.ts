/**
 * Params as Go's `encoding/json` sees them: object keys match struct fields case-insensitively
 * (an exact match wins), unknown keys are ignored. InfraKit clients written in Go send `Tags`,
 * others send `tags`; both must reach the handler under the schema's spelling.
 *
 * `normaliseParams` rewrites keys to the schema's spelling (recursing into nested objects, arrays,
 * records, intersections and unions of objects); `validateParams` then checks the value against
 * the TypeBox schema and throws `InvalidParamsError` naming the first bad field.
 */
import { Kind, type TSchema } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { InvalidParamsError } from './errors.js';

type Json = Record<string, unknown>;

function isPlainObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Rewrite the keys of `value` to the spelling used in `schema`, like Go's encoding/json matching. */
export function normaliseParams(schema: TSchema, value: unknown): unknown {
  switch (schema[Kind]) {
    case 'Object':
      return isPlainObject(value) ? normaliseObject(schema, value) : value;
    case 'Array': {
      const items = (schema as { items?: TSchema }).items;
      return Array.isArray(value) && items ? value.map((v) => normaliseParams(items, v)) : value;
    }
    case 'Record': {
      const pp = (schema as { patternProperties?: Record<string, TSchema> }).patternProperties ?? {};
      const inner = Object.values(pp)[0];
      if (!isPlainObject(value) || inner === undefined) return value;
      const out: Json = {};
      for (const [k, v] of Object.entries(value)) out[k] = normaliseParams(inner, v);
      return out;
    }
    case 'Intersect': {
      const all = (schema as { allOf?: TSchema[] }).allOf ?? [];
      return all.reduce<unknown>((v, s) => normaliseParams(s, v), value);
    }
    case 'Union': {
      // Pick the first member the normalised value fits; else the first object member's spelling.
      const any = (schema as { anyOf?: TSchema[] }).anyOf ?? [];
      if (!isPlainObject(value) && !Array.isArray(value)) return value;
      let fallback: unknown;
      for (const member of any) {
        const kind = member[Kind];
        if (kind !== 'Object' && kind !== 'Array' && kind !== 'Record' && kind !== 'Intersect' && kind !== 'Union') continue;
        const n = normaliseParams(member, value);
        if (Value.Check(member, n)) return n;
        if (fallback === undefined) fallback = n;
      }
      return fallback ?? value;
    }
    default:
      return value;
  }
}

function normaliseObject(schema: TSchema, value: Json): Json {
  const props = ((schema as { properties?: Record<string, TSchema> }).properties ?? {}) as Record<string, TSchema>;
  const closed = (schema as { additionalProperties?: unknown }).additionalProperties === false;
  const byLower = new Map<string, string>();
  for (const name of Object.keys(props)) {
    const lower = name.toLowerCase();
    if (!byLower.has(lower)) byLower.set(lower, name);
  }
  const out: Json = {};
  // Exact matches first, so `{"tags": 1, "Tags": 2}` keeps `Tags: 2` as Go does.
  for (const [key, v] of Object.entries(value)) {
    const prop = Object.hasOwn(props, key) ? props[key] : undefined;
    if (prop !== undefined) out[key] = normaliseParams(prop, v);
  }
  for (const [key, v] of Object.entries(value)) {
    if (Object.hasOwn(props, key)) continue;
    const canonical = byLower.get(key.toLowerCase());
    if (canonical !== undefined) {
      if (!Object.hasOwn(out, canonical)) out[canonical] = normaliseParams(props[canonical] as TSchema, v);
    } else if (!closed) {
      out[key] = v; // unknown key: kept for handlers that look, ignored by the schema
    }
  }
  return out;
}

/**
 * Normalise then check `params` against `schema`. Returns the value to hand to the handler.
 * `null`/`undefined` for an object schema count as `{}` (Go decodes `null` into a zero struct).
 */
export function validateParams(schema: TSchema, params: unknown): unknown {
  const input = (params === undefined || params === null) && schema[Kind] === 'Object' ? {} : params;
  const value = normaliseParams(schema, input);
  if (Value.Check(schema, value)) return value;
  const first = Value.Errors(schema, value).First();
  const where = first?.path ? first.path : '/';
  throw new InvalidParamsError(`invalid params: ${where}: ${first?.message ?? 'does not match the schema'}`, {
    data: { path: where },
  });
}
