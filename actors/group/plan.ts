/**
 * One convergence step as a pure function: from what the instance plugin reports (plus what this
 * controller has in flight) to the instances to provision and to destroy. No I/O, so the rules are
 * tested directly. Rules: docs/go-compat.md #14, minus Go's bugs #21, #23, #24; the rolling update
 * (MaxSurge, MaxUnavailable, pause) is in docs/architecture.md, "The group". One step provisions and
 * destroys at most `maxStep` each (default MAX_STEP_OPERATIONS); the next step does the rest.
 */

import { MAX_STEP_OPERATIONS } from './limits.js';

export type HealthState = 'healthy' | 'unhealthy' | 'unknown';

export interface ObservedInstance {
  readonly id: string;
  readonly logicalId: string | null;
  /** Carries the current config hash. */
  readonly current: boolean;
  readonly health: HealthState;
  /** Counts as healthy for the rolling update (Healthy long enough, or Unknown past the timeout). */
  readonly ready: boolean;
  /** Unhealthy for longer than the grace period: to be replaced. */
  readonly replace: boolean;
}

export interface PendingProvision {
  readonly logicalId: string | null;
  readonly current: boolean;
}

export interface PlanInput {
  /** Size (cattle); ignored for pets. */
  readonly size: number;
  /** Logical IDs (pets) or null (cattle). */
  readonly logicalIds: readonly string[] | null;
  readonly instances: readonly ObservedInstance[];
  readonly pending: readonly PendingProvision[];
  readonly maxSurge: number;
  readonly maxUnavailable: number;
  readonly paused: boolean;
  /** Most provisions (and, separately, destroys) in one step; default MAX_STEP_OPERATIONS. */
  readonly maxStep?: number;
}

export type DestroyWhy = 'unhealthy' | 'surplus' | 'rolling' | 'no-logical-id' | 'unknown-logical-id' | 'duplicate';

export interface PlannedDestroy {
  readonly id: string;
  readonly reason: 'terminate' | 'rolling_update';
  readonly why: DestroyWhy;
}

export interface Plan {
  /** One entry per instance to provision: its logical ID (null for cattle). */
  readonly provision: (string | null)[];
  readonly destroy: PlannedDestroy[];
  /** Old-config instances still present (0 = no rolling update in progress). */
  readonly outdated: number;
  /** Instances with the current config (present or in flight). */
  readonly updated: number;
}

const byId = (a: ObservedInstance, b: ObservedInstance): number => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
const healthRank = (i: ObservedInstance): number => (i.health === 'unhealthy' ? 0 : i.health === 'unknown' ? 1 : 2);

/** Removal order for cattle: unhealthy first, then outdated, then unknown health, then by ID. */
function removalOrder(a: ObservedInstance, b: ObservedInstance): number {
  const ua = a.health === 'unhealthy' ? 0 : 1;
  const ub = b.health === 'unhealthy' ? 0 : 1;
  if (ua !== ub) return ua - ub;
  if (a.current !== b.current) return a.current ? 1 : -1;
  const ha = healthRank(a);
  const hb = healthRank(b);
  if (ha !== hb) return ha - hb;
  return byId(a, b);
}

export function plan(input: PlanInput): Plan {
  const step = Math.max(1, Math.floor(input.maxStep ?? MAX_STEP_OPERATIONS));
  const p = input.logicalIds === null ? planCattle(input, step) : planPets(input, input.logicalIds);
  // Destroys are bounded by what the plugin listed; still, one step starts at most `step` of them.
  if (p.destroy.length > step) p.destroy.length = step;
  if (p.provision.length > step) {
    const cut = p.provision.length - step;
    p.provision.length = step;
    return { ...p, updated: Math.max(0, p.updated - cut) };
  }
  return p;
}

