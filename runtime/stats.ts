/**
 * Per-actor figures for the observer and `/metrics` (docs/observer.md): calls counted on the main thread
 * where they enter an actor's mailbox and where their replies come back (by method and outcome, with a
 * latency histogram of fixed buckets), and the heap each worker reports. Direct actor-to-actor calls
 * never touch main: they show in the mailbox depth (a shared counter), not in these counts.
 * `runtime.stats()` returns a snapshot; recording costs two `performance.now()` and a map lookup per call.
 */
import { getHeapStatistics } from 'node:v8';

/** Upper bounds (ms) of the call-duration histogram's buckets; a last, open bucket counts the rest. */
export const LATENCY_BUCKETS_MS: readonly number[] = [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 30000];

/** At most this many distinct method names are counted per actor; further names count under `(other)`. */
export const MAX_METHODS_PER_ACTOR = 128;

/** Calls of one method: outcomes, and durations in `LATENCY_BUCKETS_MS` buckets (not cumulative; one more for +Inf). */
export interface MethodStats {
  readonly ok: number;
  readonly error: number;
  /** `buckets[i]` counts calls with duration ≤ `LATENCY_BUCKETS_MS[i]` and above the bound before; the last counts the rest. */
  readonly buckets: readonly number[];
  /** Sum of durations, ms. */
  readonly sumMs: number;
}

/** Heap of one worker thread, as it last reported it (every `HEAP_REPORT_MS`). */
export interface WorkerHeap {
  readonly threadId: number;
  readonly usedBytes: number;
  readonly totalBytes: number;
  readonly limitBytes: number;
}

/** How often a worker posts its heap figures to main. */
export const HEAP_REPORT_MS = 2000;

export interface ActorStats {
  readonly name: string;
  readonly kind: 'stateful' | 'stateless';
  readonly status: string;
  readonly threadIds: readonly number[];
  readonly restarts: number;
  /** Calls in the mailbox now (from every sender), and its bound. */
  readonly mailboxDepth: number;
  readonly mailboxCapacity: number;
  /** Calls refused because the mailbox was full. */
  readonly mailboxFull: number;
  /** By method name. */
  readonly methods: Readonly<Record<string, MethodStats>>;
  /** The heap of each live worker (a pool may have several). */
  readonly heap: readonly WorkerHeap[];
  /**
   * Calls from other actors over direct ports (they never pass main), by method: counted by the
   * actor's worker and reported with its heap, so up to `HEAP_REPORT_MS` late (and a crashed worker's
   * last report is lost). No durations.
   */
  readonly direct: Readonly<Record<string, { readonly ok: number; readonly error: number }>>;
}

export interface RuntimeStats {
  /** Whether calls are being counted (`RuntimeOptions.stats`). */
  readonly collecting: boolean;
  /** `Date.now()` of the snapshot. */
  readonly at: number;
  readonly latencyBucketsMs: readonly number[];
  readonly actors: readonly ActorStats[];
}

interface MutableMethod {
  ok: number;
  error: number;
  readonly buckets: number[];
  sumMs: number;
}

/** Outcomes of direct calls by method, `[ok, error]`: counted in a worker, posted (and reset) with its heap. */
export type DirectCounts = Record<string, [number, number]>;

/** A worker's count of the direct calls it answered since its last report. */
export class DirectCounter {
  #m = new Map<string, [number, number]>();

  add(method: string, ok: boolean): void {
    let c = this.#m.get(method);
    if (c === undefined) {
      const key = this.#m.size < MAX_METHODS_PER_ACTOR ? method : '(other)';
      c = this.#m.get(key) ?? [0, 0];
      this.#m.set(key, c);
    }
    c[ok ? 0 : 1]++;
  }

  /** The counts since the last call, or undefined when none. */
  take(): DirectCounts | undefined {
    if (this.#m.size === 0) return undefined;
    const out = Object.fromEntries(this.#m);
    this.#m = new Map();
    return out;
  }
}

/** The counters of one actor, kept on the main thread by its cell. */
export class CallCounters {
  readonly #methods = new Map<string, MutableMethod>();
  readonly #direct = new Map<string, { ok: number; error: number }>();
  mailboxFull = 0;
  readonly #heap = new Map<number, WorkerHeap>();

  /** A call of `method` finished after `ms`. */
  record(method: string, ok: boolean, ms: number): void {
    let m = this.#methods.get(method);
    if (m === undefined) {
      const key = this.#methods.size < MAX_METHODS_PER_ACTOR ? method : '(other)';
      m = this.#methods.get(key);
      if (m === undefined) {
        m = { ok: 0, error: 0, buckets: new Array<number>(LATENCY_BUCKETS_MS.length + 1).fill(0), sumMs: 0 };
        this.#methods.set(key, m);
      }
    }
    if (ok) m.ok++;
    else m.error++;
    m.sumMs += ms;
    let i = 0;
    while (i < LATENCY_BUCKETS_MS.length && ms > (LATENCY_BUCKETS_MS[i] as number)) i++;
    (m.buckets[i] as number)++;
  }

  setHeap(h: WorkerHeap): void {
    this.#heap.set(h.threadId, h);
  }

  addDirect(counts: DirectCounts | undefined): void {
    if (counts === undefined) return;
    for (const [method, [ok, error]] of Object.entries(counts)) {
      const key = this.#direct.has(method) || this.#direct.size < MAX_METHODS_PER_ACTOR ? method : '(other)';
      const c = this.#direct.get(key) ?? { ok: 0, error: 0 };
      c.ok += ok;
      c.error += error;
      this.#direct.set(key, c);
    }
  }

  direct(): Record<string, { ok: number; error: number }> {
    const out: Record<string, { ok: number; error: number }> = {};
    for (const [name, c] of this.#direct) out[name] = { ...c };
    return out;
  }

  dropHeap(threadId: number): void {
    this.#heap.delete(threadId);
  }

  heap(): WorkerHeap[] {
    return [...this.#heap.values()];
  }

  methods(): Record<string, MethodStats> {
    const out: Record<string, MethodStats> = {};
    for (const [name, m] of this.#methods) out[name] = { ok: m.ok, error: m.error, buckets: [...m.buckets], sumMs: m.sumMs };
    return out;
  }
}

/** The heap figures a worker reports of itself. */
export function ownHeap(threadId: number): WorkerHeap {
  const h = getHeapStatistics();
  return { threadId, usedBytes: h.used_heap_size, totalBytes: h.total_heap_size, limitBytes: h.heap_size_limit };
}
