/**
 * Params as Go's `encoding/json` sees them (docs/go-compat.md #6): keys match struct fields
 * case-insensitively (an exact match wins), unknown keys are ignored. `normaliseParams` rewrites keys to
 * the schema's spelling (recursing into objects, arrays, maps, `allOf`, `anyOf`); `validateParams` then
 * checks the value and throws `InvalidParamsError` naming the first bad field
 * (`invalid params: /Spec/Tags: Expected object`). Schemas are plain JSON Schema (runtime/schema.ts).
 */
import { InvalidParamsError } from './errors.js';
import type { Schema } from './schema.js';

type Json = Record<string, unknown>;

function isPlainObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The schema of a map's values: `additionalProperties: <schema>` or TypeBox's `patternProperties`. */
function valuesSchema(schema: Schema): Schema | undefined {
  if (typeof schema.additionalProperties === 'object') return schema.additionalProperties;
  const pp = schema.patternProperties;
  return pp === undefined ? undefined : Object.values(pp)[0];
}

function isObjectSchema(s: Schema): boolean {
  return s.type === 'object' || s.properties !== undefined;
}

/** Rewrite the keys of `value` to the spelling used in `schema`, like Go's encoding/json matching. */
export function normaliseParams(schema: Schema, value: unknown): unknown {
  if (schema.allOf !== undefined) return schema.allOf.reduce<unknown>((v, s) => normaliseParams(s, v), value);
  if (schema.anyOf !== undefined) {
    // The first member the normalised value fits; else the first structured member's spelling.
    if (!isPlainObject(value) && !Array.isArray(value)) return value;
    let fallback: unknown;
    for (const member of schema.anyOf) {
      if (!isObjectSchema(member) && member.type !== 'array' && member.anyOf === undefined && member.allOf === undefined) continue;
      const n = normaliseParams(member, value);
      if (firstError(member, n, '') === undefined) return n;
      if (fallback === undefined) fallback = n;
    }
    return fallback ?? value;
  }
  if (schema.type === 'array') {
    return Array.isArray(value) && schema.items ? value.map((v) => normaliseParams(schema.items as Schema, v)) : value;
  }
  if (isObjectSchema(schema) && isPlainObject(value)) return normaliseObject(schema, value);
  return value;
}

function normaliseObject(schema: Schema, value: Json): Json {
  const props = schema.properties ?? {};
  const values = valuesSchema(schema);
  const closed = schema.additionalProperties === false;
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
      if (!Object.hasOwn(out, canonical)) out[canonical] = normaliseParams(props[canonical] as Schema, v);
    } else if (values !== undefined) {
      out[key] = normaliseParams(values, v); // a map's key is data: its spelling is kept
    } else if (!closed) {
      out[key] = v; // unknown key: kept for handlers that look, ignored by the schema
    }
  }
  return out;
}

interface SchemaError {
  readonly path: string;
  readonly message: string;
}

const pointer = (path: string, key: string): string => `${path}/${key.replace(/~/g, '~0').replace(/\//g, '~1')}`;

const TYPE_CHECKS: Readonly<Record<string, (v: unknown) => boolean>> = {
  object: isPlainObject,
  array: Array.isArray,
  string: (v) => typeof v === 'string',
  integer: (v) => Number.isInteger(v),
  number: (v) => typeof v === 'number' && Number.isFinite(v),
  boolean: (v) => typeof v === 'boolean',
  null: (v) => v === null,
};

/** The first place where `value` does not fit `schema`, in the order of the schema's properties. */
export function firstError(schema: Schema, value: unknown, path: string): SchemaError | undefined {
  if (schema.allOf !== undefined) {
    for (const s of schema.allOf) {
      const e = firstError(s, value, path);
      if (e) return e;
    }
  }
  if (schema.anyOf !== undefined && !schema.anyOf.some((s) => firstError(s, value, path) === undefined)) {
    return { path, message: 'Expected union value' };
  }
  if (schema.const !== undefined && value !== schema.const) return { path, message: `Expected ${JSON.stringify(schema.const)}` };
  if (schema.enum !== undefined && !schema.enum.includes(value)) return { path, message: `Expected one of ${JSON.stringify(schema.enum)}` };
  const type = schema.type;
  if (type === undefined) return undefined;
  const fits = TYPE_CHECKS[type];
  if (fits !== undefined && !fits(value)) return { path, message: `Expected ${type}` };
  if (typeof value === 'number') {
    if (schema.minimum !== undefined && value < schema.minimum) return { path, message: `Expected ${type} to be greater or equal to ${schema.minimum}` };
    if (schema.maximum !== undefined && value > schema.maximum) return { path, message: `Expected ${type} to be less or equal to ${schema.maximum}` };
  }
  if (Array.isArray(value) && schema.items !== undefined) {
    for (let i = 0; i < value.length; i++) {
      const e = firstError(schema.items, value[i], pointer(path, String(i)));
      if (e) return e;
    }
  }
  if (isPlainObject(value)) return objectError(schema, value, path);
  return undefined;
}

function objectError(schema: Schema, value: Json, path: string): SchemaError | undefined {
  const props = schema.properties ?? {};
  const required = new Set(schema.required ?? []);
  for (const [key, prop] of Object.entries(props)) {
    if (!Object.hasOwn(value, key)) {
      if (required.has(key)) return { path: pointer(path, key), message: 'Expected required property' };
      continue;
    }
    const e = firstError(prop, value[key], pointer(path, key));
    if (e) return e;
  }
  const values = valuesSchema(schema);
  for (const [key, v] of Object.entries(value)) {
    if (Object.hasOwn(props, key)) continue;
    if (schema.additionalProperties === false) return { path: pointer(path, key), message: 'Unexpected property' };
    if (values !== undefined) {
      const e = firstError(values, v, pointer(path, key));
      if (e) return e;
    }
  }
  return undefined;
}

/**
 * Normalise then check `params` against `schema`. Returns the value to hand to the handler.
 * `null`/`undefined` for an object schema count as `{}` (Go decodes `null` into a zero struct).
 */
export function validateParams(schema: Schema, params: unknown): unknown {
  const input = (params === undefined || params === null) && isObjectSchema(schema) ? {} : params;
  const value = normaliseParams(schema, input);
  const error = firstError(schema, value, '');
  if (error === undefined) return value;
  const where = error.path === '' ? '/' : error.path;
  throw new InvalidParamsError(`invalid params: ${where}: ${error.message}`, { data: { path: where } });
}
