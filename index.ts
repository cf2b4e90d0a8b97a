/**
 * The public API of infrakit-ts (`import { Runtime } from 'infrakit-ts'`). Explicit lists: internals
 * (protocol, worker hosts, cells) stay out. docs/embedding.md walks through it.
 *
 * The package face sits on top of every room (runtime/, sockets/, actors/spi/); nothing imports it
 * back (test/rooms.test.ts).
 */
// The runtime room's public names (supervisor, actor contract, errors, schemas, home, logging).
export * from './runtime/index.js';

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
export { handshakeProbe } from './sockets/index.js';
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
  MAX_HEALTHY_BATCH,
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
  HealthyBatchRequest,
  DrainRequest,
  PrepareResult,
  HealthyResult,
  HealthyBatchResult,
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

// The observer: a live page, JSON, an event stream and Prometheus metrics of a runtime (docs/observer.md).
export {
  observerHandler,
  startObserver,
  Observer,
  observerRegistry,
  ObserverConfigError,
  DEFAULT_OBSERVER_PORT,
} from './observer/index.js';
export type {
  ObserverHandlerOptions,
  ObserverRequestHandler,
  StartObserverOptions,
  ObserverServer,
  ActorView,
  GroupView,
  InstanceView,
  ObservedEvent,
  Snapshot,
} from './observer/index.js';
