/**
 * One-for-one restart decisions, Erlang/OTP style: exponential backoff, and at most `maxRestarts`
 * restarts within a sliding window of `withinMs`; beyond that the actor is given up (failed).
 */
import type { RestartPolicy } from './declaration.js';

export const DEFAULT_RESTART_POLICY: Required<RestartPolicy> = {
  initialDelayMs: 20,
  maxDelayMs: 5000,
  maxRestarts: 5,
  withinMs: 10_000,
};

export type RestartDecision =
  | { readonly restart: true; readonly attempt: number; readonly delayMs: number }
  | { readonly restart: false; readonly restartsInWindow: number };

/** Remembers recent restarts of one actor and decides what to do after the next crash. */
export class RestartTracker {
  readonly #policy: Required<RestartPolicy>;
  #times: number[] = [];

  constructor(...policies: (RestartPolicy | undefined)[]) {
    this.#policy = Object.assign({}, DEFAULT_RESTART_POLICY, ...policies.filter(Boolean)) as Required<RestartPolicy>;
  }

  get policy(): Required<RestartPolicy> {
    return this.#policy;
  }

  /** Call once per crash. `attempt` counts restarts inside the window (1 = first). */
  next(now = Date.now()): RestartDecision {
    const { withinMs, maxRestarts, initialDelayMs, maxDelayMs } = this.#policy;
    this.#times = this.#times.filter((t) => now - t < withinMs);
    if (this.#times.length >= maxRestarts) return { restart: false, restartsInWindow: this.#times.length };
    this.#times.push(now);
    const attempt = this.#times.length;
    return { restart: true, attempt, delayMs: Math.min(initialDelayMs * 2 ** (attempt - 1), maxDelayMs) };
  }
}
