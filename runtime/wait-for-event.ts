/**
 * Waiting for one actor event, for host apps and tests:
 *
 * ```ts
 * const e = await waitForEvent(runtime, (e) => e.type === 'group:converged' && (e.payload as { ID: string }).ID === 'workers', { timeoutMs: 30_000 });
 * ```
 */
import type { RuntimeEvents } from './events.js';

/** An `actor:event` record: who published it, its type and payload. */
export type ActorEvent = Parameters<RuntimeEvents['actor:event']>[0];

/** Anything with the runtime's `on`/`off` for `actor:event` (a `Runtime`). */
export interface ActorEventSource {
  on(event: 'actor:event', fn: RuntimeEvents['actor:event']): unknown;
  off(event: 'actor:event', fn: RuntimeEvents['actor:event']): unknown;
}

export interface WaitForEventOptions {
  /** Reject with a `TimeoutError` (DOMException) after this long. */
  readonly timeoutMs?: number;
  /** Reject with the signal's reason when it aborts. */
  readonly signal?: AbortSignal;
}

/**
 * The next `actor:event` matching `match`: an event type (`'group:converged'`) or a predicate.
 * Only events published after the call count.
 */
export function waitForEvent(
  source: ActorEventSource,
  match: string | ((e: ActorEvent) => boolean),
  opts: WaitForEventOptions = {},
): Promise<ActorEvent> {
  const test = typeof match === 'string' ? (e: ActorEvent) => e.type === match : match;
  const signals = [opts.signal, opts.timeoutMs === undefined ? undefined : AbortSignal.timeout(opts.timeoutMs)].filter(
    (s): s is AbortSignal => s !== undefined,
  );
  const signal = signals.length === 0 ? undefined : signals.length === 1 ? signals[0] : AbortSignal.any(signals);
  return new Promise<ActorEvent>((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const done = (): void => {
      source.off('actor:event', onEvent);
      signal?.removeEventListener('abort', onAbort);
    };
    const onEvent = (e: ActorEvent): void => {
      let hit: boolean;
      try {
        hit = test(e);
      } catch (err) {
        done();
        return reject(err);
      }
      if (!hit) return;
      done();
      resolve(e);
    };
    const onAbort = (): void => {
      done();
      reject(signal?.reason);
    };
    source.on('actor:event', onEvent);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
