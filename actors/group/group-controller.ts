/**
 * One managed group: the loop that ties its parts together. Each step (on commit, on an operation's
 * end, on the poll tick) lists the members by tag (docs/go-compat.md #7), settles the operations in
 * flight (operations.ts), checks health when due (health.ts), plans (plan.ts) and launches operations;
 * failures go to problems.ts; time comes from clock.ts. An unreachable plugin skips the step (retried
 * with backoff); right after a resume a plugin not there yet is waited for. A poll tick is skipped while
 * provisions still wait for a slot (100,000 of them). docs/architecture.md, "The group".
 */
import {
  HASH_BOOTSTRAP,
  TAG_CONFIG_HASH,
  TAG_GROUP,
  TAG_LOGICAL_ID,
  hashOfTags,
  type Caller,
  type Description,
  type DestroyReason,
  type Tags,
} from '../spi/common.js';
import { FlavorClient } from '../spi/flavor.js';
import type { GroupDescription } from '../spi/group.js';
import { InstanceClient } from '../spi/instance.js';
import { PackedMembers } from './packed-members.js';
import { realClock, type Clock } from './clock.js';
import { HealthBook } from './health.js';
import type { StepGate } from './journal.js';
import { Operations } from './operations.js';
import { errorCode, errorMessage, isUnreachable } from './plugin-calls.js';
import { plan, type ObservedInstance } from './plan.js';
import { Problems, silentLog, type EmitFn, type GroupLog, type Problem } from './problems.js';
import { targetSize } from './properties.js';
import type { GroupSettings } from './settings.js';
import { Semaphore } from './semaphore.js';
import { PreparedJson, jsonTextOf } from '../../runtime/reply.js';

export { silentLog, type EmitFn, type GroupLog, type Problem };

export interface ControllerOptions {
  /** Converge tick. Default 10 000 ms. */
  readonly pollIntervalMs: number;
  /** Provisions/destroys (and, separately, health checks) at once per group. */
  readonly maxParallel: number;
  /** Health.GracePeriod when the group does not set it; 0 disables replacement of unhealthy instances. */
  readonly healthGraceMs: number;
  /** How often every member's health is checked. Default: the poll interval. */
  readonly healthIntervalMs: number;
  /** Deadline of one plugin call (only to tell how long an unanswered provision may still show up). */
  readonly callTimeoutMs: number;
  /** Delay of the converge that follows a commit or finished operations. Default 10 ms. */
  readonly soonMs: number;
  /** The controller's time (ticks, grace periods, timeouts). Default the real clock; tests pass a ManualClock. */
  readonly clock?: Clock;
}

/** What the plugin wraps around a controller (all optional). */
export interface ControllerHooks {
  /** Called around each convergence step (the crash journal). */
  readonly gate?: StepGate;
  /** Until this time of the controller's clock, a plugin not found or starting is waited for, not a problem. */
  readonly waitForPluginsUntil?: number;
}

/** The config hash an instance carries (HEAD tag, else v0.5's). */
export function instanceHash(d: Description): string | undefined {
  return hashOfTags(d.Tags);
}

export class GroupController {
  private settings: GroupSettings;
  private paused: boolean;
  private readonly clock: Clock;
  private readonly problems: Problems;
  private readonly health: HealthBook;
  private readonly ops: Operations;
  private readonly checks: Semaphore;
  private readonly gate: StepGate | undefined;
  private timer: ReturnType<Clock['setTimeout']> | null = null;
  private timerAt = Infinity;
  private running: Promise<void> | null = null;
  private again = false;
  /** A commit, pause or explicit converge asked for a step: it runs even while provisions wait for a slot. */
  private wanted = true;
  /** Operations finished (and made progress) since the last step began: the next step settles them at once. */
  private opsEnded = false;
  private stopped = true;
  private failures = 0;
  private lastMembers: Description[] = [];
  /** DescribeGroup's listing in flight, and the one queued behind it that later callers share (`listForDescribe`). */
  private describing: { s: GroupSettings; list: Promise<Description[] | PackedMembers> } | null = null;
  private describeNext: { s: GroupSettings; list: Promise<Description[] | PackedMembers> } | null = null;
  private lastIds = new Set<string>();
  /** DescribeGroups listing their members now (settled promises, never rejected). */
  private readonly describes = new Set<Promise<void>>();
  private wasConverged = false;
  private rollout: { active: boolean; updated: number; outdated: number } = { active: false, updated: 0, outdated: 0 };

