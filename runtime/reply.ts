/**
 * Posting an answer (a call's reply, a relayed call's reply) on a port or channel: one way for every
 * place that answers. A value structured clone refuses (a function, a class with private state…)
 * becomes an error answer with the same head instead, so the caller is never left waiting.
 * A caller that only wants JSON (the socket front end) may ask for the answer as JSON text, encoded
 * by the worker: a short text crosses threads as a string (the cost of a copy); a long one as UTF-8
 * bytes in an ArrayBuffer that is transferred, not copied, and that main writes to the socket as it
 * is. Either way main skips clone and stringify.
 */
import { types } from 'node:util';
import { serializeError, type SerializedError } from './errors.js';

interface Poster {
  postMessage(message: unknown, transfer?: readonly ArrayBuffer[]): void;
}

type Outcome = { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly error: SerializedError };

/**
 * Post `m` on `to` (moving the ArrayBuffers in `transfer`); if it cannot be cloned, post `m` with
 * `ok: false` and the clone error instead.
 */
export function postReply<M extends Outcome & { readonly type: string; readonly id: number }>(
  to: Poster,
  m: M,
  transfer?: readonly ArrayBuffer[],
): void {
  try {
    if (transfer === undefined) to.postMessage(m);
    else to.postMessage(m, transfer);
  } catch (err) {
    const { value: _value, error: _error, ...head } = m as M & { value?: unknown; error?: unknown };
    to.postMessage({ ...head, ok: false, error: serializeError(err) });
  }
}

/**
 * A result as JSON, encoded by the actor's worker (a call made with `jsonText: true`): the text, or
 * (a long answer) its UTF-8 bytes. `text` and `bytes` give either form; the socket front end writes
 * `bytes` when it has them, so a long answer is never turned into a string on the main thread.
 */
export class JsonText {
  #text: string | undefined;
  #bytes: Uint8Array | undefined;

  constructor(json: string | Uint8Array) {
    if (typeof json === 'string') this.#text = json;
    else this.#bytes = json;
  }

  /** The JSON text (decoded from the bytes on first use when it came as bytes). */
  get text(): string {
    if (this.#text === undefined) {
      const b = this.#bytes as Uint8Array;
      this.#text = Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('utf8');
    }
    return this.#text;
  }

  /** The UTF-8 bytes, when the worker sent bytes; `undefined` when it sent text. */
  get bytes(): Uint8Array | undefined {
    return this.#bytes;
  }
}

/**
 * A handler's result that has a cheaper way to its JSON than building the value and `JSON.stringify`
 * (the group's DescribeGroup writes 100,000 instances' bytes from the packed listing). A caller that
 * wants JSON (the socket front end) gets `json()`: exactly the text of `JSON.stringify(value())`, as a
 * string or as its UTF-8 bytes in a buffer of their own (it is transferred), or `undefined` to go the
 * usual way; every other caller gets `value()`. Each is called at most once, on the actor's thread.
 */
export class PreparedJson {
  constructor(
    readonly value: () => unknown,
    readonly json: () => string | Uint8Array | undefined,
  ) {}
}

/** A handler's result as a value: a `PreparedJson`'s `value()`, anything else as it is (may throw). */
export function resultValue(result: unknown): unknown {
  return result instanceof PreparedJson ? result.value() : result;
}

/**
 * The reply for a handler's `result` (`json`: the caller wants JSON): what `jsonReplyOf` gives, or a
 * `PreparedJson`'s bytes; `value` is the result itself (a `PreparedJson`'s value) when it goes by clone.
 */
export function replyOf(result: unknown, json: boolean): { readonly json: string | Uint8Array | undefined; readonly value: unknown } {
  if (result instanceof PreparedJson) {
    const prepared = json ? result.json() : undefined;
    if (typeof prepared === 'string' && prepared.length >= TRANSFER_MIN_CHARS) return { json: bytesOf(prepared), value: undefined };
    if (prepared !== undefined) return { json: prepared, value: undefined };
    result = result.value();
  }
  return { json: json ? jsonReplyOf(result) : undefined, value: result };
}

