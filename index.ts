/**
 * The public API of infrakit-ts (`import { Runtime } from 'infrakit-ts'`). An explicit list: internals
 * (protocol, worker hosts, cells) stay out. docs/embedding.md walks through it.
 *
 * The package face sits on top of every room (runtime/, sockets/, actors/spi/); nothing imports it
 * back (test/rooms.test.ts).
 */
export { Runtime } from './runtime/runtime.js';
export type { RuntimeOptions, CallOptions } from './runtime/runtime.js';
export type { RuntimeEvents } from './runtime/events.js';
export { waitForEvent } from './runtime/wait-for-event.js';
export type { ActorEvent, ActorEventSource, WaitForEventOptions } from './runtime/wait-for-event.js';

// Serving a runtime on InfraKit sockets, and reading a plugin's event stream.
export { serve, startHost } from './sockets/index.js';
export type { ServeOptions, ServedSockets, HostOptions, Host } from './sockets/index.js';
export type { SocketFrontEnd, FrontEndOptions } from './sockets/index.js';
export type { ServerTimeouts } from './sockets/index.js';
export type { StreamedEvent, EventStreamOptions } from './sockets/index.js';
export { subscribeEvents } from './sockets/index.js';
export type { EventSubscription, SubscribeOptions } from './sockets/index.js';
export { RemoteClient } from './sockets/index.js';
export type { RemoteClientOptions } from './sockets/index.js';
export { discoverPlugins } from './sockets/index.js';
export type { DiscoveredPlugin, DiscoverOptions } from './sockets/index.js';

// The plugin contracts (InfraKit's SPI): typed clients, request/result types, schemas for your own actors.
export {
  groupClient,
  instanceClient,
  flavorClient,
  callerOf,
  GroupClient,
  InstanceClient,
  FlavorClient,
  GROUP_INTERFACES,
  GROUP_METHODS,
  GroupParams,
  INSTANCE_INTERFACES,
  INSTANCE_METHODS,
  InstanceParams,
  FLAVOR_INTERFACES,
  FLAVOR_METHODS,
  FlavorParams,
  GROUP_EVENT_TYPES,
  isGroupEvent,
  Health,
  TAG_GROUP,
  TAG_CONFIG_HASH,
  TAG_LOGICAL_ID,
  splitPluginName,
} from './actors/spi/index.js';
export type {
  CallTarget,
  Caller,
  GroupEvent,
  GroupEventPayloads,
  GroupEventType,
  Tags,
  Attachment,
  InstanceSpec,
  Description,
  Context,
  DestroyReason,
  Allocation,
  Index,
  ValidateInstanceRequest,
  ProvisionRequest,
  LabelRequest,
  DestroyRequest,
  DescribeInstancesRequest,
  OkResult,
  ProvisionResult,
  DescribeInstancesResult,
  ValidateFlavorRequest,
  PrepareRequest,
  HealthyRequest,
  DrainRequest,
  PrepareResult,
  HealthyResult,
  FlavorOkResult,
  GroupSpec,
  CommitGroupRequest,
  GroupIdRequest,
  DestroyInstancesRequest,
  SetSizeRequest,
  GroupDescription,
  CommitGroupResult,
  GroupIdResult,
  DescribeGroupResult,
  InspectGroupsResult,
  SizeResult,
  RolloutControlResult,
} from './actors/spi/index.js';
export { uncheckedProperties } from './actors/spi/index.js';
export type {
  GoDuration,
  GroupPluginSpec,
  GroupUpdating,
  GroupHealth,
  GroupProperties,
  UncheckedGroupProperties,
  SetAsideState,
  GroupRollout,
  GroupProblem,
  GroupLeadership,
  InspectedGroup,
} from './actors/spi/index.js';

// Specs in etcd with a leader election: the group option `backend: etcdGroupBackend()` (no etcd3 import here).
export { etcdGroupBackend } from './cluster/ha-options.js';

export { defineActor, resolveManifest } from './runtime/actor.js';
export type {
  ActorContext,
  ActorDefinition,
  ActorInstance,
  ActorManifest,
  Handler,
  InterfaceSpec,
  MethodInfo,
  ActorCallOptions,
} from './runtime/actor.js';
export type { ActorDeclaration, RestartPolicy } from './runtime/declaration.js';
export { DEFAULT_RESOURCE_LIMITS } from './runtime/declaration.js';
export { MAX_CALL_DEPTH, DEFAULT_CALL_TIMEOUT_MS } from './runtime/call-chain.js';
export type { ActorInfo, ActorStatus, MethodDoc, RemoteTarget, Resolver } from './runtime/actor-info.js';
export { DEFAULT_RESTART_POLICY } from './runtime/restart-policy.js';

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
  InternalError,
  isErrorCode,
  serializeError,
  reviveError,
  toJsonRpcError,
} from './runtime/errors.js';
export type { ErrorCode, SerializedError } from './runtime/errors.js';

export { normaliseParams, validateParams } from './runtime/params.js';
export { S } from './runtime/schema.js';
export type { Schema } from './runtime/schema.js';
export { infrakitHome, pluginsDir } from './runtime/home.js';
export { writeFileAtomic, readJsonFile } from './runtime/atomic-file.js';
export { createLogger } from './runtime/logging.js';
