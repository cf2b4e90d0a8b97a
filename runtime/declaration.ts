/**
 * How an actor is declared to the runtime: which module, stateful or stateless, its options,
 * its mailbox size, its restart policy and its worker's resource limits.
 */
import type { ResourceLimits } from 'node:worker_threads';

/** Erlang/OTP-style restart policy: exponential backoff, and at most `maxRestarts` within `withinMs`. */
export interface RestartPolicy {
  /** First backoff delay after a crash. Default 20 ms. */
  readonly initialDelayMs?: number;
  /** Backoff cap. Default 5000 ms. */
  readonly maxDelayMs?: number;
  /** Restart intensity: at most this many restarts... Default 5. */
  readonly maxRestarts?: number;
  /** ...within this window, else the actor is marked failed. Default 10000 ms. */
  readonly withinMs?: number;
}

export interface ActorDeclaration<Options = Record<string, unknown>> {
  /** The actor's name: its address for calls and its socket file name. No `/`. */
  readonly name: string;
  /**
   * The actor module: a built-in plugin kind (`'simulator'`, `'group'`, ...), an absolute path, or a
   * `file:` URL of a module whose default export is an `ActorDefinition`.
   */
  readonly module: string | URL;
  /** `stateful` (default): one dedicated worker thread. `stateless`: a pool of `threads` workers. */
  readonly kind?: 'stateful' | 'stateless';
  /**
   * Pool size for stateless actors. Default 2, of which one thread starts with the actor and the
   * second when calls from main queue up (it then stays); a size given here starts whole.
   */
  readonly threads?: number;
  /** Options handed to the actor's `create(ctx)` as `ctx.options`. Must be structured-cloneable. */
  readonly options?: Options;
  /** Mailbox capacity: calls waiting beyond this are refused with `MailboxFullError`. Default 1024. */
  readonly mailbox?: number;
  readonly restart?: RestartPolicy;
  /**
   * Deadline of each `ctx.call` this actor makes that names none (`ctx.call(a, m, p, { timeoutMs })`):
   * past it the call rejects with `CallTimeoutError`. Default the runtime's `callTimeoutMs` (60 000 ms).
   */
  readonly callTimeoutMs?: number;
  /**
   * Limits of the actor's worker thread (each pool thread of a stateless actor), as `new Worker`
   * takes them, e.g. `{ maxOldGenerationSizeMb: 256 }`. A worker that runs out of memory dies alone
   * (`ERR_WORKER_OUT_OF_MEMORY`), its pending calls get `ActorExitedError`, and it is restarted like
   * any crash; the process and the other actors go on. Merged over `DEFAULT_RESOURCE_LIMITS`.
   */
  readonly resourceLimits?: ResourceLimits;
}

/**
 * Every actor worker's limits unless its declaration says otherwise. The old generation is capped at
 * 1024 MB, so an actor that allocates without bound dies alone (`ERR_WORKER_OUT_OF_MEMORY`, restarted
 * like any crash) long before it takes the process down; the biggest real need, the simulator holding
 * 100,000 instances while the group converges them, stays far below it (see docs/architecture.md).
 * The stack is Node's worker default (4 MB), stated so `runtime.info()` shows it. The V8 young generation is
 * capped at 2 MB (512 KB semi-spaces). Node's default lets each busy isolate grow it to tens of MB:
 * converging 10,000 instances (bench/group.ts) peaked at 245-255 MB RSS uncapped, 211 MB capped at 8 MB;
 * later, 171-179 MB at 8 MB and 152-162 MB at 2 MB, for the same CPU time (3.5-4.3 and 3.7-4.3 CPU-s,
 * four runs each). An idle `up` is 8 MB smaller at 2 MB than at 8 (bench/footprint.ts). Messages are small and
 * short-lived, so the extra scavenges are cheap. An actor that needs more says so in its
 * declaration, e.g. `resourceLimits: { maxYoungGenerationSizeMb: 32 }`.
 */
export const DEFAULT_RESOURCE_LIMITS: Readonly<ResourceLimits> = {
  maxOldGenerationSizeMb: 1024,
  maxYoungGenerationSizeMb: 2,
  stackSizeMb: 4,
};

/** The limits a worker of `decl` gets. */
export function resourceLimitsOf(decl: Pick<ActorDeclaration, 'resourceLimits'>): ResourceLimits {
  return { ...DEFAULT_RESOURCE_LIMITS, ...decl.resourceLimits };
}
