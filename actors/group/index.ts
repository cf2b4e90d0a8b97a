/**
 * The `group` actor: InfraKit's default Group plugin (docs/go-compat.md #14), minus Go's bugs (#18–#25),
 * with persistent specs, health-driven replacement and surge/unavailability-bounded rolling updates.
 * Logic lives in GroupPlugin / GroupController; this file wires them to the actor contract.
 * Its options (`pollIntervalMs`, `maxParallel`, `store`, …) are listed in docs/embedding.md, "Group options".
 */
import { join } from 'node:path';
import { S } from '../../runtime/schema.js';
import { defineActor, type ActorContext, type Handler } from '../../runtime/actor.js';
import { ApplicationError } from '../../runtime/errors.js';
import { GROUP_INTERFACES, GROUP_METHODS } from '../spi/group.js';
import type { CommitGroupRequest, DestroyInstancesRequest, GroupIdRequest, SetSizeRequest } from '../spi/group.js';
import { parseGoDuration } from '../../runtime/go-duration.js';
import type { ControllerOptions } from './group-controller.js';
import { GroupPlugin, RESUME_GRACE_MS } from './group-plugin.js';
import { FileSpecStore } from './file-spec-store.js';
import { GroupJournal } from './journal.js';
import { withDeadline } from './plugin-calls.js';
import { MemorySpecStore, type SpecStore } from './spec-store.js';
import type { HaGroupPlugin } from '../../cluster/ha-group-plugin.js';
import { resolveHaOptions, resolveStoreKind, type HaActorOptions } from '../../cluster/ha-options.js';

export { GroupPlugin } from './group-plugin.js';
export { GroupController, isConverged } from './group-controller.js';
export type { ControllerOptions, Problem } from './group-controller.js';
export { FileSpecStore } from './file-spec-store.js';
export { GroupJournal, QUARANTINE_AFTER } from './journal.js';
export { MemorySpecStore } from './spec-store.js';
export type { SpecStore, StoredGroup } from './spec-store.js';
export { configHash } from './config-hash.js';

export interface GroupActorOptions extends HaActorOptions {
  readonly pollIntervalMs?: number | string;
  readonly maxParallel?: number;
  readonly healthGracePeriodMs?: number;
  readonly healthIntervalMs?: number;
  readonly callTimeoutMs?: number;
  readonly soonMs?: number;
  readonly store?: 'file' | 'memory' | 'etcd';
  readonly storeDir?: string;
  readonly resumeGraceMs?: number;
  readonly testHooks?: boolean;
}

function durationMs(v: number | string | undefined, env: string | undefined, dflt: number): number {
  if (typeof v === 'number' && v >= 0) return v;
  if (typeof v === 'string' && v !== '') return parseGoDuration(v);
  if (env !== undefined && env !== '') {
    try {
      return parseGoDuration(env);
    } catch {
      return dflt;
    }
  }
  return dflt;
}

/** Resolves the controller options from declaration options and environment. */
export function resolveOptions(o: GroupActorOptions = {}, env: NodeJS.ProcessEnv = process.env): ControllerOptions {
  const pollIntervalMs = Math.max(1, durationMs(o.pollIntervalMs, env['INFRAKIT_GROUP_POLL_INTERVAL'], 10_000));
  const envParallel = Number(env['INFRAKIT_GROUP_MAX_PARALLEL_NUM'] ?? '');
  const maxParallel = o.maxParallel !== undefined && o.maxParallel > 0 ? o.maxParallel : envParallel > 0 ? envParallel : 64;
  return {
    pollIntervalMs,
    maxParallel,
    healthGraceMs: o.healthGracePeriodMs ?? 300_000,
    healthIntervalMs: o.healthIntervalMs ?? pollIntervalMs,
    callTimeoutMs: o.callTimeoutMs ?? 30_000,
    soonMs: o.soonMs ?? 10,
  };
}

const NameField = S.optional(S.string());
const IdField = S.optional(S.string());

/** HEAD clients send `Name` and get `Name`/`ID` echoed; v0.5 clients (and the `{}` of InfraKit's README) get v0.5's shape. */
function echo(req: { Name?: string } | undefined, id: string | undefined, result: object): object {
  return typeof req?.Name === 'string' ? { Name: req.Name, ID: id ?? '', ...result } : result;
}

/** With the etcd store the actor also answers HEAD's `Manager.IsLeader` / `Manager.LeaderLocation` (docs/go-compat.md #12). */
const MANAGER_INTERFACE = { name: 'Manager', version: '0.1.0' } as const;

