/**
 * The little the socket front end needs from the runtime. The real `Runtime` satisfies it
 * structurally; tests use a tiny fake.
 */
import type { ActorInfo, ReloadResult } from '../runtime/actor-info.js';

/**
 * Events the front end follows: lifecycle ones to bind and unbind sockets as actors come and go,
 * and all of them to stream an actor's events on `GET /events` (Server-Sent Events). Payloads carry
 * more fields than listed here (the runtime's `RuntimeEvents`); the stream forwards them whole.
 */
export interface PluginHostLifecycleEvents {
  /** A worker of the actor said `ready` (first start or restart). */
  'actor:started': (e: { name: string }) => void;
  /** A worker exited: the actor may have been removed. */
  'actor:exited': (e: { name: string }) => void;
  /** A crashed actor is being restarted. */
  'actor:restarted': (e: { name: string }) => void;
  /** The actor was given up. */
  'actor:failed': (e: { name: string }) => void;
  /** A call was refused because the actor's mailbox was full. */
  'mailbox:full': (e: { name: string }) => void;
  /** A hot reload of the actor began, finished, or failed (the old code kept serving). */
  'actor:reloading': (e: { name: string }) => void;
  'actor:reloaded': (e: { name: string }) => void;
  'actor:reload-failed': (e: { name: string }) => void;
}

export interface PluginHostEvents extends PluginHostLifecycleEvents {
  /** An actor published an event with `ctx.emit(type, payload)`. */
  'actor:event': (e: { actor: string; type: string; payload: unknown }) => void;
}

export interface PluginHost {
  /** What the runtime knows of an actor; `undefined` when no actor has this name. */
  info(name: string): ActorInfo | undefined;
  /** Every declared actor. */
  list(): readonly ActorInfo[];
  /**
   * Call a method of an actor. Rejects with `InfrakitError` subclasses; the front end maps them with
   * `toJsonRpcError` (plugin errors -32000, bad params -32602, unknown method -32601, ...).
   * With `jsonText`, the result may come as a `JsonText` (its JSON, encoded by the actor's worker).
   */
  call(name: string, method: string, params?: unknown, opts?: { readonly jsonText?: boolean }): Promise<unknown>;
  /** Optional: hot reload of an actor's code (`POST /reload`); a host without it answers 404 there. */
  reload?(name: string): Promise<ReloadResult>;
  /**
   * Optional: events (eventemitter3 style), so the front end follows actors added later and serves
   * `GET /events`. A host without `on` answers `/events` with 404, as a plugin that publishes nothing.
   */
  on?<K extends keyof PluginHostLifecycleEvents>(event: K, fn: PluginHostLifecycleEvents[K]): unknown;
  on?(event: 'actor:event', fn: PluginHostEvents['actor:event']): unknown;
  off?<K extends keyof PluginHostLifecycleEvents>(event: K, fn: PluginHostLifecycleEvents[K]): unknown;
  off?(event: 'actor:event', fn: PluginHostEvents['actor:event']): unknown;
}
