/**
 * The little the socket front end needs from the runtime. The real `Runtime` satisfies it
 * structurally; tests use a tiny fake.
 */
import type { ActorInfo } from '../runtime/actor-info.js';

/** Events the front end follows to bind and unbind sockets as actors come and go. */
export interface PluginHostEvents {
  /** A worker of the actor said `ready` (first start or restart). */
  'actor:started': (e: { name: string }) => void;
  /** A worker exited: the actor may have been removed. */
  'actor:exited': (e: { name: string }) => void;
  /** The actor was given up. */
  'actor:failed': (e: { name: string }) => void;
}

export interface PluginHost {
  /** What the runtime knows of an actor; `undefined` when no actor has this name. */
  info(name: string): ActorInfo | undefined;
  /** Every declared actor. */
  list(): readonly ActorInfo[];
  /**
   * Call a method of an actor. Rejects with `InfrakitError` subclasses; the front end maps them with
   * `toJsonRpcError` (plugin errors -32000, bad params -32602, unknown method -32601, ...).
   */
  call(name: string, method: string, params?: unknown): Promise<unknown>;
  /** Optional: lifecycle events (eventemitter3 style), so the front end follows actors added later. */
  on?<K extends keyof PluginHostEvents>(event: K, fn: PluginHostEvents[K]): unknown;
  off?<K extends keyof PluginHostEvents>(event: K, fn: PluginHostEvents[K]): unknown;
}
