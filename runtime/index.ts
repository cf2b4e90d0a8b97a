/**
 * The runtime room's names (supervisor, actor contract, errors, schemas, home, logging), for code
 * inside the repository. The package's public face is the top-level `index.ts`, which re-exports
 * these with the socket front end and the plugin contracts; this file imports no other room.
 */
export { Runtime } from './runtime.js';
export type { RuntimeOptions, CallOptions } from './runtime.js';
export { JsonText } from './reply.js';
export type { RuntimeEvents } from './events.js';
export { waitForEvent } from './wait-for-event.js';
export type { ActorEvent, ActorEventSource, WaitForEventOptions } from './wait-for-event.js';

export { defineActor, resolveManifest } from './actor.js';
export type {
  ActorContext,
  ActorDefinition,
  ActorInstance,
  ActorManifest,
  Handler,
  InterfaceSpec,
  MethodInfo,
  ActorCallOptions,
} from './actor.js';
export type { ActorDeclaration, RestartPolicy } from './declaration.js';
export { DEFAULT_RESOURCE_LIMITS } from './declaration.js';
export { MAX_CALL_DEPTH, DEFAULT_CALL_TIMEOUT_MS } from './call-chain.js';
export type { ActorInfo, ActorStatus, MethodDoc, ReloadResult, ReloadStatus, RemoteTarget, Resolver } from './actor-info.js';
export { DEFAULT_RESTART_POLICY } from './restart-policy.js';
export { EXTERNAL_LIMITS, connectProbe } from './external-plugin.js';
export type { ExternalDeclaration, ExternalInfo, ExternalProbe } from './external-plugin.js';
export { readExternalStatuses } from './external-status.js';
export type { ExternalStatusRecord } from './external-status.js';
export { LATENCY_BUCKETS_MS, HEAP_REPORT_MS } from './stats.js';
export type { ActorStats, MethodStats, RuntimeStats, WorkerHeap } from './stats.js';

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
  StoreUnavailableError,
  NotLeaderError,
  LimitExceededError,
  CallDepthError,
  ActorStartingError,
  GroupQuarantinedError,
  UnsafePathError,
  HomeInUseError,
  StoreCorruptError,
  ServerBusyError,
  ActorReloadedError,
  ReloadFailedError,
  InternalError,
  isErrorCode,
  serializeError,
  reviveError,
  toJsonRpcError,
} from './errors.js';
export type { ErrorCode, SerializedError } from './errors.js';

export { normaliseParams, validateParams } from './params.js';
export { S } from './schema.js';
export type { Schema } from './schema.js';
export { infrakitHome, pluginsDir } from './home.js';
export { writeFileAtomic, readJsonFile } from './atomic-file.js';
export { createLogger } from './logging.js';
export type { ActorLogger, LogFn } from './worker-log.js';
export { watchForReload } from './reload-watcher.js';
export type { ReloadWatcher, ReloadWatchOptions } from './reload-watcher.js';
