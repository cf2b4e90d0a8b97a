/**
 * The HA layer: group specs and leadership on etcd v3, so several runtimes share one set of groups.
 * Public names only; see each file for the why.
 */
export { createEtcdClient, parseEndpoints, isUnavailable, type EtcdConnectOptions } from './etcd-client.js';
export { EtcdSpecStore, type EtcdSpecStoreOptions } from './etcd-spec-store.js';
export { LeaderElection, defaultNodeId, type LeaderElectionOptions, type LeaderElectionEvents } from './leader-election.js';
export { NotLeaderError, StoreUnavailableError, notLeader, storeUnavailable } from './cluster-errors.js';
export { encodeHeadSpecs, decodeHeadSpecs, DEFAULT_HANDLER, type HeadEntry, type HeadGroup } from './head-format.js';
export type { Fence, LeadershipState, NodeInfo, Role } from './leadership.js';
