/**
 * Typed clients for an in-process runtime, a socket caller or an actor's `ctx.call`:
 * `groupClient(runtime, 'group')`, `instanceClient(runtime, 'simulator/compute')`,
 * `flavorClient(runtime, 'vanilla')` (see docs/embedding.md). They are functions over anything that
 * calls, not methods of `Runtime`, so the runtime core does not depend on the plugin contracts.
 */
import type { Caller } from './common.js';
import { FlavorClient } from './flavor.js';
import { GroupClient } from './group.js';
import { InstanceClient } from './instance.js';

/** A `Caller` function, or an object with a `call(name, method, params)` method (a `Runtime`). */
export type CallTarget = Caller | { call(name: string, method: string, params?: unknown): Promise<unknown> };

/** The `Caller` of a target (binds a runtime's `call`). */
export function callerOf(target: CallTarget): Caller {
  if (typeof target === 'function') return target;
  return <R>(name: string, method: string, params?: unknown) => target.call(name, method, params) as Promise<R>;
}

/** A Group plugin, by plugin name (`group`, or `group/workers` as HEAD clients name it). */
export function groupClient(target: CallTarget, plugin = 'group'): GroupClient {
  return new GroupClient(callerOf(target), plugin);
}

/** An Instance plugin, by plugin name: `simulator/compute` calls actor `simulator` with `Type: 'compute'`. */
export function instanceClient(target: CallTarget, plugin: string): InstanceClient {
  return new InstanceClient(callerOf(target), plugin);
}

/** A Flavor plugin, by plugin name (`vanilla`, `combo`). */
export function flavorClient(target: CallTarget, plugin: string): FlavorClient {
  return new FlavorClient(callerOf(target), plugin);
}
