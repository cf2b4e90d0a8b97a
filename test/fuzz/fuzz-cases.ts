/**
 * What the fuzzer throws at the plugin sockets (fast-check arbitraries), shared by the CI property
 * test (fuzz.test.ts) and the 100,000-request run (fuzz-main.ts). Kinds: `random-bytes`, `truncated`
 * requests, `deep` nesting (to 20,000 levels), `huge` strings (to 5 MiB), `wrong-type` fields,
 * `unicode` strings, every type of `id` and of the `envelope` members, `raw-http` (not HTTP at all)
 * and `http-misuse` (method, content type, path).
 */
import fc from 'fast-check';

/** One documented method of one actor, with its example params (from `/info/api.json`). */
export interface MethodExample {
  readonly actor: string;
  readonly method: string;
  readonly params: unknown;
}

export type CaseKind =
  'random-bytes' | 'truncated' | 'deep' | 'huge' | 'wrong-type' | 'unicode' | 'id' | 'envelope' | 'raw-http' | 'http-misuse';

export interface FuzzCase {
  readonly kind: CaseKind;
  readonly actor: string;
  /** POST / body (every kind but raw-http). A function for big bodies, built only when sent. */
  readonly body?: string | Uint8Array | (() => string);
  /** The exact id text the answer must echo (`id` cases). */
  readonly rawId?: string;
  /** Bytes written to the socket as they are (raw-http). */
  readonly raw?: Uint8Array;
  /** Other than POST / application/json (http-misuse). */
  readonly http?: { readonly method: string; readonly path: string; readonly contentType?: string };
}

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
type Path = (string | number)[];

const request = (method: string, params: unknown, id: string | undefined = '1'): string =>
  `{"jsonrpc":"2.0","method":${JSON.stringify(method)},"params":${JSON.stringify(params) ?? 'null'}${id === undefined ? '' : `,"id":${id}`}}`;

/** Every path to a value inside `v` (the root is `[]`). */
export function paths(v: unknown, prefix: Path = []): Path[] {
  const out: Path[] = [prefix];
  if (Array.isArray(v)) v.forEach((x, i) => out.push(...paths(x, [...prefix, i])));
  else if (typeof v === 'object' && v !== null) for (const [k, x] of Object.entries(v)) out.push(...paths(x, [...prefix, k]));
  return out;
}

function pick(root: unknown, path: Path): unknown {
  let v: unknown = root;
  for (const k of path) v = (v as Record<string | number, unknown> | null | undefined)?.[k];
  return v;
}

function setAt(root: unknown, path: Path, value: unknown): unknown {
  const [head, ...rest] = path;
  if (head === undefined) return value;
  const copy = (Array.isArray(root) ? [...root] : { ...(root as object) }) as Record<string | number, unknown>;
  copy[head] = setAt(copy[head], rest, value);
  return copy;
}

function jsonType(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  return typeof v;
}

/** Replace every string (values and keys) in `v` by the next generated string. */
function mapStrings(v: unknown, next: () => string): unknown {
  if (typeof v === 'string') return next();
  if (Array.isArray(v)) return v.map((x) => mapStrings(x, next));
  if (typeof v === 'object' && v !== null) return Object.fromEntries(Object.entries(v).map(([, x]) => [next(), mapStrings(x, next)]));
  return v;
}

const anyJson: fc.Arbitrary<Json> = fc.jsonValue({ maxDepth: 3 }) as fc.Arbitrary<Json>;

/** Ids of every type, as raw text; `undefined` = no id (a notification). */
export const idText: fc.Arbitrary<string | undefined> = fc.oneof(
  fc.bigInt({ min: -(2n ** 70n), max: 2n ** 70n }).map(String),
  fc.constantFrom(
    '9223372036854775807',
    '-9223372036854775808',
    '18446744073709551616',
    '0',
    '-0',
    '1.50',
    '1e400',
    '-1E-400',
    '2.5e+3',
    '0.0000001',
  ),
  fc.double({ noNaN: true, noDefaultInfinity: true }).map((d) => JSON.stringify(d)),
  fc.string({ unit: 'binary', maxLength: 40 }).map((s) => JSON.stringify(s)),
  anyJson.map((v) => JSON.stringify(v)),
  fc.constantFrom('null', 'true', 'false', '{}', '[]', '[1]', '{"id":1}'),
  fc.constant(undefined),
);

/** Bytes that can never start an HTTP request line (so the server need not wait for more). */
const notHttp = fc
  .tuple(fc.constantFrom(0x00, 0x01, 0x7b, 0x28, 0x5b, 0x22, 0xff, 0x3a), fc.uint8Array({ maxLength: 512 }))
  .map(([first, rest]) => Uint8Array.from([first, ...rest]));

export interface CaseOptions {
  /** The server's body limit (default 4 MiB), so huge cases straddle it. */
  readonly bodyLimit?: number;
  /** Weight of `huge` cases (slow to send) among ~115; default 1. */
  readonly hugeWeight?: number;
}

