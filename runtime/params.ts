/**
 * Params as Go's `encoding/json` sees them (docs/go-compat.md #6): keys match struct fields
 * case-insensitively (an exact match wins), unknown keys are ignored. `normaliseParams` rewrites keys to
 * the schema's spelling (recursing into objects, arrays, maps, `allOf`, `anyOf`); `validateParams` then
 * checks the value and throws `InvalidParamsError` naming the first bad field
 * (`invalid params: /Spec/Tags: Expected object`). Schemas are plain JSON Schema (runtime/schema.ts).
 * Each schema is compiled once into closures; valid params cost no copy and no path string: the path
 * is rendered by `firstError` only once a check has failed (bench/params.ts).
 * `checkSchema` refuses, when a definition is loaded, any keyword this file does not check.
 */
import { InvalidParamsError } from './errors.js';
import type { Schema } from './schema.js';

type Json = Record<string, unknown>;

function isPlainObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Compiled `pattern`s and `patternProperties` keys (ECMAScript regexes with `u`, unanchored, as JSON Schema says). */
const regexes = new Map<string, RegExp>();
function regex(source: string): RegExp {
  let r = regexes.get(source);
  if (r === undefined) {
    r = new RegExp(source, 'u');
    regexes.set(source, r);
  }
  return r;
}

/** The schema a local `$ref` (`#`, `#/definitions/X`, `#/$defs/X`, any JSON pointer into the root) names. */
function resolveRef(root: Schema, ref: string): Schema {
  if (ref !== '#' && !ref.startsWith('#/')) throw new Error(`only local $ref ('#/definitions/…', '#/$defs/…') is supported, not '${ref}'`);
  let at: unknown = root;
  for (const raw of ref === '#' ? [] : ref.slice(2).split('/')) {
    const key = decodeURIComponent(raw).replace(/~1/g, '/').replace(/~0/g, '~');
    at = isPlainObject(at) && Object.hasOwn(at, key) ? at[key] : undefined;
  }
  if (!isPlainObject(at)) throw new Error(`$ref '${ref}' names no schema`);
  return at;
}

function isObjectSchema(s: Schema): boolean {
  return s.type === 'object' || s.properties !== undefined;
}

/** Rewrite the keys of `value` to the spelling used in `schema`, like Go's encoding/json matching. */
export function normaliseParams(schema: Schema, value: unknown, root: Schema = schema): unknown {
  return nodeOf(root, schema).normalise(value);
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

/** JSON equality (for `const` and `enum`): same primitives, same arrays, same objects whatever the key order. */
function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a)) return Array.isArray(b) && a.length === b.length && a.every((v, i) => jsonEqual(v, b[i]));
  if (Array.isArray(b)) return false;
  const ka = Object.keys(a);
  const ob = b as Json;
  return ka.length === Object.keys(ob).length && ka.every((k) => Object.hasOwn(ob, k) && jsonEqual((a as Json)[k], ob[k]));
}

/** Length in Unicode code points, as JSON Schema counts it (a surrogate pair is one character). */
function codePoints(s: string): number {
  let n = s.length;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        n--;
        i++;
      }
    }
  }
  return n;
}

