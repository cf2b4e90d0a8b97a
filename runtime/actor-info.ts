/**
 * What the runtime tells about a declared actor: status, manifest, methods. The socket front end
 * answers handshakes and `/info/api.json` from this, with no hop to the worker.
 */
import type { ResourceLimits } from 'node:worker_threads';
import type { ActorManifest } from './actor.js';

export type ActorStatus = 'starting' | 'running' | 'restarting' | 'failed' | 'stopping' | 'stopped';

/** One method as documented in `/info/api.json`; `params` is a JSON Schema. */
export interface MethodDoc {
  readonly name: string;
  readonly params?: unknown;
  readonly example?: unknown;
  readonly exampleResult?: unknown;
  readonly description?: string;
}

/** The last hot reload of an actor (`runtime.reload(name)`), if any was asked for. */
export interface ReloadStatus {
  /** `reloading` while one is under way; `ok` once the new code serves; `failed` when the old code kept serving. */
  readonly state: 'reloading' | 'ok' | 'failed';
  /** The code version it was loading (the actor's `version` once it succeeded). */
  readonly version: number;
  /** When it started (ISO 8601). */
  readonly at: string;
  /** Milliseconds from start until the new code served, or until it failed. */
  readonly ms?: number;
  /** Whether the old code's `snapshot()` was handed to the new code's `restore()`. */
  readonly stateCarried?: boolean;
  /** What failed, when `state === 'failed'` (the module's syntax error, the message `create` threw, …). */
  readonly error?: string;
}

/** What `runtime.reload(name)` resolves to once the new code serves. */
export interface ReloadResult {
  readonly name: string;
  /** The actor's code version now. */
  readonly version: number;
  /** From the start of the reload until the new code served. */
  readonly ms: number;
  /** Whether the old code's `snapshot()` was handed to the new code's `restore()`. */
  readonly stateCarried: boolean;
}

export interface ActorInfo {
  readonly name: string;
  readonly kind: 'stateful' | 'stateless';
  readonly status: ActorStatus;
  /** Known once the actor has started the first time (the worker reports it with `ready`). */
  readonly manifest: ActorManifest | undefined;
  readonly methods: readonly MethodDoc[];
  /** Restarts since the runtime started. */
  readonly restarts: number;
  /** Worker thread ids now serving the actor. */
  readonly threadIds: readonly number[];
  /** Calls waiting in the mailbox, and its capacity. */
  readonly queued: number;
  readonly capacity: number;
  /** The limits each of its worker threads runs with (the defaults merged with the declaration's); always set by the runtime. */
  readonly resourceLimits?: ResourceLimits;
  /** Deadline of a `ctx.call` it makes that names none; always set by the runtime. */
  readonly callTimeoutMs?: number;
  /** Why the actor failed, when `status === 'failed'`. */
  readonly failure?: string;
  /** `file:` URL of the actor module; always set by the runtime. */
  readonly module?: string;
  /** Code version: 1 at the first start, one more for each successful hot reload; always set by the runtime. */
  readonly version?: number;
  /** The last hot reload, once one was asked for. */
  readonly reload?: ReloadStatus;
}

/**
 * A plugin outside this runtime (another process's socket), as the resolver returns it.
 * `call` throws `RemoteError` (or the remote's application error) on failure.
 */
export interface RemoteTarget {
  call(method: string, params: unknown): Promise<unknown>;
}

/** Resolves a name with no local actor; returns undefined when nothing answers to it. */
export type Resolver = (name: string) => RemoteTarget | undefined | Promise<RemoteTarget | undefined>;