/** The arbitrary of all cases against `examples` (every actor's documented methods). */
export function fuzzCase(examples: readonly MethodExample[], opts: CaseOptions = {}): fc.Arbitrary<FuzzCase> {
  if (examples.length === 0) throw new Error('no method examples');
  const limit = opts.bodyLimit ?? 4 * 1024 * 1024;
  const actor = fc.constantFrom(...new Set(examples.map((e) => e.actor)));
  const example = fc.constantFrom(...examples);

  const randomBytes = fc
    .tuple(actor, fc.oneof(fc.uint8Array({ maxLength: 1024 }), fc.string({ unit: 'binary', maxLength: 256 })))
    .map(([a, body]): FuzzCase => ({ kind: 'random-bytes', actor: a, body }));
  const truncated = fc.tuple(example, fc.nat()).map(([e, n]): FuzzCase => {
    const full = request(e.method, e.params);
    return { kind: 'truncated', actor: e.actor, body: full.slice(0, n % full.length) };
  });
  const deep = fc
    .tuple(example, fc.integer({ min: 1, max: 20_000 }), fc.constantFrom('[', '{"a":'), fc.constantFrom('params', 'inside', 'id'))
    .map(([e, depth, open, where]): FuzzCase => {
      const close = open === '[' ? ']' : '}';
      const nested = `${open.repeat(depth)}${open === '[' ? '' : '1'}${close.repeat(depth)}`;
      const m = JSON.stringify(e.method);
      const body =
        where === 'params'
          ? `{"jsonrpc":"2.0","method":${m},"params":${nested},"id":1}`
          : where === 'inside'
            ? `{"jsonrpc":"2.0","method":${m},"params":{"Type":"","Spec":{"Properties":${nested}},"Properties":${nested}},"id":1}`
            : `{"jsonrpc":"2.0","method":${m},"params":{},"id":${nested}}`;
      return { kind: 'deep', actor: e.actor, body };
    });
  const huge = fc
    .tuple(example, fc.integer({ min: 64 * 1024, max: limit + 1024 * 1024 }), fc.constantFrom('value', 'key', 'method'))
    .map(([e, size, where]): FuzzCase => ({
      kind: 'huge',
      actor: e.actor,
      body: () => {
        const s = 'x'.repeat(size);
        if (where === 'method') return request(s, e.params);
        if (where === 'key') return request(e.method, { [s]: 1, Type: '' });
        return request(e.method, setAt(e.params, paths(e.params).at(-1) ?? [], s));
      },
    }));
  const wrongType = fc
    .tuple(example, fc.nat(), anyJson)
    .filter(([e, n, v]) => {
      const all = paths(e.params);
      return jsonType(v) !== jsonType(pick(e.params, all[n % all.length] ?? []));
    })
    .map(([e, n, v]): FuzzCase => {
      const all = paths(e.params);
      return { kind: 'wrong-type', actor: e.actor, body: request(e.method, setAt(e.params, all[n % all.length] ?? [], v)) };
    });
  const unicode = fc
    .tuple(example, fc.array(fc.string({ unit: 'binary', minLength: 1, maxLength: 30 }), { minLength: 1, maxLength: 16 }), fc.boolean())
    .map(([e, strings, keysToo]): FuzzCase => {
      let i = 0;
      const next = (): string => strings[i++ % strings.length] ?? '';
      // Keys too (Go matches them case-insensitively), or only the values (names, IDs, tags, plugins).
      const params = keysToo ? mapStrings(e.params, next) : mapValues(e.params, next);
      return { kind: 'unicode', actor: e.actor, body: request(e.method, params) };
    });
  const ids = fc.tuple(example, idText).map(([e, id]): FuzzCase => ({
    kind: 'id',
    actor: e.actor,
    body: request(e.method, e.params, id),
    ...(id === undefined ? {} : { rawId: id }),
  }));
  const envelope = fc
    .tuple(
      actor,
      fc.record(
        {
          jsonrpc: fc.oneof(fc.constant('2.0'), anyJson),
          method: fc.oneof(
            example.map((e) => e.method),
            fc.string(),
            anyJson,
          ),
          params: anyJson,
          id: fc.oneof(fc.integer(), fc.string(), anyJson),
        },
        { requiredKeys: [] },
      ),
    )
    .map(([a, r]): FuzzCase => ({ kind: 'envelope', actor: a, body: JSON.stringify(r) }));
  const rawHttp = fc.tuple(actor, notHttp).map(([a, raw]): FuzzCase => ({ kind: 'raw-http', actor: a, raw }));
  const misuse = fc
    .tuple(
      example,
      fc.constantFrom('GET', 'PUT', 'DELETE', 'PATCH', 'POST'),
      fc.constantFrom('/', '/info/api.json', '/info/functions.json', '/nope', '/x/y', '/%00', '/?q=1'),
      fc.constantFrom(undefined, 'text/plain', 'application/json; charset=utf-8', 'application/xml', ''),
    )
    .map(([e, method, path, contentType]): FuzzCase => ({
      kind: 'http-misuse',
      actor: e.actor,
      body: method === 'GET' ? '' : request(e.method, e.params),
      http: { method, path, ...(contentType === undefined ? {} : { contentType }) },
    }));

  return fc.oneof(
    { arbitrary: randomBytes, weight: 10 },
    { arbitrary: truncated, weight: 10 },
    { arbitrary: deep, weight: 5 },
    { arbitrary: huge, weight: opts.hugeWeight ?? 1 },
    { arbitrary: wrongType, weight: 30 },
    { arbitrary: unicode, weight: 15 },
    { arbitrary: ids, weight: 15 },
    { arbitrary: envelope, weight: 10 },
    { arbitrary: rawHttp, weight: 5 },
    { arbitrary: misuse, weight: 5 },
  );
}

/** Replace every string value (not keys) in `v`. */
function mapValues(v: unknown, next: () => string): unknown {
  if (typeof v === 'string') return next();
  if (Array.isArray(v)) return v.map((x) => mapValues(x, next));
  if (typeof v === 'object' && v !== null) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, mapValues(x, next)]));
  return v;
}

/** The body of a case as bytes. */
export function bodyOf(c: FuzzCase): Buffer {
  const b = typeof c.body === 'function' ? c.body() : (c.body ?? '');
  return typeof b === 'string' ? Buffer.from(b, 'utf8') : Buffer.from(b);
}
