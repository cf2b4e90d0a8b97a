/**
 * The etcd group backend: the module a group actor's `backend` option names (see etcdGroupBackend in
 * ha-options.ts). Loaded only in the group's worker, so etcd3 and gRPC stay out of every other thread.
 */
import type { GroupBackendFactory } from '../actors/group/backend.js';
import { HaGroupPlugin } from './ha-group-plugin.js';
import { resolveHaOptions } from './ha-options.js';

/** Specs in etcd behind a leader election; also HEAD's `Manager.IsLeader` / `Manager.LeaderLocation` (docs/go-compat.md #12). */
const etcdBackend: GroupBackendFactory = (ctx) => {
  // Converges only while this runtime leads; follower writes answer "not the leader: …".
  const ha = new HaGroupPlugin(ctx.caller, ctx.controller, resolveHaOptions(ctx.options, ctx.actor), ctx.log, ctx.emit);
  return {
    plugin: ha,
    handlers: {
      'Manager.IsLeader': () => {
        const v = ha.leadership();
        return {
          Leader: v.Role === 'leader',
          Role: v.Role,
          Node: v.Node,
          LeaderNode: v.Leader,
          ...(v.Reason === undefined ? {} : { Reason: v.Reason }),
        };
      },
      'Manager.LeaderLocation': () => {
        const l = ha.leadership().Leader;
        if (l === null) throw ha.election.notLeaderError();
        return { Location: l.Location, ID: l.ID };
      },
    },
  };
};

export default etcdBackend;
