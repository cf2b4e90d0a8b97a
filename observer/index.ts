/**
 * The observer room's face: every actor and group of a runtime, live, in a browser (one page over a
 * Server-Sent Event stream), as JSON, and as Prometheus metrics (docs/observer.md). It reads the
 * runtime's `stats()` and events, and asks groups through their public calls; never a plugin's state.
 */
export {
  observerHandler,
  startObserver,
  isLoopback,
  ObserverConfigError,
  DEFAULT_OBSERVER_PORT,
  OBSERVER_PORT_TRIES,
  MAX_OBSERVER_URL,
  MAX_OBSERVER_BODY,
  MAX_OBSERVER_STREAMS,
  MAX_OBSERVER_CONNECTIONS,
  type ObserverHandlerOptions,
  type ObserverRequestHandler,
  type StartObserverOptions,
  type ObserverServer,
} from './server.js';
export {
  Observer,
  bucketQuantile,
  HISTORY_SAMPLES,
  RATE_WINDOW,
  EVENT_LOG_SIZE,
  MAX_GROUPS_DESCRIBED,
  MAX_INSTANCES_LISTED,
} from './collect.js';
export type { ActorView, GroupView, InstanceView, ObservedEvent, Snapshot } from './collect.js';
export { observerRegistry } from './metrics.js';
