/**
 * JSON-RPC 2.0 over one actor: raw request text in, raw response text out. Hand-written rather than
 * a library's server because the `id` must go back as the exact text it came as (Go
 * clients send 63-bit integers a double cannot hold): the request is parsed once, and its top-level
 * members scanned for their raw text (`raw-members.ts`). Handshakes are answered from the manifest,
 * other methods go to `host.call`. Every answer it gives is in docs/wire.md, "JSON-RPC 2.0".
 */
import { ActorNotFoundError, ApplicationError, InternalError, InvalidParamsError, JsonRpcCode, toJsonRpcError } from '../runtime/errors.js';
import { JsonText } from '../runtime/reply.js';
import { answerHandshake, isHandshakeMethod } from './handshake.js';
import type { PluginHost } from './plugin-host.js';
import { nestingDepth, rawTopLevelMembers } from './raw-members.js';

/** The outcome of one POST, with what the request log line needs. */
export interface DispatchOutcome {
  /**
   * Response body (ends with `\n`), or `''` for a notification. A long result the actor's worker sent as
   * UTF-8 bytes comes as the body's parts in bytes (head, the worker's bytes, tail), to be written one
   * after another: the result is never turned into a string or copied here.
   */
  readonly body: string | readonly Uint8Array[];
  /** The method, when the request had one. */
  readonly method?: string;
  /** The raw id text, when the request had one. */
  readonly id?: string;
  /** The JSON-RPC error code, when the answer is an error. */
  readonly errorCode?: number;
}

export const BATCH_NOT_SUPPORTED = 'batch requests are not supported';

/**
 * Deepest nesting of `params` we pass on. Params cross threads by structured clone, whose recursion a
 * thread's stack bounds: far deeper params (a few thousand levels) could be stored by an actor and then
 * never come back (the main thread cannot read the reply, and the call would hang). Real specs nest a
 * dozen levels; Go's encoding/json stops at 10000.
 */
export const MAX_PARAMS_DEPTH = 512;

/**
 * Deepest nesting of a whole body: the request object plus `MAX_PARAMS_DEPTH`. A deeper body is never
 * given to `JSON.parse` (which takes seconds on a million levels, on the thread every socket shares):
 * it is answered from a scan of its top-level members.
 */
export const MAX_BODY_DEPTH = MAX_PARAMS_DEPTH + 1;

function errorBody(id: string, code: number, message: string, data: unknown): string {
  let dataText: string;
  try {
    dataText = JSON.stringify(data ?? null) ?? 'null';
  } catch {
    dataText = 'null';
  }
  return `{"jsonrpc":"2.0","error":{"code":${code},"message":${JSON.stringify(message)},"data":${dataText}},"id":${id}}\n`;
}

const RESULT_HEAD = Buffer.from('{"jsonrpc":"2.0","result":');

function resultBody(id: string, result: unknown): string | readonly Uint8Array[] {
  const bytes = result instanceof JsonText ? result.bytes : undefined;
  if (bytes !== undefined) return [RESULT_HEAD, bytes, Buffer.from(`,"id":${id}}\n`)];
  // Go's client rejects a null or missing result ("result is null"): always send an object.
  const text = result instanceof JsonText ? result.text : result === undefined || result === null ? '{}' : JSON.stringify(result);
  if (text === undefined) throw new InternalError(`result of type ${typeof result} cannot be sent as JSON`);
  return `{"jsonrpc":"2.0","result":${text},"id":${id}}\n`;
}

function fail(id: string, code: number, message: string, extra: { method?: string } = {}): DispatchOutcome {
  return { body: errorBody(id, code, message, null), errorCode: code, ...(id === 'null' ? {} : { id }), ...extra };
}

/**
 * Params as the actor sees them: missing or null → `{}`; a one-element array holding an object → that
 * object (gorilla/rpc's second decoding try, so `"params":[{...}]` works as in Go); objects and other
 * arrays unchanged (the actor's schema judges them).
 */
export function requestParams(params: unknown): unknown {
  if (params === undefined || params === null) return {};
  if (Array.isArray(params)) {
    const only: unknown = params[0];
    return params.length === 1 && typeof only === 'object' && only !== null && !Array.isArray(only) ? only : params;
  }
  if (typeof params !== 'object') throw new InvalidParamsError(`params must be an object, got ${typeof params}`);
  return params;
}

/**
 * Answer one POST body for the actor `actor`. Never throws. `depth` is how deeply the body nests, when
 * the caller measured it while the bytes arrived (`NestingMeter`); otherwise it is measured here.
 */
