/**
 * One error class per failure, each with a stable string code.
 * Codes are never reused. `ERROR_CODES` is the single registry that maps a code to its JSON-RPC
 * error code and a one-line description (docs/errors.md is checked against it by a test).
 * Errors cross thread boundaries as plain `{ name, code, message, data }` records
 * (structured clone drops custom fields of Error subclasses) and are rebuilt by code on the
 * other side with `reviveError`, so `instanceof` and `code` survive a hop through a worker.
 */

/** JSON-RPC 2.0 error codes we produce. */
export const JsonRpcCode = {
  ParseError: -32700,
  InvalidRequest: -32600,
  MethodNotFound: -32601,
  InvalidParams: -32602,
  InternalError: -32603,
  /** InfraKit's Go stack reports every plugin (application) error as -32000. */
  Application: -32000,
} as const;
export type JsonRpcCode = (typeof JsonRpcCode)[keyof typeof JsonRpcCode];

interface CodeInfo {
  readonly rpc: JsonRpcCode;
  readonly description: string;
}

/** The registry: stable code -> JSON-RPC code + description. */
export const ERROR_CODES = {
  IK_APPLICATION: { rpc: JsonRpcCode.Application, description: "A plugin method failed; the message is the plugin's own text." },
  IK_INVALID_PARAMS: {
    rpc: JsonRpcCode.InvalidParams,
    description: "The params do not fit the method's schema; the message names the field.",
  },
  IK_METHOD_NOT_FOUND: { rpc: JsonRpcCode.MethodNotFound, description: 'The actor does not serve this method.' },
  IK_ACTOR_NOT_FOUND: { rpc: JsonRpcCode.Application, description: 'No actor or plugin is known under this name.' },
  IK_MAILBOX_FULL: { rpc: JsonRpcCode.Application, description: "The actor's mailbox is full; the call was refused at once (overload)." },
  IK_ACTOR_EXITED: { rpc: JsonRpcCode.Application, description: "The actor's worker exited or crashed while the call was pending." },
  IK_ACTOR_RESTARTING: { rpc: JsonRpcCode.Application, description: 'The actor is restarting after a crash; try again shortly.' },
  IK_ACTOR_FAILED: {
    rpc: JsonRpcCode.Application,
    description: 'The actor crashed too often (restart intensity exceeded) and was given up.',
  },
  IK_ACTOR_START_FAILED: { rpc: JsonRpcCode.Application, description: 'The actor module could not be loaded or its create() threw.' },
  IK_RUNTIME_STOPPED: { rpc: JsonRpcCode.Application, description: 'The runtime is stopping or stopped; no new calls are taken.' },
  IK_CALL_TIMEOUT: { rpc: JsonRpcCode.Application, description: 'The call did not finish within its deadline.' },
  IK_DUPLICATE_ACTOR: { rpc: JsonRpcCode.Application, description: 'An actor with this name is already declared.' },
  IK_REMOTE: { rpc: JsonRpcCode.Application, description: 'A plugin in another process answered with an error or could not be reached.' },
  IK_SOCKET_IN_USE: {
    rpc: JsonRpcCode.Application,
    description: 'A live process already answers on the plugin socket; it is never taken over.',
  },
  IK_STORE_UNAVAILABLE: {
    rpc: JsonRpcCode.Application,
    description: 'The spec store (etcd) could not be reached or did not answer in time; nothing was saved.',
  },
  IK_NOT_LEADER: {
    rpc: JsonRpcCode.Application,
    description: 'A write reached a runtime that does not lead the cluster; the message names the leader.',
  },
  IK_LIMIT_EXCEEDED: {
    rpc: JsonRpcCode.InvalidParams,
    description: 'An input is over one of the documented limits (docs/limits.md); the message names the limit and the value.',
  },
  IK_CALL_DEPTH: {
    rpc: JsonRpcCode.Application,
    description: 'A chain of actor-to-actor calls grew too deep (a plugin calling itself through others); refused at once.',
  },
  IK_ACTOR_STARTING: {
    rpc: JsonRpcCode.Application,
    description: 'The actor is starting and does not serve calls yet; try again shortly.',
  },
  IK_GROUP_QUARANTINED: {
    rpc: JsonRpcCode.Application,
    description: 'The stored group is set aside (quarantined) and not managed; the message says why.',
  },
  IK_UNSAFE_PATH: {
    rpc: JsonRpcCode.Application,
    description: 'A path the runtime writes is not a regular file (a link, FIFO, directory…); it is refused, never followed or waited on.',
  },
  IK_HOME_IN_USE: { rpc: JsonRpcCode.Application, description: 'A live runtime already serves this INFRAKIT_HOME; nothing was started.' },
  IK_STORE_CORRUPT: {
    rpc: JsonRpcCode.Application,
    description: 'The spec store file does not parse; the message names the file and the position of the error.',
  },
  IK_SERVER_BUSY: {
    rpc: JsonRpcCode.Application,
    description: 'The socket front end is at its connection or buffered-bytes limit; the request was refused.',
  },
  IK_ACTOR_RELOADED: {
    rpc: JsonRpcCode.Application,
    description: "The actor's code was reloaded before the call ran; callers inside the runtime send it again to the new code.",
  },
  IK_RELOAD_FAILED: {
    rpc: JsonRpcCode.Application,
    description: 'The new code of an actor could not be loaded (syntax error, throwing create, no definition); the old code keeps serving.',
  },
  IK_INTERNAL: { rpc: JsonRpcCode.InternalError, description: 'An unexpected internal failure (a bug).' },
} as const satisfies Record<string, CodeInfo>;