  constructor(
    settings: GroupSettings,
    paused: boolean,
    private readonly caller: Caller,
    private readonly opts: ControllerOptions,
    private readonly log: GroupLog = silentLog,
    private readonly emit: EmitFn = () => {},
    hooks: ControllerHooks = {},
  ) {
    this.settings = settings;
    this.paused = paused;
    this.clock = opts.clock ?? realClock;
    this.gate = hooks.gate;
    this.problems = new Problems(() => this.id, this.clock, log, emit, hooks.waitForPluginsUntil);
    this.health = new HealthBook(this.clock, opts.healthIntervalMs);
    this.checks = new Semaphore(Math.max(1, opts.maxParallel));
    this.ops = new Operations({
      caller,
      clock: this.clock,
      log,
      problems: this.problems,
      health: this.health,
      maxParallel: opts.maxParallel,
      callTimeoutMs: opts.callTimeoutMs,
      stopped: () => this.stopped,
      // Look again soon after a batch made progress; after failures only, wait for the poll tick.
      onIdle: (progressed) => {
        if (!progressed) return;
        this.opsEnded = true;
        this.schedule(this.opts.soonMs);
      },
    });
  }

  get id(): string {
    return this.settings.spec.ID;
  }
  get current(): GroupSettings {
    return this.settings;
  }
  get isPaused(): boolean {
    return this.paused;
  }
  get isRunning(): boolean {
    return !this.stopped;
  }

  private instanceClient(s = this.settings): InstanceClient {
    return new InstanceClient(this.caller, s.props.instance.Plugin);
  }
  private flavorClient(s = this.settings): FlavorClient {
    return new FlavorClient(this.caller, s.props.flavor.Plugin);
  }

