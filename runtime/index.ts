/**
 * The public API of infrakit-ts. An explicit list: internals (protocol, worker hosts, cells) stay out.
 */
export { Runtime } from './runtime.js';
export type { RuntimeOptions, CallOptions } from './runtime.js';
export type { RuntimeEvents } from './events.js';

export { defineActor, resolveManifest } from './actor.js';
export type {
  ActorContext,
  ActorDefinition,
  ActorInstance,
  ActorManifest,
  Handler,
  InterfaceSpec,
  MethodInfo,
} from './actor.js';
export type { ActorDeclaration, RestartPolicy } from './declaration.js';
export type { ActorInfo, ActorStatus, MethodDoc, RemoteTarget, Resolver } from './actor-info.js';
export { DEFAULT_RESTART_POLICY } from './restart-policy.js';

export {
  ERROR_CODES,
  JsonRpcCode,
  InfrakitError,
  ApplicationError,
  InvalidParamsError,
  MethodNotFoundError,
  ActorNotFoundError,
  MailboxFullError,
  ActorExitedError,
  ActorRestartingError,
  ActorFailedError,
  ActorStartError,
  RuntimeStoppedError,
  CallTimeoutError,
  DuplicateActorError,
  RemoteError,
  SocketInUseError,
  InternalError,
  isErrorCode,
  serializeError,
  reviveError,
  toJsonRpcError,
} from './errors.js';
export type { ErrorCode, SerializedError } from './errors.js';

export { normaliseParams, validateParams } from './params.js';
export { infrakitHome, pluginsDir } from './home.js';
export { writeFileAtomic, readJsonFile } from './atomic-file.js';
export { createLogger } from './logging.js';
