/**
 * Posting an answer (a call's reply, a relayed call's reply) on a port or channel: one way for every
 * place that answers. A value structured clone refuses (a function, a class with private state…)
 * becomes an error answer with the same head instead, so the caller is never left waiting.
 */
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