  /** Starts the loop: a converge at once, then every poll interval. */
  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.schedule(0);
  }

  /** Stops the loop; operations already running finish on their own. Idempotent. */
  stop(): void {
    this.stopped = true;
    if (this.timer) this.clock.clearTimeout(this.timer);
    this.timer = null;
    this.timerAt = Infinity;
  }

  /** Swaps the settings (a commit) and converges soon. */
  update(settings: GroupSettings): void {
    this.settings = settings;
    this.wasConverged = false;
    this.wanted = true;
    this.schedule(this.opts.soonMs);
  }

  setPaused(paused: boolean): void {
    this.paused = paused;
    this.wanted = true;
    this.schedule(this.opts.soonMs);
  }

  /** Resolves when no operation is in flight. */
  idle(): Promise<void> {
    return this.ops.idle();
  }

  /** Converges now (or right after the running step) and resolves when that step is done. */
  async convergeNow(): Promise<void> {
    while (this.running) {
      this.again = false;
      await this.running;
    }
    this.wanted = true;
    await this.runOnce();
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    const at = this.clock.now() + delayMs;
    if (this.timer && this.timerAt <= at) return;
    if (this.timer) this.clock.clearTimeout(this.timer);
    this.timerAt = at;
    this.timer = this.clock.setTimeout(() => {
      this.timer = null;
      this.timerAt = Infinity;
      if (this.running) {
        this.again = true;
        return;
      }
      void this.runOnce();
    }, delayMs);
  }

  /** One step, marked in progress in the crash journal while it runs. */
  private async step(): Promise<boolean> {
    // A poll tick lets the DescribeGroups in flight now finish first (not later ones): its listing and
    // walk of every member (100,000) would share the threads with theirs. A commit or an operation's end steps at once.
    if (!this.wanted && !this.opsEnded) await this.describesDone();
    this.opsEnded = false;
    const gate = this.gate;
    if (!gate) return this.converge();
    await gate.begin(this.id);
    try {
      return await this.converge();
    } finally {
      gate.end(this.id);
    }
  }

  private runOnce(): Promise<void> {
    const p = this.step()
      .then((ok) => {
        this.failures = ok ? 0 : this.failures + 1;
      })
      .catch((err: unknown) => {
        this.failures++;
        this.log.error({ group: this.id, err }, 'converge failed');
        this.problems.record('converge', err);
      })
      .finally(() => {
        this.running = null;
        if (this.stopped) return;
        if (this.again) {
          this.again = false;
          this.schedule(0);
        } else if (this.failures > 0) {
          this.schedule(Math.min(this.opts.pollIntervalMs, 100 * 2 ** Math.min(this.failures - 1, 10)));
        } else this.schedule(this.opts.pollIntervalMs);
      });
    this.running = p;
    return p;
  }

  /** `waiting for plugin <name>` while resuming and a plugin is not up yet; else null. */
  waitingStatus(): string | null {
    return this.problems.waitingStatus();
  }

  problemList(): Problem[] {
    return this.problems.list();
  }

  // ---- listing --------------------------------------------------------------------------------

  /** The group's members as the instance plugin reports them (tag filter re-checked here, docs/go-compat.md #25). */
  async listMembers(s = this.settings): Promise<Description[]> {
    const l = await this.listing(s);
    return Array.isArray(l) ? l : l.list();
  }

  /** The members as listed: kept packed when the plugin answered packed (the simulator), else Descriptions. */
  private async listing(s: GroupSettings): Promise<Description[] | PackedMembers> {
    const all = await this.instanceClient(s).describePacked({ [TAG_GROUP]: s.spec.ID }, true);
    if (!Array.isArray(all)) return new PackedMembers(all, s.spec.ID);
    const out: Description[] = [];
    for (const d of all) {
      const tags = d.Tags ?? undefined;
      if (tags?.[TAG_GROUP] !== s.spec.ID) continue;
      const lid = tags[TAG_LOGICAL_ID];
      out.push(d.LogicalID == null && lid !== undefined ? { ...d, LogicalID: lid } : d);
    }
    return out;
  }

  /**
   * The members for a DescribeGroup: a listing that starts after the call arrived, shared with the
   * other DescribeGroups of this group that arrive while the one before it is in flight. So 32 clients
   * describing at once cost the instance plugin two listings, not 32, and no answer is older than its
   * call. Calls made under other settings (a commit changed the plugin meanwhile) list alone.
   */
  private listForDescribe(s: GroupSettings): Promise<Description[] | PackedMembers> {
    const now = this.describing;
    if (now === null) {
      const list = this.listing(s);
      const mine = { s, list };
      this.describing = mine;
      const done = (): void => {
        if (this.describing === mine) this.describing = null;
      };
      list.then(done, done);
      return list;
    }
    if (now.s !== s) return this.listing(s);
    const next = this.describeNext;
    if (next !== null && next.s === s) return next.list;
    const after = (): Promise<Description[] | PackedMembers> => {
      if (this.describeNext === queued) this.describeNext = null;
      return this.listForDescribe(s);
    };
    const queued = { s, list: now.list.then(after, after) };
    this.describeNext = queued;
    return queued.list;
  }

  /** Relabels instances whose hash is `bootstrap` with the current hash (docs/go-compat.md #7); returns the list as relabelled. */
  private async relabelBootstrap(members: Description[], s: GroupSettings): Promise<Description[]> {
    const boot = members.filter((d) => instanceHash(d) === HASH_BOOTSTRAP);
    if (boot.length === 0) return members;
    const client = this.instanceClient(s);
    const labels: Tags = { [TAG_GROUP]: s.spec.ID, [TAG_CONFIG_HASH]: s.hash };
    const done = new Set<string>();
    await Promise.all(
      boot.map((d) =>
        this.checks.run(async () => {
          try {
            await client.label(d.ID, labels);
            done.add(d.ID);
          } catch (err) {
            this.problems.record('label', err);
          }
        }),
      ),
    );
    return members.map((d) => (done.has(d.ID) ? { ...d, Tags: { ...(d.Tags ?? {}), ...labels } } : d));
  }

  // ---- one step -------------------------------------------------------------------------------

  /** One convergence step. Resolves false when the instance plugin could not be listed. */
  private async converge(): Promise<boolean> {
    if (this.stopped) return true;
    // A poll tick while provisions still wait for a slot: listing every member again would only slow
    // them (the plan counts them already); the step after the last of them finishes looks instead.
    if (!this.wanted && this.ops.queued > 0) return true;
    this.wanted = false;
    const s = this.settings;
    const started = this.clock.now();
    let members: Description[];
    try {
      members = await this.listMembers(s);
    } catch (err) {
      // Unreachable or failing: nothing is known, so nothing is done (never provision blind).
      this.problems.trouble('describe', err, s.props.instance.Plugin);
      if (!this.problems.isWaitingFor(s.props.instance.Plugin)) {
        this.log.warn({ group: s.spec.ID, err: errorMessage(err), code: errorCode(err) }, 'cannot list instances; skipping this step');
      }
      return false;
    }
    this.problems.answered(s.props.instance.Plugin);
    this.problems.clear('describe');
    this.problems.clear('converge');
    if (this.stopped || this.settings !== s) {
      // Settings changed while listing: the next step (already scheduled) plans with the new ones.
      this.again = true;
      return true;
    }
    members = await this.relabelBootstrap(members, s);
    this.ops.beginStep();

    // Settle what was in flight against this listing. A listing of the same IDs in the same order as
    // the last one (a group at rest) takes the last one's set: no Set of 100,000 new strings each step.
    const seen = sameIds(members, this.lastMembers) ? this.lastIds : new Set(members.map((d) => d.ID));
    this.ops.settle(seen, started);
    const visible = this.ops.destroyingCount === 0 ? members : members.filter((d) => !this.ops.isDestroying(d.ID));
    const removedSome = this.noteChanges(members, seen);

    // Health: everyone when due (healing; put off while provisions wait for a slot), else the
    // new-config instances a rolling update waits for.
    this.health.retain(seen, removedSome);
    const toCheck = this.health.due(visible, (d) => instanceHash(d) === s.hash, s.props, this.ops.queued > 0);
    if (toCheck.length > 0) {
      const flavor = this.flavorClient(s);
      const check = (list: readonly Description[], endsSweep: boolean): Promise<void> =>
        this.health.check(
          list,
          flavor,
          s.props.flavor.Plugin,
          s.props,
          this.checks,
          this.problems,
          endsSweep,
          () => this.stopped,
          () => this.describesDone(),
        );
      if (this.sweepCanTrail(visible, s)) {
        // Only the members now Unhealthy may be replaced by this step: the plan waits for their answers
        // alone; the rest of the sweep goes on after the step (its answers count from the next one).
        const { urgent, rest } = this.health.splitUrgent(toCheck);
        if (urgent.length > 0) await check(urgent, rest.length === 0);
        if (rest.length > 0)
          check(rest, true).catch((err: unknown) => this.log.warn({ group: s.spec.ID, err: errorMessage(err) }, 'health sweep failed'));
      } else await check(toCheck, true);
    }
    if (this.stopped || this.settings !== s) {
      this.again = true;
      return true;
    }

    const now = this.clock.now();
    const grace = this.opts.healthGraceMs;
    const observed: ObservedInstance[] = visible.map((d) => this.health.observe(d, instanceHash(d) === s.hash, s.props, grace, now));
    const result = plan({
      size: s.props.size,
      logicalIds: s.props.logicalIds,
      instances: observed,
      pending: this.ops.pendingProvisions(s.hash),
      maxSurge: s.props.updating.maxSurge,
      maxUnavailable: s.props.updating.maxUnavailable,
      paused: this.paused,
    });

    // Built only when something is destroyed: a steady step over 100,000 members needs no map of them.
    const byId = new Map<string, Description>();
    if (result.destroy.length > 0) for (const d of visible) byId.set(d.ID, d);
    for (const d of result.destroy) {
      const desc = byId.get(d.id);
      if (desc) void this.ops.destroy(desc, d, s);
    }
    let seq = visible.length + this.ops.pendingCount;
    // Index of each logical ID by a map, not indexOf per provision (10,000 pets would cost 10⁸ compares).
    const lidIndex = new Map<string, number>();
    s.props.logicalIds?.forEach((l, k) => lidIndex.set(l, k));
    for (const lid of result.provision) {
      const index = lid !== null ? (lidIndex.get(lid) ?? -1) : seq++;
      this.ops.provision(lid, index, s);
    }
    if (result.destroy.length > 0 || result.provision.length > 0) {
      this.log.info(
        { group: s.spec.ID, provision: result.provision.length, destroy: result.destroy.length, listed: members.length },
        'converging',
      );
    }
    this.noteRollout(result.outdated, result.updated, s);
    this.noteConverged(visible, s);
    return true;
  }

  /**
   * Whether a health sweep's answers about members not Unhealthy now can change this step's plan: they
   * cannot when the plan removes no one by health (cattle, no surplus) and no rolling update waits for
   * readiness. A member's first or changed answer starts its grace period now, so it is never replaced
   * in the step that hears it.
   */
  private sweepCanTrail(visible: readonly Description[], s: GroupSettings): boolean {
    if (s.props.logicalIds !== null) return false;
    if (visible.length + this.ops.pendingCount > s.props.size) return false;
    for (const d of visible) if (instanceHash(d) !== s.hash) return false;
    return true;
  }

  /**
   * Destroys one member now (DestroyGroup, DestroyInstances), outside the plan: Drain (errors only
   * logged) then Destroy; rejects with the Destroy error. The instance stops counting at once.
   */
  destroyMember(desc: Description, reason: DestroyReason): Promise<void> {
    return this.ops.destroyNow(desc, reason, this.settings);
  }

  // ---- what the outside sees ------------------------------------------------------------------

  /** Counts and announces what the listing added and removed; whether it removed any. */
  private noteChanges(members: Description[], seen: Set<string>): boolean {
    this.lastMembers = members;
    if (seen === this.lastIds) return false;
    let added = 0;
    for (const id of seen) if (!this.lastIds.has(id)) added++;
    // Those of the last listing not in this one: the rest of it is in this one (seen.size - added of them).
    const removed = this.lastIds.size - (seen.size - added);
    this.lastIds = seen;
    if (added > 0 || removed > 0) this.emit('group:changed', { ID: this.id, Added: added, Removed: removed, Instances: seen.size });
    return removed > 0;
  }

  private noteRollout(outdated: number, updated: number, s: GroupSettings): void {
    const total = targetSize(s.props);
    const prev = this.rollout;
    const active = outdated > 0;
    if (active && !prev.active) this.emit('rollout:started', { ID: this.id, Total: total, Outdated: outdated });
    if (active && (prev.outdated !== outdated || prev.updated !== updated)) {
      this.emit('rollout:progress', {
        ID: this.id,
        Updated: Math.min(updated, total),
        Outdated: outdated,
        Total: total,
        Paused: this.paused,
      });
    }
    if (!active && prev.active) this.emit('rollout:completed', { ID: this.id, Total: total });
    this.rollout = { active, updated, outdated };
  }

  private noteConverged(visible: Description[], s: GroupSettings): void {
    const converged = this.ops.running === 0 && this.ops.pendingCount === 0 && isConverged(visible, s);
    if (converged && !this.wasConverged) this.emit('group:converged', { ID: this.id, Size: targetSize(s.props) });
    this.wasConverged = converged;
  }

  /** DescribeGroup: the live list, Converged, and our extras. */
  async describe(): Promise<GroupDescription> {
    return describedValue(await this.describeParts());
  }

  /** DescribeGroup with its Instances still as listed (packed from the simulator): `describedValue` or `describedJson`. */
  describeParts(): Promise<DescribedParts> {
    // Tracked so that a health sweep lets it go first (`describesDone`).
    const p = this.describePartsNow();
    const settled = p.then(
      () => undefined,
      () => undefined,
    );
    this.describes.add(settled);
    void settled.then(() => this.describes.delete(settled));
    return p;
  }

  /** Settles once the DescribeGroups in flight now have their members (undefined when none is). */
  private describesDone(): Promise<unknown> | undefined {
    return this.describes.size === 0 ? undefined : Promise.all(this.describes);
  }

  private async describePartsNow(): Promise<DescribedParts> {
    const s = this.settings;
    let members: Description[] | PackedMembers;
    let stale = false;
    try {
      members = await this.listForDescribe(s);
    } catch (err) {
      if (!isUnreachable(err)) throw err;
      this.problems.trouble('describe', err, s.props.instance.Plugin);
      members = this.lastMembers;
      stale = true;
    }
    const outdated = Array.isArray(members) ? members.filter((d) => instanceHash(d) !== s.hash).length : members.outdated(s.hash);
    const converged =
      !stale &&
      !this.stopped &&
      this.ops.running === 0 &&
      // Cattle: every member current and the size; pets look at each member's logical ID.
      (Array.isArray(members) || s.props.logicalIds !== null
        ? isConverged(Array.isArray(members) ? members : members.list(), s)
        : outdated === 0 && members.length === s.props.size);
    const problems = this.problemList();
    const status = this.waitingStatus();
    const size = targetSize(s.props);
    return {
      members,
      rest: {
        ...(status === null ? {} : { Status: status }),
        Instances: null,
        Converged: converged,
        Size: size,
        ConfigHash: s.hash,
        Rollout:
          outdated > 0 || this.paused
            ? {
                State: outdated === 0 ? 'idle' : this.paused ? 'paused' : 'rolling',
                Updated: members.length - outdated,
                Outdated: outdated,
                Total: size,
                Paused: this.paused,
              }
            : null,
        Problems: problems.length === 0 ? null : problems,
      },
    };
  }

  /** Live instances and how many carry the current hash (for a commit's Details). */
  async census(s: GroupSettings): Promise<{ matching: number; mismatching: number }> {
    const members = await this.listMembers(s);
    let matching = 0;
    for (const d of members) if (instanceHash(d) === s.hash) matching++;
    return { matching, mismatching: members.length - matching };
  }
}