export type ErrorCode = keyof typeof ERROR_CODES;

/** Serialised form of an error, safe for structured clone and JSON. */
export interface SerializedError {
  readonly name: string;
  readonly code: string;
  readonly message: string;
  readonly data?: unknown;
  readonly stack?: string;
}

const BRAND = Symbol.for('infrakit-ts.error');

/** Base class of every error the runtime produces. */
export class InfrakitError extends Error {
  readonly code: ErrorCode;
  readonly data: unknown;

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown; data?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.data = options?.data ?? null;
  }

  /** Cross-copy `instanceof` (two copies of the package, or a revived error). */
  static override [Symbol.hasInstance](value: unknown): boolean {
    if (this === InfrakitError) {
      return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[BRAND] === true;
    }
    return Function.prototype[Symbol.hasInstance].call(this, value);
  }

  get [BRAND](): boolean {
    return true;
  }

  /** The JSON-RPC error code this error maps to. */
  get rpcCode(): JsonRpcCode {
    return ERROR_CODES[this.code].rpc;
  }
}

/** A plugin's own failure (InfraKit: any Go `error`), answered as -32000 with the message verbatim. */
export class ApplicationError extends InfrakitError {
  constructor(message: string, options?: { cause?: unknown; data?: unknown }) {
    super('IK_APPLICATION', message, options);
  }
}

export class InvalidParamsError extends InfrakitError {
  constructor(message: string, options?: { cause?: unknown; data?: unknown }) {
    super('IK_INVALID_PARAMS', message, options);
  }
}

export class MethodNotFoundError extends InfrakitError {
  constructor(method: string, options?: { cause?: unknown }) {
    // Go's gorilla/rpc text, so clients that match on it keep working.
    super('IK_METHOD_NOT_FOUND', `rpc: can't find method "${method}"`, { ...options, data: null });
  }
}

export class ActorNotFoundError extends InfrakitError {
  constructor(name: string, options?: { cause?: unknown }) {
    super('IK_ACTOR_NOT_FOUND', `plugin not found:${name}`, options);
  }
}

export class MailboxFullError extends InfrakitError {
  constructor(actor: string, capacity: number) {
    super('IK_MAILBOX_FULL', `actor '${actor}' is overloaded: mailbox full (${capacity} calls waiting)`, {
      data: { actor, capacity },
    });
  }
}

export class ActorExitedError extends InfrakitError {
  constructor(actor: string, reason: string, options?: { cause?: unknown }) {
    super('IK_ACTOR_EXITED', `actor '${actor}' exited while the call was pending: ${reason}`, {
      ...options,
      data: { actor, reason },
    });
  }
}

export class ActorRestartingError extends InfrakitError {
  constructor(actor: string) {
    super('IK_ACTOR_RESTARTING', `actor '${actor}' is restarting after a crash; try again shortly`, { data: { actor } });
  }
}

export class ActorFailedError extends InfrakitError {
  constructor(actor: string, reason: string) {
    super('IK_ACTOR_FAILED', `actor '${actor}' has failed and is not running: ${reason}`, { data: { actor, reason } });
  }
}

export class ActorStartError extends InfrakitError {
  constructor(actor: string, reason: string, options?: { cause?: unknown }) {
    super('IK_ACTOR_START_FAILED', `actor '${actor}' could not start: ${reason}`, { ...options, data: { actor } });
  }
}

export class RuntimeStoppedError extends InfrakitError {
  constructor(what = 'the runtime is stopped') {
    super('IK_RUNTIME_STOPPED', what);
  }
}