export default defineActor<GroupActorOptions>({
  manifest: (o) => ({
    interfaces: resolveStoreKind(o?.store) === 'etcd' ? [...GROUP_INTERFACES, MANAGER_INTERFACE] : GROUP_INTERFACES,
    vendor: { name: 'infrakit-ts-group', version: '0.1.0' },
  }),
  methods: {
    ...GROUP_METHODS,
    // Go's SetSize takes any int and answers `size cannot be negative` itself (docs/go-compat.md #5).
    'Group.SetSize': { ...GROUP_METHODS['Group.SetSize'], params: S.object({ Name: NameField, ID: IdField, Size: S.integer() }) },
  },
  // Calls await other actors; a slow plugin of one group must not hold the others' calls.
  concurrency: 64,
  async create(ctx: ActorContext<GroupActorOptions>) {
    const options = ctx.options ?? {};
    const opts = resolveOptions(options);
    const storeDir = options.storeDir ?? process.env['INFRAKIT_STORE_DIR'] ?? join(ctx.home, 'configs');
    const storeKind = resolveStoreKind(options.store);
    const caller = withDeadline((actor, method, params) => ctx.call(actor, method, params), opts.callTimeoutMs);
    const emit = (type: string, payload?: unknown) => ctx.emit(type, payload);
    let plugin: GroupPlugin | HaGroupPlugin;
    let ha: HaGroupPlugin | undefined;
    if (storeKind === 'etcd') {
      // Imported only here: etcd3 (gRPC, protobufjs) adds ~20 MB to every thread that loads it, and
      // the runtime's main thread imports this module too (to read the definition).
      const { HaGroupPlugin } = await import('../../cluster/ha-group-plugin.js');
      // Converges only while this runtime leads; follower writes answer "not the leader: …".
      plugin = ha = new HaGroupPlugin(caller, opts, resolveHaOptions(options, ctx), ctx.log, emit);
    } else {
      const memory = storeKind === 'memory';
      const store: SpecStore = memory ? new MemorySpecStore() : new FileSpecStore(storeDir, ctx.name);
      const journal = new GroupJournal(memory ? null : GroupJournal.pathFor(storeDir, ctx.name));
      plugin = new GroupPlugin(caller, store, opts, ctx.log, emit, journal, options.resumeGraceMs ?? RESUME_GRACE_MS);
    }
    await plugin.init();
    ctx.signal.addEventListener('abort', () => void plugin.close(), { once: true });

    const handlers: Record<string, Handler> = {
      'Group.CommitGroup': async (p: CommitGroupRequest) => {
        const details = await plugin.commitGroup(p?.Spec, p?.Pretend === true);
        return echo(p, p?.Spec?.ID, { Details: details });
      },
      'Group.FreeGroup': async (p: GroupIdRequest) => {
        await plugin.freeGroup(p?.ID ?? '');
        return echo(p, p?.ID, { OK: true });
      },
      'Group.DescribeGroup': async (p: GroupIdRequest) => echo(p, p?.ID, { Description: await plugin.describeGroup(p?.ID ?? '') }),
      'Group.DestroyGroup': async (p: GroupIdRequest) => {
        await plugin.destroyGroup(p?.ID ?? '');
        return echo(p, p?.ID, { OK: true });
      },
      'Group.InspectGroups': async (p: GroupIdRequest) => echo(p, p?.ID, { Groups: await plugin.inspectGroups() }),
      'Group.DestroyInstances': async (p: DestroyInstancesRequest) => {
        await plugin.destroyInstances(p?.ID ?? '', p?.Instances ?? []);
        return echo(p, p?.ID, { OK: true });
      },
      'Group.Size': async (p: GroupIdRequest) => echo(p, p?.ID, { Size: await plugin.size(p?.ID ?? '') }),
      'Group.SetSize': async (p: SetSizeRequest) => {
        await plugin.setSize(p?.ID ?? '', p.Size);
        return echo(p, p?.ID, { OK: true });
      },
      'Group.PauseUpdate': async (p: GroupIdRequest) => echo(p, p?.ID, { Details: await plugin.pauseUpdate(p?.ID ?? '') }),
      'Group.ResumeUpdate': async (p: GroupIdRequest) => echo(p, p?.ID, { Details: await plugin.resumeUpdate(p?.ID ?? '') }),
      'Group.RollbackUpdate': async (p: GroupIdRequest) => echo(p, p?.ID, { Details: await plugin.rollbackUpdate(p?.ID ?? '') }),
    };
    if (ha !== undefined) {
      const leading = ha;
      handlers['Manager.IsLeader'] = () => {
        const v = leading.leadership();
        return { Leader: v.Role === 'leader', Role: v.Role, Node: v.Node, LeaderNode: v.Leader, ...(v.Reason === undefined ? {} : { Reason: v.Reason }) };
      };
      handlers['Manager.LeaderLocation'] = () => {
        const l = leading.leadership().Leader;
        if (l === null) throw leading.election.notLeaderError();
        return { Location: l.Location, ID: l.ID };
      };
    }
    if (options.testHooks === true) {
      handlers['Group.TestCrash'] = () => {
        setImmediate(() => {
          throw new ApplicationError('Group.TestCrash: crashing the group worker on purpose');
        });
        return { OK: true };
      };
    }
    return {
      handlers,
      stop: () => plugin.close(),
    };
  },
});
