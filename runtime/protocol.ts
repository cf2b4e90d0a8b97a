/**
 * The message protocol between the supervisor (main thread) and actor workers. Types only.
 * `StartMessage` once over `parentPort` (hands over the control port); then `ToWorker` / `FromWorker`
 * on the control port, and `PeerRequest` / `PeerReply` on direct ports between workers. Calls and
 * replies posted in the same turn arrive as one array of them (runtime/batch-port.ts: `eachMessage`).
 * Every union is tagged by `type`; each switch over one is exhaustive (`never`), and an unknown tag
 * is a bug. Overview: docs/architecture.md.
 */
import type { ActorManifest } from './actor.js';
import type { MethodDoc } from './actor-info.js';
import type { SerializedError } from './errors.js';
import type { LogRecord } from './worker-log.js';
import type { DirectCounts, WorkerHeap } from './stats.js';
import type { MessagePort } from 'node:worker_threads';

/** First message posted to a fresh worker via `worker.postMessage`; everything else flows over `port`. */
export interface StartMessage {
  readonly type: 'start';
  /** The worker's end of its private control channel. */
  readonly port: MessagePort;
  readonly name: string;
  /** `file:` URL of the actor module. */
  readonly moduleUrl: string;
  readonly options: unknown;
  readonly home: string;
  /** Level of the worker's `ctx.log`; its records are posted to main (`log`), which writes them. */
  readonly logLevel: string;
  /**
   * Shared mailbox counter of this incarnation (Int32 at index 0: calls accepted and not yet
   * answered, from every sender). The worker decrements it when it answers a call.
   */
  readonly counter: SharedArrayBuffer;
  /** Deadline of a `ctx.call` that names none (the declaration's `callTimeoutMs`). */
  readonly callTimeoutMs: number;
  /**
   * A hot reload's new worker: load the module, post `loaded`, then wait for `create` (which brings the
   * old code's snapshot) before running `create(ctx)`.
   */
  readonly hold?: true;
  /** Post `heap` this often once ready; 0: never (the runtime's `stats: false`). */
  readonly heapReportMs: number;
}

/** Main → worker over the control port. */
export type ToWorker =
  /**
   * Run a method; answer with `reply` carrying the same id. `chain`: the actors the call passed
   * through (absent for calls from main and the sockets; set for calls relayed through main).
   * `json`: the caller would rather have the result as JSON text (`reply` with `json: true`).
   */
  | {
      readonly type: 'call';
      readonly id: number;
      readonly method: string;
      readonly params: unknown;
      readonly chain?: readonly string[];
      readonly json?: true;
    }
  /** Answer to `connect`: a direct port to the target, or use the relay through main, or an error. */
  | {
      readonly type: 'connected';
      readonly id: number;
      readonly target: string;
      readonly result: ConnectResult;
    }
  /** The target side of a direct channel: calls from `from` will arrive on `port`. */
  | { readonly type: 'peer'; readonly from: string; readonly port: MessagePort }
  /** A target's worker exited: reject calls pending on its port of that incarnation, forget the port. */
  | { readonly type: 'peer-exited'; readonly target: string; readonly incarnation: number; readonly reason: string }
  /** Actor `target` was declared: forget a cached relay for it, so the next call connects directly. */
  | { readonly type: 'peer-added'; readonly target: string }
  /** Answer to `relay-call`. */
  | { readonly type: 'relay-reply'; readonly id: number; readonly ok: true; readonly value: unknown }
  | { readonly type: 'relay-reply'; readonly id: number; readonly ok: false; readonly error: SerializedError }
  /**
   * Graceful stop: take no new calls, drain within `timeoutMs`, abort the signal, run `instance.stop()`.
   * `reloaded`: new code took over; calls not yet run are answered `ActorReloadedError` (their callers send them again).
   */
  | { readonly type: 'stop'; readonly timeoutMs: number; readonly reloaded?: true }
  /** Hot reload, old worker: run no call that arrives from now on (re-entrant ones excepted), finish the rest, then `paused`. */
  | { readonly type: 'pause' }
  /** The reload failed: run the calls held since `pause`, and go on as before. */
  | { readonly type: 'resume' }
  /** Hot reload, new worker (started with `hold`): run `create(ctx)`, then `restore(state)` when `hasState`. */
  | { readonly type: 'create'; readonly hasState: boolean; readonly state: unknown }
  /** Actor `target` has new code: new calls to it connect again; calls pending on the old link still get their answer. */
  | { readonly type: 'peer-moved'; readonly target: string };