/** A DescribeGroup answer whose Instances are still as listed: `rest` holds every other member, `Instances: null` in its place. */
export interface DescribedParts {
  readonly members: Description[] | PackedMembers;
  readonly rest: GroupDescription;
}

/** The answer as a value. */
export function describedValue(p: DescribedParts): GroupDescription {
  const list = Array.isArray(p.members) ? p.members : p.members.list();
  return { ...p.rest, Instances: list.length === 0 ? null : list };
}

/** Packed members at least this many go to the socket as bytes written from the columns (`PackedMembers.json`). */
export const PREPARED_MIN_MEMBERS = 256;

/**
 * The whole answer `wrap(describedValue(p))` as a `PreparedJson` when the members came packed: for a
 * caller that wants JSON, the text of everything but the members stringified as usual and the members'
 * JSON spliced in: for 256 members or more written from the columns into one buffer, for fewer the
 * members' JSON text made once per listing and shared by the DescribeGroups that share the listing
 * (32 clients describing a group of 5). Otherwise, and for no member, the value.
 */
export function describedAnswer(p: DescribedParts, wrap: (d: GroupDescription) => object): object {
  const members = p.members;
  if (Array.isArray(members) || members.length === 0) return wrap(describedValue(p));
  return new PreparedJson(
    () => wrap(describedValue(p)),
    () => {
      // `"Instances":null` in the text of the rest is where the array goes: as a key it is found
      // nowhere else (inside a JSON string every quote is escaped).
      const text = jsonTextOf(wrap(p.rest));
      const at = text?.indexOf(INSTANCES_NULL) ?? -1;
      if (text === undefined || at < 0) return undefined;
      const cut = at + INSTANCES_NULL.length - 4;
      if (members.length >= PREPARED_MIN_MEMBERS) return members.json(text.slice(0, cut), text.slice(cut + 4));
      const list = members.listText();
      return list === undefined ? undefined : text.slice(0, cut) + list + text.slice(cut + 4);
    },
  );
}

const INSTANCES_NULL = '"Instances":null';

/** Whether `a` and `b` list the same IDs in the same order. */
function sameIds(a: readonly Description[], b: readonly Description[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if ((a[i] as Description).ID !== (b[i] as Description).ID) return false;
  return true;
}

/** Has its size (one per logical ID for pets), every instance on the current hash. */
export function isConverged(members: readonly Description[], s: GroupSettings): boolean {
  for (const d of members) if (instanceHash(d) !== s.hash) return false;
  const lids = s.props.logicalIds;
  if (lids === null) return members.length === s.props.size;
  if (members.length !== new Set(lids).size) return false;
  const seen = new Set<string>();
  const wanted = new Set(lids);
  for (const d of members) {
    const lid = d.LogicalID ?? null;
    if (lid === null || !wanted.has(lid) || seen.has(lid)) return false;
    seen.add(lid);
  }
  return true;
}
