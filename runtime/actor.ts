/**
 * The actor-authoring API: an actor module's default export is an `ActorDefinition` written with
 * `defineActor({ manifest, methods, create(ctx) })` (example in docs/embedding.md). `create` runs in
 * the actor's worker once per (re)start and the state it closes over is the actor's state; handlers
 * are keyed by wire method name (`Service.Method`); a plain `Error` thrown answers -32000 verbatim.
 */
import type { Schema } from './schema.js';
import type { ActorLogger } from './worker-log.js';

/** One interface an actor implements, e.g. `{ name: 'Instance', version: '0.6.1' }`. */
export interface InterfaceSpec {
  readonly name: string;
  readonly version: string;
}

/** What an actor says about itself; the socket front end answers handshakes from it, without a hop to the worker. */
export interface ActorManifest {
  /**
   * Every interface and version served. List older versions first: `Plugin.Implements`,
   * `Handshake.Implements` and `Handshake.Types` report the first (oldest) version of each name,
   * `Handshake.Hello` reports them all.
   */
  readonly interfaces: readonly InterfaceSpec[];
  /** Typed sub-objects (`compute`, `disk` for `simulator/compute`); default `['.']`, a single unnamed object. */
  readonly objects?: readonly string[];
  /** `Vendor` of `/info/api.json`. */
  readonly vendor?: { readonly name: string; readonly version: string; readonly url?: string };
}

/** Metadata of one method: its params schema (validated, case-insensitive keys) and examples for `/info/api.json`. */
export interface MethodInfo {
  /**
   * JSON Schema of `params` (built with `S` from runtime/schema.ts, by hand, or by TypeBox). Keys are
   * matched case-insensitively (Go `encoding/json`); unknown keys are ignored.
   */
  readonly params?: Schema;
  /** Example params shown in `/info/api.json`. */
  readonly example?: unknown;
  /** Example result shown in `/info/api.json`. */
  readonly exampleResult?: unknown;
  readonly description?: string;
}

/** Options of one `ctx.call`. */
export interface ActorCallOptions {
  /** Reject with `CallTimeoutError` after this long. Default: the declaration's `callTimeoutMs`. */
  readonly timeoutMs?: number;
}

/** What a running actor can do, handed to `create` inside its worker. */
export interface ActorContext<Options = Record<string, unknown>> {
  /** The actor's name, which is also its socket name. */
  readonly name: string;
  /** Options from the actor's declaration. */
  readonly options: Options;
  /** `INFRAKIT_HOME` of the runtime. Persistent files go below it. */
  readonly home: string;
  /**
   * The actor's logger, pino's API (`info(obj, msg)`, `child`, …): records go to the runtime's pino
   * logger on the main thread, bound to `{ actor, threadId }` (runtime/worker-log.ts).
   */
  readonly log: ActorLogger;
  /** Aborted when the actor is being stopped; long loops and timers should watch it. */
  readonly signal: AbortSignal;
  /**
   * Call another actor by name. A local actor is reached over a direct MessagePort (not through the
   * main thread); any other name goes to the runtime's resolver (a plugin socket in another process).
   * Every call has a deadline: `opts.timeoutMs`, else the declaration's `callTimeoutMs` (default
   * 60 s); past it the call rejects with `CallTimeoutError` (the target may still finish it). A chain
   * of calls more than `MAX_CALL_DEPTH` actors deep is refused with `CallDepthError`.
   */
  call<R = unknown>(actor: string, method: string, params?: unknown, opts?: ActorCallOptions): Promise<R>;
  /** Publish an event on the runtime's emitter as `actor:event` with `{ actor, type, payload }`. */
  emit(type: string, payload?: unknown): void;
}

/** A handler: takes the validated params, returns the result (or a promise of it). */
// Handlers are contravariant in their params; `any` lets typed handlers sit in one map.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Handler = (params: any) => unknown;

/**
 * A live actor: its handlers, an optional cleanup run on graceful stop, and optional hooks that carry
 * its state across a hot reload (OTP's `code_change`): the old code's `snapshot()` runs once its calls
 * have drained, and the new code's `restore(state)` runs right after its `create(ctx)`, before it takes
 * a call. The state crosses threads by structured clone. Without both hooks the new code starts fresh.
 */
export interface ActorInstance {
  readonly handlers: Readonly<Record<string, Handler>>;
  stop?(): void | Promise<void>;
  snapshot?(): unknown;
  restore?(state: unknown): void | Promise<void>;
}

export interface ActorDefinition<Options = Record<string, unknown>> {
  /** Static manifest, or one computed from the declaration's options (e.g. the simulator's objects). */
  readonly manifest: ActorManifest | ((options: Options) => ActorManifest);
  /** Method metadata keyed by wire method name. Methods without an entry take any params. */
  readonly methods?: Readonly<Record<string, MethodInfo>>;
  /**
   * How many calls may run at once. Default 1: messages are taken one at a time, in FIFO order.
   * Actors that await other actors (the group) may allow more.
   */
  readonly concurrency?: number;
  /**
   * A stateless actor keeps nothing between calls, so any thread may answer: the runtime may serve it
   * from a pool of several threads (piscina).
   */
  readonly stateless?: boolean;
  create(ctx: ActorContext<Options>): ActorInstance | Promise<ActorInstance>;
}

/** Identity function that gives an actor module full type checking. */
export function defineActor<Options = Record<string, unknown>>(def: ActorDefinition<Options>): ActorDefinition<Options> {
  return def;
}

/** The manifest of a definition for given options. */
export function resolveManifest<O>(def: ActorDefinition<O>, options: O): ActorManifest {
  return typeof def.manifest === 'function' ? def.manifest(options) : def.manifest;
}