/** The first place where `value` does not fit `schema`, in the order of the schema's properties. */
export function firstError(schema: Schema, value: unknown, path: string, root: Schema = schema): SchemaError | undefined {
  if (schema.$ref !== undefined) {
    const e = firstError(resolveRef(root, schema.$ref), value, path, root);
    if (e) return e;
  }
  if (schema.allOf !== undefined) {
    for (const s of schema.allOf) {
      const e = firstError(s, value, path, root);
      if (e) return e;
    }
  }
  if (schema.anyOf !== undefined && !schema.anyOf.some((s) => nodeOf(root, s).check(value))) {
    return { path, message: 'Expected union value' };
  }
  if (schema.const !== undefined && !jsonEqual(value, schema.const)) return { path, message: `Expected ${JSON.stringify(schema.const)}` };
  if (schema.enum !== undefined && !schema.enum.some((m) => jsonEqual(value, m)))
    return { path, message: `Expected one of ${JSON.stringify(schema.enum)}` };
  const type = schema.type;
  if (type !== undefined) {
    const fits = TYPE_CHECKS[type];
    if (fits !== undefined && !fits(value)) return { path, message: `Expected ${type}` };
  }
  const what = type ?? typeof value;
  if (typeof value === 'number') {
    if (schema.minimum !== undefined && value < schema.minimum)
      return { path, message: `Expected ${what} to be greater or equal to ${schema.minimum}` };
    if (schema.maximum !== undefined && value > schema.maximum)
      return { path, message: `Expected ${what} to be less or equal to ${schema.maximum}` };
  } else if (typeof value === 'string') {
    if (schema.minLength !== undefined && codePoints(value) < schema.minLength)
      return { path, message: `Expected string length greater or equal to ${schema.minLength}` };
    if (schema.maxLength !== undefined && codePoints(value) > schema.maxLength)
      return { path, message: `Expected string length less or equal to ${schema.maxLength}` };
    if (schema.pattern !== undefined && !regex(schema.pattern).test(value))
      return { path, message: `Expected string to match '${schema.pattern}'` };
  } else if (Array.isArray(value)) {
    if (schema.minItems !== undefined && value.length < schema.minItems)
      return { path, message: `Expected array length to be greater or equal to ${schema.minItems}` };
    if (schema.maxItems !== undefined && value.length > schema.maxItems)
      return { path, message: `Expected array length to be less or equal to ${schema.maxItems}` };
    if (schema.items !== undefined) {
      for (let i = 0; i < value.length; i++) {
        const e = firstError(schema.items, value[i], pointer(path, String(i)), root);
        if (e) return e;
      }
    }
  } else if (isPlainObject(value)) {
    return objectError(schema, value, path, root);
  }
  return undefined;
}

function objectError(schema: Schema, value: Json, path: string, root: Schema): SchemaError | undefined {
  const props = schema.properties ?? {};
  const required = schema.required ?? [];
  for (const [key, prop] of Object.entries(props)) {
    if (!Object.hasOwn(value, key)) {
      if (required.includes(key)) return { path: pointer(path, key), message: 'Expected required property' };
      continue;
    }
    const e = firstError(prop, value[key], pointer(path, key), root);
    if (e) return e;
  }
  // Required names that `properties` does not list.
  for (const key of required) if (!Object.hasOwn(value, key)) return { path: pointer(path, key), message: 'Expected required property' };
  const pp = schema.patternProperties;
  for (const [key, v] of Object.entries(value)) {
    if (Object.hasOwn(props, key)) continue;
    let matched = false;
    if (pp !== undefined) {
      for (const [p, s] of Object.entries(pp)) {
        if (!regex(p).test(key)) continue;
        matched = true;
        const e = firstError(s, v, pointer(path, key), root);
        if (e) return e;
      }
    }
    if (matched) continue;
    if (schema.additionalProperties === false) return { path: pointer(path, key), message: 'Unexpected property' };
    if (typeof schema.additionalProperties === 'object') {
      const e = firstError(schema.additionalProperties, v, pointer(path, key), root);
      if (e) return e;
    }
  }
  return undefined;
}

/**
 * A schema compiled once into closures (per root, on first use or when checkSchema loads it):
 * `normalise` returns its input itself when no key needs rewriting or dropping, and `check` answers
 * exactly `firstError(...) === undefined` without building any path. Paths are rendered only after
 * `check` fails, by `firstError` walking the schema again.
 */
interface Node {
  normalise: (v: unknown) => unknown;
  check: (v: unknown) => boolean;
  /** Accepts and keeps every value (`{}` or annotations only): a parent can skip it. */
  any: boolean;
}