export class CallTimeoutError extends InfrakitError {
  constructor(actor: string, method: string, ms: number) {
    super('IK_CALL_TIMEOUT', `call ${method} on '${actor}' timed out after ${ms} ms`, { data: { actor, method, ms } });
  }
}

export class DuplicateActorError extends InfrakitError {
  constructor(name: string) {
    super('IK_DUPLICATE_ACTOR', `an actor named '${name}' is already declared`);
  }
}

export class RemoteError extends InfrakitError {
  constructor(message: string, options?: { cause?: unknown; data?: unknown }) {
    super('IK_REMOTE', message, options);
  }
}

export class SocketInUseError extends InfrakitError {
  constructor(path: string) {
    super('IK_SOCKET_IN_USE', `a live process already serves ${path}; stop it first (infrakit-ts plugin stop) or choose another name`, {
      data: { path },
    });
  }
}

export class StoreUnavailableError extends InfrakitError {
  constructor(message: string, options?: { cause?: unknown; data?: unknown }) {
    super('IK_STORE_UNAVAILABLE', message, options);
  }
}

export class NotLeaderError extends InfrakitError {
  constructor(message: string, options?: { cause?: unknown; data?: unknown }) {
    super('IK_NOT_LEADER', message, options);
  }
}

/** An input over a documented limit: `what` is the field, `limit` the bound, `value` what was given. */
export class LimitExceededError extends InfrakitError {
  constructor(what: string, limit: number, value: number | string, unit = '') {
    const u = unit === '' ? '' : ` ${unit}`;
    super('IK_LIMIT_EXCEEDED', `${what} is ${value}${u}, over the limit of ${limit}${u}`, { data: { what, limit, value } });
  }
}

/** A chain of actor-to-actor calls deeper than the limit; `chain` lists the actors, outermost first. */
export class CallDepthError extends InfrakitError {
  constructor(chain: readonly string[], limit: number) {
    super(
      'IK_CALL_DEPTH',
      `call chain too deep (${chain.join(' -> ')}): more than ${limit} nested calls; does a plugin call itself through another?`,
      {
        data: { chain: [...chain], limit },
      },
    );
  }
}

export class ActorStartingError extends InfrakitError {
  constructor(actor: string) {
    super('IK_ACTOR_STARTING', `actor '${actor}' is starting; try again shortly`, { data: { actor } });
  }
}

export class GroupQuarantinedError extends InfrakitError {
  constructor(id: string, reason: string) {
    super('IK_GROUP_QUARANTINED', `group '${id}' is quarantined and not managed: ${reason}`, { data: { id, reason } });
  }
}

/** `kind` is what was found at `path` instead of a regular file ('symbolic link', 'FIFO', …). */
export class UnsafePathError extends InfrakitError {
  constructor(path: string, kind: string, expected = 'a regular file') {
    super('IK_UNSAFE_PATH', `refusing ${path}: it is a ${kind}, not ${expected}; remove it and try again`, { data: { path, kind } });
  }
}

export class HomeInUseError extends InfrakitError {
  constructor(home: string, pid: number) {
    super('IK_HOME_IN_USE', `a runtime (pid ${pid}) is already running in ${home}; stop it first or use another INFRAKIT_HOME`, {
      data: { home, pid },
    });
  }
}

/** `position` is where parsing failed, as the parser reports it (for example 'line 3, column 7'). */
export class StoreCorruptError extends InfrakitError {
  constructor(path: string, detail: string, position?: string) {
    super('IK_STORE_CORRUPT', `the spec store ${path} is corrupt${position === undefined ? '' : ` at ${position}`}: ${detail}`, {
      data: { path, position: position ?? null },
    });
  }
}

export class ServerBusyError extends InfrakitError {
  constructor(message: string, data?: unknown) {
    super('IK_SERVER_BUSY', message, { data });
  }
}

/**
 * A call reached a worker whose code was being replaced, before it ran there. `ctx.call` sends it again
 * to the new worker (it never ran), so it only surfaces when that retry cannot happen.
 */
export class ActorReloadedError extends InfrakitError {
  constructor(actor: string) {
    super('IK_ACTOR_RELOADED', `actor '${actor}' was reloaded before the call ran; send it again`, { data: { actor } });
  }
}

/** `runtime.reload(name)` could not bring the new code up; the old version keeps serving. */
export class ReloadFailedError extends InfrakitError {
  constructor(actor: string, reason: string, options?: { cause?: unknown }) {
    super('IK_RELOAD_FAILED', `actor '${actor}' was not reloaded, the old code keeps serving: ${reason}`, {
      ...options,
      data: { actor, reason },
    });
  }
}

