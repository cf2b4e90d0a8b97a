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
import type { CommitGroupRequest, DestroyInstancesRequest, GroupDescription, GroupIdRequest, SetSizeRequest } from '../spi/group.js';
import { parseGoDuration } from '../../runtime/go-duration.js';
import { describedAnswer, type ControllerOptions } from './group-controller.js';
import { GroupPlugin, RESUME_GRACE_MS } from './group-plugin.js';
import { FileSpecStore } from './file-spec-store.js';
import { GroupJournal } from './journal.js';
import type { Caller } from '../spi/common.js';
import { MemorySpecStore, type SpecStore } from './spec-store.js';
import { resolveStoreKind } from './store-kind.js';
import { resolveActorModule } from '../../runtime/module-resolver.js';
import type { GroupBackend, GroupBackendFactory, GroupBackendOption, GroupService } from './backend.js';

export { GroupPlugin } from './group-plugin.js';
export { GroupController, isConverged } from './group-controller.js';
export type { ControllerOptions, Problem } from './group-controller.js';
export { FileSpecStore } from './file-spec-store.js';
export { GroupJournal, QUARANTINE_AFTER } from './journal.js';
export { MemorySpecStore } from './spec-store.js';
export type { SpecStore, StoredGroup } from './spec-store.js';
export { configHash } from './config-hash.js';
export { resolveStoreKind } from './store-kind.js';
export type { GroupBackend, GroupBackendContext, GroupBackendFactory, GroupBackendOption, GroupService } from './backend.js';

export interface GroupActorOptions {
  readonly pollIntervalMs?: number | string;
  readonly maxParallel?: number;
  readonly healthGracePeriodMs?: number;
  readonly healthIntervalMs?: number;
  readonly callTimeoutMs?: number;
  readonly soonMs?: number;
  /** `file`, `memory`, or a kind that a `backend` serves. */
  readonly store?: string;
  readonly backend?: GroupBackendOption;
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

/** The backend named by `backend.module`, loaded in the worker (only then: it may pull in heavy clients). */
async function loadBackend(option: GroupBackendOption, ctx: Parameters<GroupBackendFactory>[0]): Promise<GroupBackend> {
  const mod = (await import(resolveActorModule(option.module))) as { default?: unknown };
  if (typeof mod.default !== 'function') throw new Error(`group backend ${option.module} has no default export function`);
  return (mod.default as GroupBackendFactory)(ctx);
}

export default defineActor<GroupActorOptions>({
  manifest: (o) => ({
    interfaces: o?.backend?.interfaces === undefined ? GROUP_INTERFACES : [...GROUP_INTERFACES, ...o.backend.interfaces],
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
    // The runtime's own deadline (one timer per call), not a second timer around it.
    const deadline = opts.callTimeoutMs > 0 ? { timeoutMs: opts.callTimeoutMs } : undefined;
    const caller: Caller = (actor, method, params) => ctx.call(actor, method, params, deadline);
    const emit = (type: string, payload?: unknown) => ctx.emit(type, payload);
    let plugin: GroupService;
    let extra: Readonly<Record<string, Handler>> = {};
    if (options.backend !== undefined) {
      const actor = { name: ctx.name, home: ctx.home };
      const backend = await loadBackend(options.backend, {
        caller,
        controller: opts,
        options: options as Record<string, unknown>,
        actor,
        log: ctx.log,
        emit,
      });
      plugin = backend.plugin;
      extra = backend.handlers ?? {};
    } else if (storeKind === 'file' || storeKind === 'memory') {
      const memory = storeKind === 'memory';
      const store: SpecStore = memory ? new MemorySpecStore() : new FileSpecStore(storeDir, ctx.name);
      const journal = new GroupJournal(memory ? null : GroupJournal.pathFor(storeDir, ctx.name));
      plugin = new GroupPlugin(caller, store, opts, ctx.log, emit, journal, options.resumeGraceMs ?? RESUME_GRACE_MS);
    } else {
      throw new Error(`spec store '${storeKind}' needs the group option backend (a module serving it); built in: file, memory`);
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
      'Group.DescribeGroup': async (p: GroupIdRequest) => {
        const wrap = (d: GroupDescription): object => echo(p, p?.ID, { Description: d });
        if (plugin.describeGroupParts === undefined) return wrap(await plugin.describeGroup(p?.ID ?? ''));
        const d = await plugin.describeGroupParts(p?.ID ?? '');
        // A long packed listing: its JSON written from the columns for the socket (describedAnswer).
        return 'rest' in d ? describedAnswer(d, wrap) : wrap(d);
      },
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
    Object.assign(handlers, extra);
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