const accept = (): boolean => true;
const same = (v: unknown): unknown => v;

/** Compiled nodes by root schema, then by sub-schema (a `$ref` resolves against its root). */
const compiled = new WeakMap<Schema, Map<Schema, Node>>();

function nodeOf(root: Schema, schema: Schema): Node {
  let nodes = compiled.get(root);
  if (nodes === undefined) {
    nodes = new Map();
    compiled.set(root, nodes);
  }
  return compileNode(root, schema, nodes);
}

const CHECKED = [
  '$ref',
  'allOf',
  'anyOf',
  'const',
  'enum',
  'type',
  'properties',
  'required',
  'additionalProperties',
  'patternProperties',
  'items',
  'minimum',
  'maximum',
  'minLength',
  'maxLength',
  'pattern',
  'minItems',
  'maxItems',
] as const;

function compileNode(root: Schema, schema: Schema, nodes: Map<Schema, Node>): Node {
  const known = nodes.get(schema);
  if (known !== undefined) return known;
  // Registered before its children, so a recursive `$ref` finds it (and calls through it late).
  const node: Node = { normalise: same, check: accept, any: false };
  nodes.set(schema, node);
  if (CHECKED.every((k) => schema[k] === undefined)) {
    node.any = true;
    return node;
  }
  const sub = (s: Schema): Node => compileNode(root, s, nodes);
  const ref = schema.$ref === undefined ? undefined : sub(resolveRef(root, schema.$ref));
  node.normalise = compileNormalise(schema, ref, sub);
  node.check = compileCheck(schema, ref, sub);
  return node;
}

function compileNormalise(schema: Schema, ref: Node | undefined, sub: (s: Schema) => Node): (v: unknown) => unknown {
  const after = ((): ((v: unknown) => unknown) => {
    if (schema.allOf !== undefined) {
      const all = schema.allOf.map(sub);
      return (v) => {
        for (const n of all) v = n.normalise(v);
        return v;
      };
    }
    if (schema.anyOf !== undefined) {
      // The first member the normalised value fits; else the first structured member's spelling.
      const structured = schema.anyOf
        .filter((m) => isObjectSchema(m) || m.type === 'array' || m.anyOf !== undefined || m.allOf !== undefined || m.$ref !== undefined)
        .map(sub);
      return (v) => {
        if (typeof v !== 'object' || v === null) return v;
        let fallback: unknown;
        for (const m of structured) {
          const n = m.normalise(v);
          if (m.check(n)) return n;
          if (fallback === undefined) fallback = n;
        }
        return fallback ?? v;
      };
    }
    if (schema.type === 'array') {
      if (schema.items === undefined) return same;
      const items = sub(schema.items);
      if (items.any) return same;
      return (v) => (Array.isArray(v) ? normaliseArray(items, v) : v);
    }
    if (isObjectSchema(schema)) return compileNormaliseObject(schema, sub);
    return same;
  })();
  if (ref === undefined) return after;
  return (v) => after(ref.normalise(v));
}

/** The array itself when no item changes, else a copy with the changed items. */
function normaliseArray(items: Node, v: unknown[]): unknown[] {
  for (let i = 0; i < v.length; i++) {
    const n = items.normalise(v[i]);
    if (n === v[i]) continue;
    const out = v.slice();
    out[i] = n;
    for (let j = i + 1; j < v.length; j++) out[j] = items.normalise(v[j]);
    return out;
  }
  return v;
}

