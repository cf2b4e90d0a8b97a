/**
 * Calls to instance and flavor plugins, with a deadline each, and the line between "the plugin said
 * no" and "the plugin could not be reached" (restarting, exited, overloaded, timed out): the second
 * is never taken as a fact about the instances.
 */
import { CallTimeoutError } from '../../runtime/errors.js';
import type { Caller } from '../spi/common.js';

const UNREACHABLE = new Set([
  'IK_ACTOR_RESTARTING',
  'IK_ACTOR_EXITED',
  'IK_ACTOR_FAILED',
  'IK_ACTOR_NOT_FOUND',
  'IK_ACTOR_START_FAILED',
  'IK_REMOTE',
  'IK_CALL_TIMEOUT',
  'IK_MAILBOX_FULL',
  'IK_RUNTIME_STOPPED',
]);

export function errorCode(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

/** The plugin could not be reached (or did not answer in time): nothing is known about its instances. */
export function isUnreachable(err: unknown): boolean {
  const code = errorCode(err);
  return code !== undefined && UNREACHABLE.has(code);
}

/** A lookup failure in Go's sense: the plugin is not there, or does not serve the interface. */
export function isLookupFailure(err: unknown): boolean {
  return isUnreachable(err) || errorCode(err) === 'IK_METHOD_NOT_FOUND';
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** A Caller whose calls reject with `CallTimeoutError` after `ms` (0 = no deadline). */
export function withDeadline(caller: Caller, ms: number): Caller {
  if (!(ms > 0)) return caller;
  return <R>(actor: string, method: string, params?: unknown): Promise<R> =>
    new Promise<R>((resolve, reject) => {
      const t = setTimeout(() => reject(new CallTimeoutError(actor, method, ms)), ms);
      t.unref?.();
      caller<R>(actor, method, params).then(
        (v) => {
          clearTimeout(t);
          resolve(v);
        },
        (e: unknown) => {
          clearTimeout(t);
          reject(e);
        },
      );
    });
}