export class InternalError extends InfrakitError {
  constructor(message: string, options?: { cause?: unknown; data?: unknown }) {
    super('IK_INTERNAL', message, options);
  }
}

const CLASSES: Record<ErrorCode, new (...args: never[]) => InfrakitError> = {
  IK_APPLICATION: ApplicationError,
  IK_INVALID_PARAMS: InvalidParamsError,
  IK_METHOD_NOT_FOUND: MethodNotFoundError,
  IK_ACTOR_NOT_FOUND: ActorNotFoundError,
  IK_MAILBOX_FULL: MailboxFullError,
  IK_ACTOR_EXITED: ActorExitedError,
  IK_ACTOR_RESTARTING: ActorRestartingError,
  IK_ACTOR_FAILED: ActorFailedError,
  IK_ACTOR_START_FAILED: ActorStartError,
  IK_RUNTIME_STOPPED: RuntimeStoppedError,
  IK_CALL_TIMEOUT: CallTimeoutError,
  IK_DUPLICATE_ACTOR: DuplicateActorError,
  IK_REMOTE: RemoteError,
  IK_SOCKET_IN_USE: SocketInUseError,
  IK_STORE_UNAVAILABLE: StoreUnavailableError,
  IK_NOT_LEADER: NotLeaderError,
  IK_LIMIT_EXCEEDED: LimitExceededError,
  IK_CALL_DEPTH: CallDepthError,
  IK_ACTOR_STARTING: ActorStartingError,
  IK_GROUP_QUARANTINED: GroupQuarantinedError,
  IK_UNSAFE_PATH: UnsafePathError,
  IK_HOME_IN_USE: HomeInUseError,
  IK_STORE_CORRUPT: StoreCorruptError,
  IK_SERVER_BUSY: ServerBusyError,
  IK_ACTOR_RELOADED: ActorReloadedError,
  IK_RELOAD_FAILED: ReloadFailedError,
  IK_INTERNAL: InternalError,
};

export function isErrorCode(code: unknown): code is ErrorCode {
  return typeof code === 'string' && Object.hasOwn(ERROR_CODES, code);
}

/**
 * Serialise any thrown value. A plain `Error` thrown by plugin code becomes an application error
 * (InfraKit semantics: -32000 with the message verbatim); its class name is kept in `name`.
 */
export function serializeError(err: unknown): SerializedError {
  if (err instanceof InfrakitError) {
    return { name: err.name, code: err.code, message: err.message, data: err.data ?? null, ...(err.stack ? { stack: err.stack } : {}) };
  }
  if (err instanceof Error) {
    const anyErr = err as Error & { code?: unknown; data?: unknown };
    const code = isErrorCode(anyErr.code) ? anyErr.code : 'IK_APPLICATION';
    return { name: err.name, code, message: err.message, data: anyErr.data ?? null, ...(err.stack ? { stack: err.stack } : {}) };
  }
  return { name: 'Error', code: 'IK_APPLICATION', message: String(err), data: null };
}

/**
 * Rebuild an error from its serialised form: the class is chosen by `code`, and `name` is restored
 * so an actor's own `class QuotaError extends Error` arrives as an error named `QuotaError`.
 */
export function reviveError(s: SerializedError): InfrakitError {
  const code: ErrorCode = isErrorCode(s.code) ? s.code : 'IK_APPLICATION';
  const Ctor = CLASSES[code];
  const err = Object.create(Ctor.prototype as object) as InfrakitError;
  Object.defineProperty(err, 'message', { value: s.message, writable: true, configurable: true, enumerable: false });
  Object.defineProperty(err, 'name', { value: s.name, writable: true, configurable: true, enumerable: false });
  Object.defineProperty(err, 'code', { value: code, writable: false, configurable: true, enumerable: true });
  Object.defineProperty(err, 'data', { value: s.data ?? null, writable: false, configurable: true, enumerable: true });
  Object.defineProperty(err, 'stack', {
    value: s.stack ?? `${s.name}: ${s.message}`,
    writable: true,
    configurable: true,
    enumerable: false,
  });
  return err;
}

/** The JSON-RPC error object for any thrown value: `{code, message, data}`. */
export function toJsonRpcError(err: unknown): { code: number; message: string; data: unknown } {
  const s = err instanceof InfrakitError ? err : reviveError(serializeError(err));
  return { code: s.rpcCode, message: s.message, data: s.code === 'IK_APPLICATION' ? null : (s.data ?? null) };
}