/** Answers at least this many UTF-16 units long leave the worker as transferred bytes, shorter ones as a string. */
export const TRANSFER_MIN_CHARS = 64 * 1024;

/**
 * What a worker posts for a plain result a caller wants as JSON: its JSON text when short, else the
 * text's UTF-8 bytes in an ArrayBuffer of their own, to be transferred (`undefined`: not plain JSON,
 * send the value). The bytes are exactly those of the text.
 */
export function jsonReplyOf(value: unknown): string | Uint8Array | undefined {
  const text = jsonTextOf(value);
  return text === undefined || text.length < TRANSFER_MIN_CHARS ? text : bytesOf(text);
}

/** The UTF-8 bytes of a JSON text, in an ArrayBuffer of their own. */
function bytesOf(text: string): Uint8Array {
  // Buffer.from, not TextEncoder: the same bytes (JSON.stringify leaves no lone surrogate), about 5x
  // cheaper on a long text. A text this long gets a buffer of its own (never the shared pool); a view
  // into a larger or shared one would transfer more than the answer, so that case is copied.
  const bytes = Buffer.from(text, 'utf8');
  return bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength ? bytes : new Uint8Array(bytes);
}

/** Deeper results are sent as values (a cycle never ends; clone and the caller judge them as before). */
const MAX_JSON_TEXT_DEPTH = 256;

/**
 * `JSON.stringify(value)` when that is exactly the text the caller would make from the cloned value:
 * `value` is a plain object or array holding only plain objects, arrays, strings, numbers, booleans,
 * null and undefined. Anything else (functions, class instances, Maps, Dates, BigInts, proxies, deep
 * or cyclic values) gives `undefined`, and the value goes by structured clone as before.
 */
export function jsonTextOf(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  try {
    return plainTree(value, 0) ? JSON.stringify(value) : undefined;
  } catch {
    return undefined; // a getter threw: clone meets the same throw and answers with it
  } finally {
    recent.fill(undefined);
  }
}

/**
 * The last few objects found plain in this walk, with the depth they were found at: a member shared by
 * many (the Tags and Properties of 100,000 instances listed from the simulator) is walked once, not once
 * per holder. An object counts as checked only at a depth no deeper than where it was checked (the depth
 * limit), and only once its walk has finished (a cycle is never in the cache).
 */
const RECENT = 4;
const recent: (object | undefined)[] = new Array<object | undefined>(RECENT).fill(undefined);
const recentDepth = new Array<number>(RECENT).fill(0);
let recentNext = 0;

function plainTree(o: object, depth: number): boolean {
  if (depth > MAX_JSON_TEXT_DEPTH || types.isProxy(o)) return false;
  if (Array.isArray(o)) {
    if (Object.getPrototypeOf(o) !== Array.prototype) return false;
    for (let i = 0; i < o.length; i++) if (!plainValue(o[i], depth)) return false;
    return true;
  }
  const proto: unknown = Object.getPrototypeOf(o);
  if (proto !== Object.prototype && proto !== null) return false;
  const rec = o as Record<string, unknown>;
  for (const k of Object.keys(rec)) if (!plainValue(rec[k], depth)) return false;
  return true;
}

function plainValue(v: unknown, depth: number): boolean {
  switch (typeof v) {
    case 'string':
    case 'number':
    case 'boolean':
    case 'undefined':
      return true;
    case 'object': {
      if (v === null) return true;
      for (let i = 0; i < RECENT; i++) if (recent[i] === v && (recentDepth[i] as number) >= depth + 1) return true;
      if (!plainTree(v, depth + 1)) return false;
      recent[recentNext] = v;
      recentDepth[recentNext] = depth + 1;
      recentNext = (recentNext + 1) % RECENT;
      return true;
    }
    default:
      return false;
  }
}
