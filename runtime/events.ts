/**
 * Events on the runtime's emitter (eventemitter3). The CLI's `watch` and the embedding API read them.
 */
export interface RuntimeEvents {
  /** A worker of the actor said `ready`. */
  'actor:started': (e: { name: string; threadId: number; restarts: number }) => void;
  /** A worker of the actor exited; `reason` says why (crash message, exit code, terminate, stop). */
  'actor:exited': (e: { name: string; threadId: number; reason: string; exitCode: number | null }) => void;
  /** A crashed actor is being restarted after `delayMs`. */
  'actor:restarted': (e: { name: string; attempt: number; delayMs: number }) => void;
  /** The restart intensity was exceeded; the actor is given up. */
  'actor:failed': (e: { name: string; reason: string }) => void;
  /** A hot reload began: the new code (`version`) is being loaded beside the old. */
  'actor:reloading': (e: { name: string; version: number }) => void;
  /** The new code serves; `ms` from `actor:reloading`; `stateCarried`: snapshot() went to restore(). */
  'actor:reloaded': (e: { name: string; version: number; ms: number; stateCarried: boolean }) => void;
  /** The new code could not be loaded; the old version (`version - 1`) keeps serving. */
  'actor:reload-failed': (e: { name: string; version: number; ms: number; reason: string }) => void;
  /** A call was refused because the mailbox was full. */
  'mailbox:full': (e: { name: string; capacity: number }) => void;
  /** An actor published an event with `ctx.emit(type, payload)` (e.g. a group converged). */
  'actor:event': (e: { actor: string; type: string; payload: unknown }) => void;
  /** An external plugin's process answers on every one of its sockets (first start or restart). */
  'external:started': (e: { name: string; pid: number; restarts: number }) => void;
  /** An external plugin's process exited (`reason`: its exit code or signal). */
  'external:exited': (e: { name: string; pid: number | undefined; reason: string; exitCode: number | null; signal: string | null }) => void;
  /** An external plugin that exited or stopped answering its probe is started again after `delayMs`. */
  'external:restarted': (e: { name: string; attempt: number; delayMs: number }) => void;
  /** An external plugin's restart intensity was exceeded; it is given up. */
  'external:failed': (e: { name: string; reason: string }) => void;
  /** A call finished (emitted only when call logging is on). */
  call: (e: { actor: string; method: string; ms: number; ok: boolean }) => void;
}