function planCattle(input: PlanInput, step: number): Plan {
  const destroy: PlannedDestroy[] = [];
  // One pass that copies nothing in the steady case (100,000 members, none to replace, none outdated).
  let oldCount = 0;
  for (const i of input.instances) {
    if (i.replace) destroy.push({ id: i.id, reason: 'terminate', why: 'unhealthy' });
    else if (!i.current) oldCount++;
  }
  const alive = destroy.length === 0 ? input.instances : input.instances.filter((i) => !i.replace);
  const n = input.size;
  const pendingFresh = input.pending.filter((p) => p.current).length;
  const total = alive.length + input.pending.length;
  const provision: null[] = [];

  if (oldCount === 0) {
    // Size is bounded (limits.ts), and one step adds at most `step`.
    if (total < n) for (let k = total; k < n && provision.length < step; k++) provision.push(null);
    else if (alive.length > n) {
      // Only what the plugin shows is removed: a provision in flight may already be listed.
      const surplus = alive
        .slice()
        .sort(removalOrder)
        .slice(0, alive.length - n);
      for (const i of surplus) destroy.push({ id: i.id, reason: 'terminate', why: 'surplus' });
    }
    return { provision, destroy, outdated: 0, updated: alive.length + pendingFresh };
  }
  const fresh = alive.filter((i) => i.current);
  const old = alive.filter((i) => !i.current);

  // A rolling update is in progress.
  const ceiling = n + input.maxSurge;
  const removed = new Set<string>();
  // A shrink is applied first, and takes outdated instances before current ones (docs/go-compat.md #23).
  if (alive.length > ceiling) {
    for (const i of alive
      .slice()
      .sort(removalOrder)
      .slice(0, alive.length - ceiling)) {
      destroy.push({ id: i.id, reason: 'terminate', why: 'surplus' });
      removed.add(i.id);
    }
  }
  const oldLeft = old.filter((i) => !removed.has(i.id));
  const freshLeft = fresh.filter((i) => !removed.has(i.id));
  let totalLeft = total - removed.size;

  if (!input.paused) {
    // Remove old ones while enough stay available: unhealthy old ones cost nothing.
    const ready = freshLeft.filter((i) => i.ready).length;
    const oldSorted = oldLeft.slice().sort(removalOrder);
    let available = ready + oldLeft.filter((i) => i.health !== 'unhealthy').length;
    const floor = n - input.maxUnavailable;
    for (const i of oldSorted) {
      const costs = i.health !== 'unhealthy';
      if (costs && available - 1 < floor) break;
      destroy.push({ id: i.id, reason: 'rolling_update', why: 'rolling' });
      removed.add(i.id);
      if (costs) available--;
      totalLeft--;
    }
  }
  const freshCount = freshLeft.length + pendingFresh;
  const wanted = Math.max(0, n - freshCount);
  const room = (input.paused ? n : ceiling) - totalLeft;
  const toAdd = Math.min(step, Math.max(0, Math.min(wanted, room), n - totalLeft));
  for (let k = 0; k < toAdd; k++) provision.push(null);
  const outdated = oldLeft.filter((i) => !removed.has(i.id)).length;
  return { provision, destroy, outdated, updated: freshCount + toAdd };
}

function keeperOrder(a: ObservedInstance, b: ObservedInstance): number {
  if (a.current !== b.current) return a.current ? -1 : 1;
  if (a.ready !== b.ready) return a.ready ? -1 : 1;
  const ha = healthRank(a);
  const hb = healthRank(b);
  if (ha !== hb) return hb - ha;
  return byId(a, b);
}

function planPets(input: PlanInput, lids: readonly string[]): Plan {
  const destroy: PlannedDestroy[] = [];
  const wanted = new Set(lids);
  const byLid = new Map<string, ObservedInstance[]>();
  for (const i of input.instances) {
    if (i.logicalId === null) destroy.push({ id: i.id, reason: 'terminate', why: 'no-logical-id' });
    else if (!wanted.has(i.logicalId)) destroy.push({ id: i.id, reason: 'terminate', why: 'unknown-logical-id' });
    else if (i.replace) destroy.push({ id: i.id, reason: 'terminate', why: 'unhealthy' });
    else {
      const list = byLid.get(i.logicalId);
      if (list) list.push(i);
      else byLid.set(i.logicalId, [i]);
    }
  }
  const pendingLids = new Set<string>();
  const pendingCurrent = new Set<string>();
  for (const p of input.pending) {
    if (p.logicalId !== null) {
      pendingLids.add(p.logicalId);
      if (p.current) pendingCurrent.add(p.logicalId);
    }
  }
  const provision: string[] = [];
  const keepers: ObservedInstance[] = [];
  let unavailable = 0;
  let updated = 0;
  for (const lid of new Set(lids)) {
    const list = byLid.get(lid);
    if (!list || list.length === 0) {
      if (pendingLids.has(lid)) {
        unavailable++;
        if (pendingCurrent.has(lid)) updated++;
      } else {
        provision.push(lid);
        unavailable++;
        updated++;
      }
      continue;
    }
    list.sort(keeperOrder);
    const keeper = list[0] as ObservedInstance;
    keepers.push(keeper);
    for (const dup of list.slice(1)) destroy.push({ id: dup.id, reason: 'terminate', why: 'duplicate' });
    if (keeper.current) {
      updated++;
      if (!keeper.ready) unavailable++;
    } else if (keeper.health === 'unhealthy') unavailable++;
  }
  const old = keepers.filter((k) => !k.current);
  if (!input.paused && old.length > 0) {
    // Replace one logical ID at a time (or MaxUnavailable of them): a logical ID is an identity, so no surge.
    let budget = Math.max(1, input.maxUnavailable) - unavailable;
    for (const k of old.sort(removalOrder)) {
      if (k.health !== 'unhealthy') {
        if (budget <= 0) break;
        budget--;
      }
      destroy.push({ id: k.id, reason: 'rolling_update', why: 'rolling' });
    }
  }
  return { provision, destroy, outdated: old.length, updated };
}