function compileNormaliseObject(schema: Schema, sub: (s: Schema) => Node): (v: unknown) => unknown {
  const props = schema.properties ?? {};
  const propNodes = new Map<string, Node>();
  for (const [name, s] of Object.entries(props)) propNodes.set(name, sub(s));
  const closed = schema.additionalProperties === false && schema.patternProperties === undefined;
  const byLower = new Map<string, string>();
  for (const name of Object.keys(props)) {
    const lower = name.toLowerCase();
    if (!byLower.has(lower)) byLower.set(lower, name);
  }
  const patterns = Object.entries(schema.patternProperties ?? {}).map(([p, s]) => [regex(p), sub(s)] as const);
  const extra = typeof schema.additionalProperties === 'object' ? sub(schema.additionalProperties) : undefined;
  /** The schema of a map value under `key`: the matching `patternProperties`, else a schema `additionalProperties`. */
  const values = (key: string): Node | undefined => {
    for (const [r, n] of patterns) if (r.test(key)) return n;
    return extra;
  };
  const canonical = (key: string): string | undefined => (byLower.size === 0 ? undefined : byLower.get(key.toLowerCase()));

  /** True when the copy below would equal `value` key for key, in the same order. */
  const unchanged = (value: Json): boolean => {
    let other = false; // a key kept after the schema's own: the copy would move those first
    for (const key of Object.keys(value)) {
      if (key === '__proto__') return false;
      const own = propNodes.get(key);
      if (own !== undefined) {
        if (other || (!own.any && own.normalise(value[key]) !== value[key])) return false;
        continue;
      }
      if (canonical(key) !== undefined) return false;
      const n = values(key);
      if (n !== undefined) {
        if (!n.any && n.normalise(value[key]) !== value[key]) return false;
      } else if (closed) return false;
      other = true;
    }
    return true;
  };

  return (v) => {
    if (!isPlainObject(v) || unchanged(v)) return v;
    const out: Json = {};
    // Exact matches first, so `{"tags": 1, "Tags": 2}` keeps `Tags: 2` as Go does.
    for (const [key, x] of Object.entries(v)) {
      const own = propNodes.get(key);
      if (own !== undefined) out[key] = own.normalise(x);
    }
    for (const [key, x] of Object.entries(v)) {
      if (Object.hasOwn(props, key)) continue;
      const name = canonical(key);
      if (name !== undefined) {
        if (!Object.hasOwn(out, name)) out[name] = (propNodes.get(name) as Node).normalise(x);
        continue;
      }
      const n = values(key);
      if (n !== undefined) {
        out[key] = n.normalise(x); // a map's key is data: its spelling is kept
      } else if (!closed) {
        out[key] = x; // unknown key: kept for handlers that look, ignored by the schema
      }
    }
    return out;
  };
}

function compileCheck(schema: Schema, ref: Node | undefined, sub: (s: Schema) => Node): (v: unknown) => boolean {
  const checks: ((v: unknown) => boolean)[] = [];
  if (ref !== undefined && !ref.any) checks.push((v) => ref.check(v));
  for (const n of (schema.allOf ?? []).map(sub)) if (!n.any) checks.push((v) => n.check(v));
  if (schema.anyOf !== undefined) {
    const any = schema.anyOf.map(sub);
    if (!any.some((n) => n.any)) checks.push((v) => any.some((n) => n.check(v)));
  }
  if (schema.const !== undefined) {
    const c = schema.const;
    checks.push((v) => jsonEqual(v, c));
  }
  if (schema.enum !== undefined) {
    const e = schema.enum;
    checks.push((v) => e.some((m) => jsonEqual(v, m)));
  }
  const fits = schema.type === undefined ? undefined : TYPE_CHECKS[schema.type];
  if (fits !== undefined) checks.push(fits);
  const { minimum, maximum, minLength, maxLength, minItems, maxItems } = schema;
  if (minimum !== undefined || maximum !== undefined) {
    const lo = minimum ?? -Infinity;
    const hi = maximum ?? Infinity;
    checks.push((v) => typeof v !== 'number' || (!(v < lo) && !(v > hi)));
  }
  if (minLength !== undefined || maxLength !== undefined) {
    const lo = minLength ?? 0;
    const hi = maxLength ?? Infinity;
    checks.push((v) => {
      if (typeof v !== 'string') return true;
      const n = codePoints(v);
      return n >= lo && n <= hi;
    });
  }
  if (schema.pattern !== undefined) {
    const r = regex(schema.pattern);
    checks.push((v) => typeof v !== 'string' || r.test(v));
  }
  if (minItems !== undefined || maxItems !== undefined) {
    const lo = minItems ?? 0;
    const hi = maxItems ?? Infinity;
    checks.push((v) => !Array.isArray(v) || (v.length >= lo && v.length <= hi));
  }
  if (schema.items !== undefined) {
    const items = sub(schema.items);
    if (!items.any) checks.push((v) => !Array.isArray(v) || v.every((x) => items.check(x)));
  }
  const object = compileCheckObject(schema, sub);
  if (object !== undefined) checks.push((v) => !isPlainObject(v) || object(v));
  if (checks.length === 0) return accept;
  if (checks.length === 1) return checks[0] as (v: unknown) => boolean;
  return (v) => {
    for (const c of checks) if (!c(v)) return false;
    return true;
  };
}