/** How a worker reaches another actor. */
export type ConnectResult =
  /**
   * A direct channel to the target's worker (a stateful actor) or to one of its pool threads (a
   * stateless one); `counter` is the target's shared mailbox counter; `incarnation` the stateful
   * target's worker incarnation (for `peer-exited`), or the pool thread's id.
   */
  | {
      readonly mode: 'port';
      readonly port: MessagePort;
      readonly counter: SharedArrayBuffer;
      readonly capacity: number;
      readonly incarnation: number;
    }
  /** No direct channel (a plugin in another process, through the resolver): send `relay-call` to main. */
  | { readonly mode: 'relay' }
  /** The target cannot take calls now (restarting, failed, unknown). */
  | { readonly mode: 'error'; readonly error: SerializedError };

/** Worker → main over the control port. */
export type FromWorker =
  /** `create(ctx)` resolved; the mailbox may open. */
  | {
      readonly type: 'ready';
      readonly threadId: number;
      readonly manifest: ActorManifest;
      readonly methods: MethodDoc[];
      readonly concurrency: number;
      /** A reload's new worker ran `restore(state)` with the old code's snapshot. */
      readonly restored?: boolean;
    }
  /** A `hold` worker loaded its module and waits for `create`. */
  | { readonly type: 'loaded' }
  /** Answer to `pause`: every call it took has finished; `state` is `snapshot()`'s (when `hasState`). */
  | { readonly type: 'paused'; readonly hasState: boolean; readonly state: unknown }
  /** `pause` could not complete (`snapshot()` threw, or its state cannot cross threads); the worker resumed. */
  | { readonly type: 'pause-failed'; readonly error: SerializedError }
  /** The module could not be loaded or `create` threw. The worker exits after this. */
  | { readonly type: 'start-failed'; readonly error: SerializedError }
  /** Uncaught exception or unhandled rejection; the worker exits 1 right after. */
  | { readonly type: 'crash'; readonly error: SerializedError }
  /** Answer to a `call`. With `json: true`, `value` is the result's JSON: text, or UTF-8 bytes in a transferred buffer (`jsonReplyOf`). */
  | { readonly type: 'reply'; readonly id: number; readonly ok: true; readonly value: unknown; readonly json?: true }
  | { readonly type: 'reply'; readonly id: number; readonly ok: false; readonly error: SerializedError }
  /** `ctx.emit(type, payload)`. */
  | { readonly type: 'event'; readonly event: string; readonly payload: unknown }
  /** A `ctx.log` record at or above the worker's level, for main's logger to write. */
  | { readonly type: 'log'; readonly record: LogRecord }
  /** Ask for a way to reach `target` (first `ctx.call` to it, or after it restarted). */
  | { readonly type: 'connect'; readonly id: number; readonly target: string }
  /** Call `target` through main (plugins in other processes), with the caller's chain and deadline. */
  | {
      readonly type: 'relay-call';
      readonly id: number;
      readonly target: string;
      readonly method: string;
      readonly params: unknown;
      readonly chain: readonly string[];
      readonly timeoutMs: number;
    }
  /** A direct call to `target` was refused because its mailbox was full (for the `mailbox:full` event). */
  | { readonly type: 'mailbox-full'; readonly target: string; readonly capacity: number }
  /** The worker's heap and the direct calls it answered since, posted every `HEAP_REPORT_MS` once it is ready (runtime/stats.ts). */
  | { readonly type: 'heap'; readonly heap: WorkerHeap; readonly direct?: DirectCounts }
  /** Graceful stop finished; main may terminate the worker. */
  | { readonly type: 'stopped' };

