/**
 * The socket front end: InfraKit's wire on one unix socket per actor, discovery of the plugins dir,
 * and the client for plugins in other processes. Public names only; everything else is internal.
 */
export type { PluginHost, PluginHostEvents, PluginHostLifecycleEvents } from './plugin-host.js';
export { SocketFrontEnd, serveRuntime, type FrontEndOptions, type FrontEndStats } from './socket-front-end.js';
export { ByteBudget, DEFAULT_BUFFER_BUDGET, DEFAULT_MAX_CONNECTIONS } from './byte-budget.js';
export { serve, startHost, type ServeOptions, type ServedSockets, type HostOptions, type Host } from './serve.js';
export { ActorEventStream, type StreamedEvent, type EventStreamOptions } from './event-stream.js';
export { subscribeEvents, parseMessage, type EventSubscription, type SubscribeOptions } from './event-source.js';
export { normaliseTopic, topicsOf, topicMatches } from './event-topics.js';
export { PluginServer, DEFAULT_BODY_LIMIT, type PluginServerOptions, type ServerTimeouts } from './plugin-server.js';
export {
  dispatchJsonRpc,
  requestParams,
  BATCH_NOT_SUPPORTED,
  MAX_PARAMS_DEPTH,
  MAX_BODY_DEPTH,
  type DispatchOutcome,
} from './json-rpc-dispatch.js';
export {
  HANDSHAKE_METHODS,
  isHandshakeMethod,
  answerHandshake,
  pluginImplements,
  handshakeImplements,
  handshakeTypes,
  handshakeHello,
  type HandshakeMethod,
  type WireInterfaceSpec,
  type WireObject,
} from './handshake.js';
export { apiInfo, type ApiInfo, type ApiInterface, type ApiMethodExample } from './api-info.js';
export { rawTopLevelMembers, NestingMeter, nestingDepth } from './raw-members.js';
export { infrakitHome, pluginsDir, lookupName, socketPath, pidFilePath } from './paths.js';
export {
  bindUnixSocket,
  releaseUnixSocket,
  checkSocketPaths,
  isSocketLive,
  MAX_SOCKET_PATH_BYTES,
  type BoundSocket,
} from './unix-listener.js';
export { pinoLevel, DEFAULT_INFRAKIT_LOG_LEVEL } from './log-level.js';
export { parseGoDuration, tryParseGoDuration, formatGoDuration } from '../runtime/go-duration.js';
export { parsePluginAddress, readListenFile, formatPluginAddress, type PluginAddress } from './plugin-address.js';
export { postJson, MAX_RESPONSE_BYTES, type PostOptions } from './http-post.js';
export { RemoteClient, clientTimeoutMs, DEFAULT_CLIENT_TIMEOUT_MS, type RemoteClientOptions } from './remote-client.js';
export { socketResolver, findPlugin, type SocketResolver } from './socket-resolver.js';
export { handshakeProbe } from './external-probe.js';
export { discoverPlugins, handshakePlugin, type DiscoveredPlugin, type DiscoveredInterface, type DiscoverOptions } from './discovery.js';