/** The object part of `firstError` (objectError) as one test; undefined when it accepts every object. */
function compileCheckObject(schema: Schema, sub: (s: Schema) => Node): ((v: Json) => boolean) | undefined {
  const props = Object.entries(schema.properties ?? {});
  const required = schema.required ?? [];
  const named = props.map(([key, s]) => ({ key, node: sub(s), required: required.includes(key) }));
  const checked = named.filter((p) => p.required || !p.node.any);
  const unlisted = required.filter((key) => !Object.hasOwn(schema.properties ?? {}, key));
  const propsObj = schema.properties ?? {};
  const patterns = Object.entries(schema.patternProperties ?? {}).map(([p, s]) => [regex(p), sub(s)] as const);
  const additional = schema.additionalProperties;
  const extra = typeof additional === 'object' ? sub(additional) : undefined;
  const othersChecked = patterns.some(([, n]) => !n.any) || additional === false || (extra !== undefined && !extra.any);
  if (checked.length === 0 && unlisted.length === 0 && !othersChecked) return undefined;
  return (value) => {
    for (const p of checked) {
      if (!Object.hasOwn(value, p.key)) {
        if (p.required) return false;
        continue;
      }
      if (!p.node.check(value[p.key])) return false;
    }
    for (const key of unlisted) if (!Object.hasOwn(value, key)) return false;
    if (!othersChecked) return true;
    for (const key of Object.keys(value)) {
      if (Object.hasOwn(propsObj, key)) continue;
      let matched = false;
      for (const [r, n] of patterns) {
        if (!r.test(key)) continue;
        matched = true;
        if (!n.check(value[key])) return false;
      }
      if (matched) continue;
      if (additional === false) return false;
      if (extra !== undefined && !extra.check(value[key])) return false;
    }
    return true;
  };
}

/**
 * Normalise then check `params` against `schema`. Returns the value to hand to the handler (the
 * params object itself when nothing needed rewriting). `null`/`undefined` for an object schema count
 * as `{}` (Go decodes `null` into a zero struct). The schema is compiled on first use: do not change
 * a schema object after it has been used.
 */
export function validateParams(schema: Schema, params: unknown): unknown {
  const node = nodeOf(schema, schema);
  const input = (params === undefined || params === null) && isObjectSchema(schema) ? {} : params;
  const value = node.normalise(input);
  if (node.check(value)) return value;
  // Only now: walk again to name the first bad field, its path rendered as it goes.
  const error = firstError(schema, value, '');
  if (error === undefined) return value;
  const where = error.path === '' ? '/' : error.path;
  throw new InvalidParamsError(`invalid params: ${where}: ${error.message}`, { data: { path: where } });
}

/** Keywords that only annotate: kept (and shown by `/info/api.json`), never checked. */
const ANNOTATIONS = new Set([
  'description',
  'title',
  'default',
  'examples',
  '$comment',
  '$id',
  '$schema',
  'readOnly',
  'writeOnly',
  'deprecated',
]);

