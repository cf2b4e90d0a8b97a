/**
 * Per-actor figures for the observer and `/metrics` (docs/observer.md): calls counted on the main thread
 * where they enter an actor's mailbox and where their replies come back (by method and outcome, with a
 * latency histogram of fixed buckets), and the heap each worker reports. Direct actor-to-actor calls
 * never touch main: the answering worker times and counts them the same way (`DirectCounter`) and posts
 * them with its heap report, merged here into `direct`.
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
   * Calls from other actors over direct ports (they never pass main), by method: counted and timed by
   * the actor's worker (from taking the call off its port to queueing the reply, so without the hop
   * between threads that `methods` includes) and reported with its heap, so up to `HEAP_REPORT_MS` late
   * (and a crashed worker's last report is lost).
   */
  readonly direct: Readonly<Record<string, MethodStats>>;
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

function newMethod(): MutableMethod {
  return { ok: 0, error: 0, buckets: new Array<number>(LATENCY_BUCKETS_MS.length + 1).fill(0), sumMs: 0 };
}

/** The entry of `method` in `map`, created on first use; past `MAX_METHODS_PER_ACTOR` names, `(other)`'s. */
function entryOf(map: Map<string, MutableMethod>, method: string): MutableMethod {
  let m = map.get(method);
  if (m === undefined) {
    const key = map.size < MAX_METHODS_PER_ACTOR ? method : '(other)';
    m = map.get(key);
    if (m === undefined) {
      m = newMethod();
      map.set(key, m);
    }
  }
  return m;
}

function observe(m: MutableMethod, ok: boolean, ms: number): void {
  if (ok) m.ok++;
  else m.error++;
  m.sumMs += ms;
  let i = 0;
  while (i < LATENCY_BUCKETS_MS.length && ms > (LATENCY_BUCKETS_MS[i] as number)) i++;
  (m.buckets[i] as number)++;
}

/**
 * Direct calls by method, as a worker posts them (and resets them) with its heap: outcomes and durations
 * in the `LATENCY_BUCKETS_MS` buckets. At most `MAX_METHODS_PER_ACTOR` names plus `(other)` per report.
 */
export type DirectCounts = Record<string, MethodStats>;

/** A worker's count and timing of the direct calls it answered since its last report. */
export class DirectCounter {
  #m = new Map<string, MutableMethod>();

  /** A direct call of `method` was answered `ms` after the worker took it off its port. */
  add(method: string, ok: boolean, ms: number): void {
    observe(entryOf(this.#m, method), ok, ms);
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
  readonly #direct = new Map<string, MutableMethod>();
  mailboxFull = 0;
  readonly #heap = new Map<number, WorkerHeap>();

  /** A call of `method` finished after `ms`. */
  record(method: string, ok: boolean, ms: number): void {
    observe(entryOf(this.#methods, method), ok, ms);
  }

  setHeap(h: WorkerHeap): void {
    this.#heap.set(h.threadId, h);
  }

  /** Merge a worker's report of direct calls (bounded like `record`: at most the buckets we know). */
  addDirect(counts: DirectCounts | undefined): void {
    if (counts === undefined) return;
    for (const [method, r] of Object.entries(counts)) {
      const c = entryOf(this.#direct, method);
      c.ok += r.ok;
      c.error += r.error;
      c.sumMs += r.sumMs;
      for (let i = 0; i < c.buckets.length; i++) (c.buckets[i] as number) += r.buckets[i] ?? 0;
    }
  }

  direct(): Record<string, MethodStats> {
    return snapshotOf(this.#direct);
  }

  dropHeap(threadId: number): void {
    this.#heap.delete(threadId);
  }

  heap(): WorkerHeap[] {
    return [...this.#heap.values()];
  }

  methods(): Record<string, MethodStats> {
    return snapshotOf(this.#methods);
  }
}

function snapshotOf(map: Map<string, MutableMethod>): Record<string, MethodStats> {
  const out: Record<string, MethodStats> = {};
  for (const [name, m] of map) out[name] = { ok: m.ok, error: m.error, buckets: [...m.buckets], sumMs: m.sumMs };
  return out;
}

/** The heap figures a worker reports of itself. */
export function ownHeap(threadId: number): WorkerHeap {
  const h = getHeapStatistics();
  return { threadId, usedBytes: h.used_heap_size, totalBytes: h.total_heap_size, limitBytes: h.heap_size_limit };
}
