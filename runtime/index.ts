/**
 * The public API of infrakit-ts (`import { Runtime } from 'infrakit-ts'`). An explicit list: internals
 * (protocol, worker hosts, cells) stay out. docs/embedding.md walks through it.
 *
 * Layering: this barrel may import sockets/ and actors/spi/; they import runtime/*.js files, never
 * this one (test/runtime/import-graph.test.ts keeps the graph free of cycles).
 */
export { Runtime } from './runtime.js';
export type { RuntimeOptions, CallOptions } from './runtime.js';
export type { RuntimeEvents } from './events.js';
export { waitForEvent } from './wait-for-event.js';
export type { ActorEvent, ActorEventSource, WaitForEventOptions } from './wait-for-event.js';

// Serving a runtime on InfraKit sockets, and reading a plugin's event stream.
export { serve, startHost } from '../sockets/serve.js';
export type { ServeOptions, ServedSockets, HostOptions, Host } from '../sockets/serve.js';
export type { SocketFrontEnd, FrontEndOptions } from '../sockets/socket-front-end.js';
export type { ServerTimeouts } from '../sockets/plugin-server.js';
export type { StreamedEvent, EventStreamOptions } from '../sockets/event-stream.js';
export { subscribeEvents } from '../sockets/event-source.js';
export type { EventSubscription, SubscribeOptions } from '../sockets/event-source.js';
export { RemoteClient } from '../sockets/remote-client.js';
export type { RemoteClientOptions } from '../sockets/remote-client.js';
export { discoverPlugins } from '../sockets/discovery.js';
export type { DiscoveredPlugin, DiscoverOptions } from '../sockets/discovery.js';

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
} from '../actors/spi/index.js';
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
} from '../actors/spi/index.js';
export { uncheckedProperties } from '../actors/spi/index.js';
export type {
  GoDuration, GroupPluginSpec, GroupUpdating, GroupHealth, GroupProperties, UncheckedGroupProperties, SetAsideState, GroupRollout, GroupProblem,
  GroupLeadership, InspectedGroup,
} from '../actors/spi/index.js';

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
} from './errors.js';
export type { ErrorCode, SerializedError } from './errors.js';

export { normaliseParams, validateParams } from './params.js';
export { S } from './schema.js';
export type { Schema } from './schema.js';
export { infrakitHome, pluginsDir } from './home.js';
export { writeFileAtomic, readJsonFile } from './atomic-file.js';
export { createLogger } from './logging.js';
