/**
 * What an actor cell (the main-thread side of one actor) needs from the runtime that owns it.
 * Kept as an interface so cells do not import the Runtime class (no circular imports).
 */
import type { Logger } from 'pino';
import type { ActorInfo, ReloadResult } from './actor-info.js';
import type { RuntimeEvents } from './events.js';
import type { ConnectResult } from './protocol.js';
import type { ActorStats } from './stats.js';

export interface Supervisor {
  readonly home: string;
  readonly log: Logger;
  /** Level of the actors' `ctx.log` (their records are written through `log`). */
  readonly logLevel: string;
  readonly logCalls: boolean;
  /** Count calls and collect worker heaps (`RuntimeOptions.stats`). */
  readonly stats: boolean;
  /** Deadline of a `ctx.call` when neither the call nor the declaration names one. */
  readonly callTimeoutMs: number;
  emit<E extends keyof RuntimeEvents>(event: E, ...args: Parameters<RuntimeEvents[E]>): void;
  /** How actor `from` reaches `target`: a fresh direct port, the relay, or an error (later, if `target` is starting). */
  connect(from: string, target: string): ConnectResult | Promise<ConnectResult>;
  /** A call made by a worker through main (relay, resolver), with its chain and deadline. Counted for tests. */
  relay(from: string, target: string, method: string, params: unknown, chain: readonly string[], timeoutMs: number): Promise<unknown>;
  /** A stateful actor's worker of `incarnation` exited: tell every worker that may hold a port to it. */
  peerExited(name: string, incarnation: number, reason: string): void;
  /** Actor `name` has new code (hot reload): tell every worker to connect again for its next call. */
  peerMoved(name: string): void;
  /** How long a hot reload may take (load, drain, create) before it is abandoned and the old code kept. */
  readonly reloadTimeoutMs: number;
}

/** The main-thread side of one declared actor. */
export interface ActorCell {
  readonly name: string;
  readonly kind: 'stateful' | 'stateless';
  /** Resolves once the actor serves calls; rejects `ActorStartError` (no retry) if the first start fails. */
  start(): Promise<void>;
  /**
   * Call a method. `chain`: the actors the call passed through (empty from main). While the actor is
   * in its first start the call waits for it (bounded by the mailbox capacity and `timeoutMs`).
   * `jsonText`: the result may come as a `JsonText` (CallOptions.jsonText).
   */
  call(method: string, params: unknown, timeoutMs: number | undefined, chain?: readonly string[], jsonText?: boolean): Promise<unknown>;
  /** A direct channel from actor `from`'s worker to this actor (or an error saying why not); waits while it first starts. */
  openPeer(from: string): ConnectResult | Promise<ConnectResult>;
  /** An actor named `name` was declared: tell this actor's worker(s), which may have cached a relay for it. */
  notifyPeerAdded(name: string): void;
  info(): ActorInfo;
  /**
   * Hot reload: load the module again in new worker(s) beside the old, hand over, retire the old.
   * Rejects `ReloadFailedError` (the old code keeps serving) when the new code cannot be brought up.
   */
  reload(): Promise<ReloadResult>;
  /** Its call counters, mailbox and worker heaps now (runtime/stats.ts). */
  stats(): ActorStats;
  /** Graceful stop within `timeoutMs`, then forced. Idempotent. */
  stop(timeoutMs: number): Promise<void>;
}