export async function dispatchJsonRpc(host: PluginHost, actor: string, text: string, depth?: number): Promise<DispatchOutcome> {
  if ((depth ?? nestingDepth(text)) > MAX_BODY_DEPTH) return refuseDeep(text);
  let request: unknown;
  try {
    request = JSON.parse(text);
  } catch (err) {
    return fail('null', JsonRpcCode.ParseError, `parse error: ${(err as Error).message}`);
  }
  if (Array.isArray(request)) return fail('null', JsonRpcCode.InvalidRequest, BATCH_NOT_SUPPORTED);
  if (typeof request !== 'object' || request === null) {
    return fail('null', JsonRpcCode.InvalidRequest, 'invalid request: the body must be a JSON-RPC request object');
  }
  const req = request as Record<string, unknown>;
  const idValue = req['id'];
  if (idValue !== undefined && idValue !== null && typeof idValue !== 'string' && typeof idValue !== 'number') {
    return fail('null', JsonRpcCode.InvalidRequest, 'invalid request: id must be a string, a number or null');
  }
  const notification = idValue === undefined || idValue === null;
  // One scan of the text gives the id as it came and how deeply params nest.
  const depths = new Map<string, number>();
  const members = rawTopLevelMembers(text, depths);
  const id = notification ? 'null' : (members.get('id') ?? 'null');
  const method = typeof req['method'] === 'string' ? req['method'] : undefined;
  const named = method === undefined ? {} : { method };
  // Invalid requests are answered even without an id, as JSON-RPC 2.0 §5.1 shows.
  if (req['jsonrpc'] !== '2.0') return fail(id, JsonRpcCode.InvalidRequest, 'jsonrpc must be 2.0', named);
  if (method === undefined) return fail(id, JsonRpcCode.InvalidRequest, 'invalid request: method must be a string');

  if ((depths.get('params') ?? 0) > MAX_PARAMS_DEPTH) {
    if (notification) return { body: '', method };
    return fail(id, JsonRpcCode.InvalidParams, `params nested deeper than ${MAX_PARAMS_DEPTH} levels`, named);
  }

  let body: string | readonly Uint8Array[];
  try {
    const params = requestParams(req['params']);
    const result = isHandshakeMethod(method) ? handshake(host, actor, method) : await callActor(host, actor, method, params);
    if (notification) return { body: '', method };
    body = resultBody(id, result);
  } catch (err) {
    if (notification) return { body: '', method };
    const e = toJsonRpcError(err);
    return { body: errorBody(id, e.code, e.message, e.data), method, id, errorCode: e.code };
  }
  return { body, method, id };
}

/**
 * A body nested deeper than `MAX_BODY_DEPTH`, answered without `JSON.parse` on it: the top-level members
 * are scanned (no recursion, one pass), only the small scalar `id`, `jsonrpc` and `method` are parsed.
 * Params too deep → -32602 as for any request; another member too deep → -32600. The method never runs.
 */
function refuseDeep(text: string): DispatchOutcome {
  const start = text.search(/\S/);
  if (text[start] === '[') return fail('null', JsonRpcCode.InvalidRequest, BATCH_NOT_SUPPORTED);
  if (text[start] !== '{') return fail('null', JsonRpcCode.InvalidRequest, 'invalid request: the body must be a JSON-RPC request object');
  const depths = new Map<string, number>();
  let members: Map<string, string>;
  try {
    members = rawTopLevelMembers(text, depths);
  } catch (err) {
    return fail('null', JsonRpcCode.ParseError, `parse error: ${(err as Error).message}`);
  }
  /** A top-level scalar member, parsed; `undefined` when missing; `bad` when nested or not JSON. */
  const scalar = (key: string): unknown => {
    const raw = members.get(key);
    if (raw === undefined) return undefined;
    if ((depths.get(key) ?? 0) > 0) return BAD;
    try {
      return JSON.parse(raw) as unknown;
    } catch {
      return BAD;
    }
  };
  const idValue = scalar('id');
  if (idValue !== undefined && idValue !== null && typeof idValue !== 'string' && typeof idValue !== 'number') {
    return fail('null', JsonRpcCode.InvalidRequest, 'invalid request: id must be a string, a number or null');
  }
  const notification = idValue === undefined || idValue === null;
  const id = notification ? 'null' : (members.get('id') ?? 'null');
  const methodValue = scalar('method');
  const method = typeof methodValue === 'string' ? methodValue : undefined;
  const named = method === undefined ? {} : { method };
  if (scalar('jsonrpc') !== '2.0') return fail(id, JsonRpcCode.InvalidRequest, 'jsonrpc must be 2.0', named);
  if (method === undefined) return fail(id, JsonRpcCode.InvalidRequest, 'invalid request: method must be a string');
  if ((depths.get('params') ?? 0) > MAX_PARAMS_DEPTH) {
    if (notification) return { body: '', method };
    return fail(id, JsonRpcCode.InvalidParams, `params nested deeper than ${MAX_PARAMS_DEPTH} levels`, named);
  }
  const deep = [...depths].find(([, d]) => d > MAX_PARAMS_DEPTH)?.[0];
  // Nothing deep inside the object: the depth is in text after it.
  if (deep === undefined) return fail('null', JsonRpcCode.ParseError, 'parse error: unexpected text after the request object');
  return fail(
    id,
    JsonRpcCode.InvalidRequest,
    `invalid request: member ${JSON.stringify(deep)} nested deeper than ${MAX_PARAMS_DEPTH} levels`,
    named,
  );
}

const BAD = Symbol('bad');

/**
 * An actor removed while its socket is still closing must not be looked up by name again: the
 * runtime would hand an unknown name to its resolver, which could find this very socket.
 */
function callActor(host: PluginHost, actor: string, method: string, params: unknown): Promise<unknown> {
  if (host.info(actor) === undefined) throw new ActorNotFoundError(actor);
  return host.call(actor, method, params, JSON_TEXT);
}

/** The front end only sends the result on as JSON: the worker may encode it (`JsonText`). */
const JSON_TEXT = { jsonText: true } as const;

function handshake(host: PluginHost, actor: string, method: Parameters<typeof answerHandshake>[0]): object {
  const info = host.info(actor);
  if (info === undefined) throw new ActorNotFoundError(actor);
  if (info.manifest === undefined) {
    throw new ApplicationError(`actor '${actor}' is ${info.status}; its interfaces are not known yet, try again shortly`);
  }
  return answerHandshake(method, info.manifest);
}