/**
 * Refuse a params schema that uses a keyword `firstError` does not check, or uses one wrongly
 * (an unknown `type`, a bad regex, a `$ref` that names nothing or leaves the schema). Called when an
 * actor's definition is loaded; the error names the method, the keyword and where it is.
 */
export function checkSchema(schema: unknown, method: string): void {
  const fail = (at: string, what: string): never => {
    throw new Error(`method '${method}': params schema ${at === '' ? '' : `at ${at} `}${what}`);
  };
  const root = schema as Schema;
  const walk = (s: unknown, at: string): void => {
    if (!isPlainObject(s)) fail(at, 'is not a JSON Schema object');
    const o = s as Json;
    const sub = (key: string, v: unknown): void => walk(v, `${at}/${key}`);
    const map = (key: string): void => {
      if (!isPlainObject(o[key])) fail(at, `'${key}' must be an object of schemas`);
      for (const [k, v] of Object.entries(o[key] as Json)) walk(v, pointer(`${at}/${key}`, k));
    };
    for (const [key, v] of Object.entries(o)) {
      switch (key) {
        case 'type':
          if (typeof v !== 'string' || TYPE_CHECKS[v] === undefined)
            fail(at, `'type' must be one of ${Object.keys(TYPE_CHECKS).join(', ')} (for several, use anyOf), not ${JSON.stringify(v)}`);
          break;
        case 'properties':
        case 'definitions':
        case '$defs':
          map(key);
          break;
        case 'patternProperties':
          map(key);
          for (const p of Object.keys(v as Json)) {
            try {
              regex(p);
            } catch (err) {
              fail(at, `'patternProperties' key ${JSON.stringify(p)} is not a valid regex: ${(err as Error).message}`);
            }
          }
          break;
        case 'required':
          if (!Array.isArray(v) || v.some((r) => typeof r !== 'string')) fail(at, "'required' must be an array of property names");
          break;
        case 'additionalProperties':
          if (typeof v !== 'boolean') sub(key, v);
          break;
        case 'items':
          if (Array.isArray(v)) fail(at, "uses 'items' as an array (tuple), which the runtime does not check");
          sub(key, v);
          break;
        case 'anyOf':
        case 'allOf':
          if (!Array.isArray(v) || v.length === 0) fail(at, `'${key}' must be a non-empty array of schemas`);
          (v as unknown[]).forEach((m, i) => sub(`${key}/${i}`, m));
          break;
        case 'minimum':
        case 'maximum':
          if (typeof v !== 'number' || !Number.isFinite(v)) fail(at, `'${key}' must be a number`);
          break;
        case 'minLength':
        case 'maxLength':
        case 'minItems':
        case 'maxItems':
          if (!Number.isInteger(v) || (v as number) < 0) fail(at, `'${key}' must be a non-negative integer`);
          break;
        case 'pattern':
          if (typeof v !== 'string') fail(at, "'pattern' must be a string");
          try {
            regex(v as string);
          } catch (err) {
            fail(at, `'pattern' ${JSON.stringify(v)} is not a valid regex: ${(err as Error).message}`);
          }
          break;
        case 'enum':
          if (!Array.isArray(v)) fail(at, "'enum' must be an array");
          break;
        case 'const':
          break;
        case '$ref':
          if (typeof v !== 'string') fail(at, "'$ref' must be a string");
          try {
            resolveRef(root, v as string);
          } catch (err) {
            fail(at, (err as Error).message);
          }
          break;
        default:
          if (!ANNOTATIONS.has(key)) {
            fail(
              at,
              `uses the keyword '${key}', which the runtime does not check; remove it (or check it in the handler) so the schema does not promise more than is enforced`,
            );
          }
      }
    }
  };
  walk(schema, '');
  nodeOf(root, root); // compiled now, at load, rather than on the first call
}