/** Caller → target over a direct peer port; `chain` ends with the calling actor. */
export type PeerRequest = {
  readonly type: 'call';
  readonly id: number;
  readonly method: string;
  readonly params: unknown;
  readonly chain: readonly string[];
};

/** Target → caller over a direct peer port. */
export type PeerReply =
  | { readonly type: 'reply'; readonly id: number; readonly ok: true; readonly value: unknown }
  | { readonly type: 'reply'; readonly id: number; readonly ok: false; readonly error: SerializedError };

/** `workerData` of a stateless actor's piscina pool (one pool per actor). */
export interface PoolData {
  readonly name: string;
  readonly moduleUrl: string;
  readonly options: unknown;
  readonly home: string;
  readonly logLevel: string;
  /** BroadcastChannel name on which pool threads send `ctx.call`/`ctx.emit`/`ctx.log` to main. */
  readonly channel: string;
  /** The actor's shared mailbox counter (Int32 at 0); a pool thread subtracts when it answers a direct call. */
  readonly counter: SharedArrayBuffer;
  /** Deadline of a `ctx.call` that names none. */
  readonly callTimeoutMs: number;
  /** Post `heap` on the channel this often once loaded; 0: never. */
  readonly heapReportMs: number;
}

/** A task for a pool thread. */
export type PoolTask =
  /** Load the module (once per thread) and report manifest and method docs. */
  | { readonly type: 'probe' }
  | { readonly type: 'call'; readonly method: string; readonly params: unknown; readonly chain?: readonly string[] }
  /** Serve `PeerRequest`s from actor `from` arriving on `port` (a direct link), until the port closes. */
  | { readonly type: 'attach'; readonly from: string; readonly port: MessagePort }
  /**
   * Graceful stop of this thread's actor instance (one task pinned to each thread): refuse new direct
   * calls, drain the running ones within `timeoutMs`, abort `ctx.signal`, run `instance.stop()`.
   * `reloaded`: a new pool took over, so direct calls are refused with `ActorReloadedError` (sent again).
   */
  | { readonly type: 'stop'; readonly timeoutMs: number; readonly reloaded?: true };

/** What a pool task resolves to (handler errors are returned, not thrown: a rejection means the thread died). */
export type PoolResult =
  | { readonly type: 'probe'; readonly threadId: number; readonly manifest: ActorManifest; readonly methods: MethodDoc[] }
  | { readonly type: 'attached'; readonly threadId: number }
  | { readonly type: 'stopped'; readonly threadId: number }
  | { readonly type: 'reply'; readonly threadId: number; readonly ok: true; readonly value: unknown }
  | { readonly type: 'reply'; readonly threadId: number; readonly ok: false; readonly error: SerializedError };

/** Pool thread ↔ main over the actor's BroadcastChannel. Everyone hears everything; filter by `threadId`. */
export type PoolChannelMessage =
  | {
      readonly type: 'call';
      readonly threadId: number;
      readonly id: number;
      readonly target: string;
      readonly method: string;
      readonly params: unknown;
      readonly chain: readonly string[];
      readonly timeoutMs: number;
    }
  | { readonly type: 'event'; readonly threadId: number; readonly event: string; readonly payload: unknown }
  | { readonly type: 'log'; readonly threadId: number; readonly record: LogRecord }
  | { readonly type: 'heap'; readonly threadId: number; readonly heap: WorkerHeap; readonly direct?: DirectCounts }
  | { readonly type: 'reply'; readonly threadId: number; readonly id: number; readonly ok: true; readonly value: unknown }
  | { readonly type: 'reply'; readonly threadId: number; readonly id: number; readonly ok: false; readonly error: SerializedError };
