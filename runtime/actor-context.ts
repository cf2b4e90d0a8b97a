/**
 * Starting an actor instance inside a worker, the same way for both kinds (actor-host.ts for a
 * stateful actor, pool-worker.ts for each pool thread): load the module, build its `ctx`, run
 * `create(ctx)`, and check what it returned. Only the transports of `call`, `emit` and `log` differ.
 */
import type { ActorContext, ActorDefinition, ActorInstance } from './actor.js';
import { loadDefinition } from './definition.js';

export interface ActorStart {
  readonly name: string;
  /** `file:` URL of the actor module. */
  readonly moduleUrl: string;
  readonly options: unknown;
  readonly home: string;
  /** `ctx.signal`: aborted when this instance stops. */
  readonly signal: AbortSignal;
  /** How `ctx.call` reaches other actors; `timeoutMs` is the caller's, if it named one. */
  call(actor: string, method: string, params: unknown, timeoutMs: number | undefined): Promise<unknown>;
  /** How `ctx.emit` reaches the runtime. */
  emit(type: string, payload: unknown): void;
}

/** Load, build `ctx`, `create(ctx)`; rejects when the module is no actor or `create()` fails or returns no handlers. */
export async function createActor(
  s: ActorStart,
  log: ActorContext['log'],
): Promise<{ def: ActorDefinition; instance: ActorInstance; ctx: ActorContext }> {
  return createInstance(await loadDefinition(s.moduleUrl), s, log);
}

/** Build `ctx` and run `create(ctx)` of a loaded definition; rejects when it throws or returns no handlers. */
export async function createInstance(
  def: ActorDefinition,
  s: ActorStart,
  log: ActorContext['log'],
): Promise<{ def: ActorDefinition; instance: ActorInstance; ctx: ActorContext }> {
  const ctx: ActorContext = {
    name: s.name,
    options: (s.options ?? {}) as Record<string, unknown>,
    home: s.home,
    log,
    signal: s.signal,
    call: <R>(actor: string, method: string, params?: unknown, opts?: { timeoutMs?: number }) =>
      s.call(actor, method, params, opts?.timeoutMs) as Promise<R>,
    emit: (type: string, payload?: unknown) => s.emit(type, payload),
  };
  const instance = await def.create(ctx);
  if (typeof instance !== 'object' || instance === null || typeof instance.handlers !== 'object') {
    throw new Error('create() must return { handlers }');
  }
  return { def, instance, ctx };
}
