/**
 * Posting an answer (a call's reply, a relayed call's reply) on a port or channel: one way for every
 * place that answers. A value structured clone refuses (a function, a class with private state…)
 * becomes an error answer with the same head instead, so the caller is never left waiting.
 * A caller that only wants JSON (the socket front end) may ask for the answer as JSON text, encoded
 * by the worker: a string crosses threads for the cost of a copy, and main skips clone and stringify.
 */
import { types } from 'node:util';
import { serializeError, type SerializedError } from './errors.js';

interface Poster {
  postMessage(message: unknown): void;
}

type Outcome = { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly error: SerializedError };

/** Post `m` on `to`; if it cannot be cloned, post `m` with `ok: false` and the clone error instead. */
export function postReply<M extends Outcome & { readonly type: string; readonly id: number }>(to: Poster, m: M): void {
  try {
    to.postMessage(m);
  } catch (err) {
    const { value: _value, error: _error, ...head } = m as M & { value?: unknown; error?: unknown };
    to.postMessage({ ...head, ok: false, error: serializeError(err) });
  }
}

/** A result as JSON text, encoded by the actor's worker (a call made with `jsonText: true`). */
export class JsonText {
  constructor(readonly text: string) {}
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
  }
}

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
    case 'object':
      return v === null || plainTree(v, depth + 1);
    default:
      return false;
  }
}
