/**
 * The group controller's time: `now()` and one-shot timers. The real clock is `performance.now()` and
 * Node's timers; a ManualClock moves only when told, so tests make time pass without waiting for it.
 */
import { performance } from 'node:perf_hooks';

/** A timer handle, opaque to its user. */
export type TimerHandle = { readonly __timer: true } | NodeJS.Timeout;

export interface Clock {
  /** Milliseconds on a monotonic scale (only differences mean anything). */
  now(): number;
  /** Calls `fn` once after `ms`; a pending timer never keeps the process alive. */
  setTimeout(fn: () => void, ms: number): TimerHandle;
  clearTimeout(handle: TimerHandle): void;
}

export const realClock: Clock = {
  now: () => performance.now(),
  setTimeout(fn, ms) {
    const t = setTimeout(fn, ms);
    t.unref?.();
    return t;
  },
  clearTimeout(handle) {
    clearTimeout(handle as NodeJS.Timeout);
  },
};

interface ManualTimer {
  readonly __timer: true;
  readonly at: number;
  readonly seq: number;
  readonly fn: () => void;
}

/** Lets queued callbacks and promise chains run before time moves on. */
const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/**
 * A clock for tests: time stands still until `advance`, which runs each timer that falls due, in order,
 * at its own time. `run` and `until` move time in small steps and let the event loop turn between them,
 * so the work a timer starts (promise chains, fake plugin calls) happens at the time it was due.
 */
export class ManualClock implements Clock {
  private t: number;
  private seq = 0;
  private readonly timers = new Set<ManualTimer>();

  constructor(start = 0) {
    this.t = start;
  }

  now(): number {
    return this.t;
  }

  setTimeout(fn: () => void, ms: number): TimerHandle {
    const timer: ManualTimer = { __timer: true, at: this.t + Math.max(0, ms), seq: this.seq++, fn };
    this.timers.add(timer);
    return timer;
  }

  clearTimeout(handle: TimerHandle): void {
    this.timers.delete(handle as ManualTimer);
  }

  /** Timers not yet run. */
  get pending(): number {
    return this.timers.size;
  }

  /** Moves time forward by `ms` at once, running the timers due on the way (no event-loop turns between them). */
  advance(ms: number): void {
    const end = this.t + Math.max(0, ms);
    for (;;) {
      const next = this.nextDue(end);
      if (!next) break;
      this.timers.delete(next);
      this.t = next.at;
      next.fn();
    }
    this.t = end;
  }

  /** Lets `ms` of time pass in steps of `stepMs`, the event loop turning after each step. */
  async run(ms: number, stepMs = 5): Promise<void> {
    const end = this.t + ms;
    await turn();
    while (this.t < end) {
      this.advance(Math.min(stepMs, end - this.t));
      await turn();
    }
  }

  /**
   * Lets time pass in steps of `stepMs` until `check` holds; rejects once `withinMs` of clock time
   * has passed without it (clock time: how busy the machine is does not matter).
   */
  async until(what: string, check: () => boolean | Promise<boolean>, withinMs = 60_000, stepMs = 5): Promise<void> {
    const end = this.t + withinMs;
    await turn();
    for (;;) {
      if (await check()) return;
      if (this.t >= end) throw new Error(`timed out waiting for ${what} (${withinMs} ms of clock time)`);
      this.advance(stepMs);
      await turn();
    }
  }

  private nextDue(end: number): ManualTimer | undefined {
    let best: ManualTimer | undefined;
    for (const timer of this.timers) {
      if (timer.at > end) continue;
      if (!best || timer.at < best.at || (timer.at === best.at && timer.seq < best.seq)) best = timer;
    }
    return best;
  }
}
