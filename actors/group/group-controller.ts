/**
 * One managed group: its convergence loop, its operations in flight, what it knows of each member's
 * health, and its rolling update. Each step (on commit, on an operation's end, on the poll tick)
 * lists the members by tag (docs/go-compat.md #7), settles and checks health, plans (plan.ts) and
 * launches operations in the background; operations in flight count toward the size, so nothing is
 * provisioned twice. An unreachable plugin skips the step (retried with backoff, shown in `Problems`).
 * See docs/architecture.md, "The group".
 */
import { performance } from 'node:perf_hooks';
import {
  HASH_BOOTSTRAP,
  Health,
  TAG_CONFIG_HASH,
  TAG_CONFIG_SHA_V05,
  TAG_GROUP,
  TAG_LOGICAL_ID,
  type Allocation,
  type Caller,
  type Description,
  type DestroyReason,
  type Tags,
} from '../spi/common.js';
import { FlavorClient } from '../spi/flavor.js';
import type { GroupDescription } from '../spi/group.js';
import { InstanceClient } from '../spi/instance.js';
import { errorCode, errorMessage, isUnreachable } from './plugin-calls.js';
import { plan, type HealthState, type ObservedInstance, type PendingProvision, type PlannedDestroy } from './plan.js';
import { propertiesHash, targetSize, type GroupProperties, type GroupSpecRecord } from './properties.js';
import { Semaphore } from './semaphore.js';
import type { StepGate } from './journal.js';

/** The pino methods used here; tests pass a silent one. */
export interface GroupLog {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

export const silentLog: GroupLog = { debug() {}, info() {}, warn() {}, error() {} };

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
}

export interface GroupSettings {
  readonly spec: GroupSpecRecord;
  readonly props: GroupProperties;
  readonly hash: string;
}

export function settingsOf(spec: GroupSpecRecord, props: GroupProperties): GroupSettings {
  return { spec, props, hash: propertiesHash(props) };
}

export interface Problem {
  /** What failed: `describe`, `provision`, `destroy`, `drain`, `health`, `label`. */
  readonly Source: string;
  readonly Message: string;
  /** When it first happened (ISO time) and how often since. */
  readonly Since: string;
  readonly Count: number;
}

interface Pending {
  id: string | null;
  readonly logicalId: string | null;
  readonly hash: string;
  /** null while in flight; else the time after which a listing must show it. */
  visibleAfter: number | null;
}

interface Destroying {
  visibleAfter: number | null;
}

interface HealthRecord {
  state: HealthState;
  firstSeen: number;
  since: number;
  healthyPolls: number;
  checkedAt: number;
}

export type EmitFn = (type: string, payload?: unknown) => void;

/** What the plugin wraps around a controller (all optional). */
export interface ControllerHooks {
  /** Called around each convergence step (the crash journal). */
  readonly gate?: StepGate;
  /** Until this `performance.now()` time, a plugin not found or starting is waited for, not a problem. */
  readonly waitForPluginsUntil?: number;
}

/** A plugin that is not there yet (resolving) or is starting: worth waiting for after a resume. */
const NOT_YET = new Set(['IK_ACTOR_NOT_FOUND', 'IK_ACTOR_STARTING', 'IK_ACTOR_RESTARTING']);

const now = (): number => performance.now();

/** The config hash an instance carries (HEAD tag, else v0.5's). */
export function instanceHash(d: Description): string | undefined {
  const t = d.Tags ?? undefined;
  return t?.[TAG_CONFIG_HASH] ?? t?.[TAG_CONFIG_SHA_V05];
}

export class GroupController {
  private settings: GroupSettings;
  private paused: boolean;
  private readonly pending = new Map<number, Pending>();
  private readonly destroying = new Map<string, Destroying>();
  private readonly health = new Map<string, HealthRecord>();
  private readonly problems = new Map<string, Problem>();
  private readonly ops: Semaphore;
  private readonly checks: Semaphore;
  private tokens = 0;
  private opsInFlight = 0;
  private progressed = false;
  private timer: NodeJS.Timeout | null = null;
  private timerAt = Infinity;
  private running: Promise<void> | null = null;
  private again = false;
  private stopped = true;
  private failures = 0;
  private lastHealthAll = -Infinity;
  private lastMembers: Description[] = [];
  private lastIds = new Set<string>();
  private wasConverged = false;
  private rollout: { active: boolean; updated: number; outdated: number } = { active: false, updated: 0, outdated: 0 };
  private drainWaiters: (() => void)[] = [];
  /** Plugins waited for after a resume: name → what the last call said. */
  private readonly waiting = new Map<string, string>();

  constructor(
    settings: GroupSettings,
    paused: boolean,
    private readonly caller: Caller,
    private readonly opts: ControllerOptions,
    private readonly log: GroupLog = silentLog,
    private readonly emit: EmitFn = () => {},
    private readonly hooks: ControllerHooks = {},
  ) {
    this.settings = settings;
    this.paused = paused;
    this.ops = new Semaphore(Math.max(1, opts.maxParallel));
    this.checks = new Semaphore(Math.max(1, opts.maxParallel));
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
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.timerAt = Infinity;
  }

  /** Swaps the settings (a commit) and converges soon. */
  update(settings: GroupSettings): void {
    this.settings = settings;
    this.wasConverged = false;
    this.schedule(this.opts.soonMs);
  }

  setPaused(paused: boolean): void {
    this.paused = paused;
    this.schedule(this.opts.soonMs);
  }

  /** Resolves when no operation is in flight. */
  idle(): Promise<void> {
    if (this.opsInFlight === 0) return Promise.resolve();
    return new Promise((resolve) => this.drainWaiters.push(resolve));
  }

  /** Converges now (or right after the running step) and resolves when that step is done. */
  async convergeNow(): Promise<void> {
    while (this.running) {
      this.again = false;
      await this.running;
    }
    await this.runOnce();
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    const at = now() + delayMs;
    if (this.timer && this.timerAt <= at) return;
    if (this.timer) clearTimeout(this.timer);
    this.timerAt = at;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.timerAt = Infinity;
      if (this.running) {
        this.again = true;
        return;
      }
      void this.runOnce();
    }, delayMs);
    this.timer.unref?.();
  }

  /** One step, marked in progress in the crash journal while it runs. */
  private async step(): Promise<boolean> {
    const gate = this.hooks.gate;
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
        this.problem('converge', err);
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

  // ---- problems -------------------------------------------------------------------------------

  private problem(source: string, err: unknown): void {
    const message = errorMessage(err);
    const old = this.problems.get(source);
    this.problems.set(source, { Source: source, Message: message, Since: old?.Since ?? new Date().toISOString(), Count: (old?.Count ?? 0) + 1 });
    if (!old) this.emit('group:problem', { ID: this.id, Source: source, Message: message });
  }

  private clear(source: string): void {
    this.problems.delete(source);
  }

  /** A failed call to `plugin`: waited for if it is not up yet right after a resume, else a problem. */
  private trouble(source: string, err: unknown, plugin: string): void {
    const code = errorCode(err);
    if (code !== undefined && NOT_YET.has(code) && now() < (this.hooks.waitForPluginsUntil ?? -Infinity)) {
      if (!this.waiting.has(plugin)) this.log.info({ group: this.id, plugin }, 'waiting for a plugin the group names to come up');
      this.waiting.set(plugin, errorMessage(err));
      return;
    }
    this.problem(source, err);
  }

  /** A call to `plugin` went through. */
  private answered(plugin: string): void {
    this.waiting.delete(plugin);
  }

  /** `waiting for plugin <name>` while resuming and a plugin is not up yet; else null. */
  waitingStatus(): string | null {
    if (this.waiting.size === 0 || now() >= (this.hooks.waitForPluginsUntil ?? -Infinity)) return null;
    return `waiting for plugin ${[...this.waiting.keys()].sort().join(', ')}`;
  }

  problemList(): Problem[] {
    return [...this.problems.values()];
  }

  // ---- listing --------------------------------------------------------------------------------

  /** The group's members as the instance plugin reports them (tag filter re-checked here, docs/go-compat.md #25). */
  async listMembers(s = this.settings): Promise<Description[]> {
    const all = await this.instanceClient(s).describe({ [TAG_GROUP]: s.spec.ID }, true);
    const out: Description[] = [];
    for (const d of all) {
      const tags = d.Tags ?? undefined;
      if (tags?.[TAG_GROUP] !== s.spec.ID) continue;
      const lid = tags[TAG_LOGICAL_ID];
      out.push(d.LogicalID == null && lid !== undefined ? { ...d, LogicalID: lid } : d);
    }
    return out;
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
            this.problem('label', err);
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
    const s = this.settings;
    const started = now();
    let members: Description[];
    try {
      members = await this.listMembers(s);
    } catch (err) {
      // Unreachable or failing: nothing is known, so nothing is done (never provision blind).
      this.trouble('describe', err, s.props.instance.Plugin);
      if (!this.waiting.has(s.props.instance.Plugin)) {
        this.log.warn({ group: s.spec.ID, err: errorMessage(err), code: errorCode(err) }, 'cannot list instances; skipping this step');
      }
      return false;
    }
    this.answered(s.props.instance.Plugin);
    this.clear('describe');
    this.clear('converge');
    if (this.stopped || this.settings !== s) {
      // Settings changed while listing: the next step (already scheduled) plans with the new ones.
      this.again = true;
      return true;
    }
    members = await this.relabelBootstrap(members, s);
    this.progressed = false;

    // Settle what was in flight against this listing.
    const seen = new Set<string>();
    for (const d of members) seen.add(d.ID);
    for (const [tok, p] of this.pending) {
      if ((p.id !== null && seen.has(p.id)) || (p.visibleAfter !== null && p.visibleAfter <= started)) this.pending.delete(tok);
    }
    for (const [id, d] of this.destroying) if (d.visibleAfter !== null && d.visibleAfter <= started) this.destroying.delete(id);
    const visible = members.filter((d) => !this.destroying.has(d.ID));
    this.noteChanges(members, seen);

    // Health: everyone when due (healing), else the new-config instances a rolling update waits for.
    const t = now();
    const outdatedPresent = visible.some((d) => instanceHash(d) !== s.hash);
    for (const id of this.health.keys()) if (!seen.has(id)) this.health.delete(id);
    let toCheck: Description[] = [];
    if (t - this.lastHealthAll >= this.opts.healthIntervalMs) {
      this.lastHealthAll = t;
      toCheck = visible;
    } else if (outdatedPresent) {
      toCheck = visible.filter((d) => instanceHash(d) === s.hash && !this.isReady(d.ID, s, t));
    }
    if (toCheck.length > 0) await this.checkHealth(toCheck, s);
    if (this.stopped || this.settings !== s) {
      this.again = true;
      return true;
    }

    const t2 = now();
    const observed: ObservedInstance[] = visible.map((d) => this.observe(d, s, t2));
    const pending: PendingProvision[] = [];
    for (const p of this.pending.values()) pending.push({ logicalId: p.logicalId, current: p.hash === s.hash });
    const result = plan({
      size: s.props.size,
      logicalIds: s.props.logicalIds,
      instances: observed,
      pending,
      maxSurge: s.props.updating.maxSurge,
      maxUnavailable: s.props.updating.maxUnavailable,
      paused: this.paused,
    });

    const byId = new Map<string, Description>();
    for (const d of visible) byId.set(d.ID, d);
    for (const d of result.destroy) {
      const desc = byId.get(d.id);
      if (desc) void this.destroyOne(desc, d, s);
    }
    let seq = visible.length + this.pending.size;
    // Index of each logical ID by a map, not indexOf per provision (10,000 pets would cost 10⁸ compares).
    const lidIndex = new Map<string, number>();
    s.props.logicalIds?.forEach((l, k) => lidIndex.set(l, k));
    for (const lid of result.provision) {
      const index = lid !== null ? (lidIndex.get(lid) ?? -1) : seq++;
      void this.provisionOne(lid, index, s);
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

  private observe(d: Description, s: GroupSettings, t: number): ObservedInstance {
    const h = this.health.get(d.ID);
    const state: HealthState = h?.state ?? 'unknown';
    const grace = s.props.healthGraceMs ?? this.opts.healthGraceMs;
    return {
      id: d.ID,
      logicalId: d.LogicalID ?? null,
      current: instanceHash(d) === s.hash,
      health: state,
      ready: this.isReady(d.ID, s, t),
      replace: state === 'unhealthy' && grace > 0 && h !== undefined && t - h.since >= grace,
    };
  }

  /** Healthy long enough for a rolling update (Updating.Count / Duration), or Unknown past HealthTimeout. */
  private isReady(id: string, s: GroupSettings, t: number): boolean {
    const h = this.health.get(id);
    if (!h) return false;
    const u = s.props.updating;
    if (h.state === 'healthy') {
      if (u.count > 0) return h.healthyPolls >= u.count;
      if (u.durationMs > 0) return t - h.since >= u.durationMs;
      return true;
    }
    if (h.state === 'unknown') return t - h.since >= u.healthTimeoutMs;
    return false;
  }

  private async checkHealth(list: Description[], s: GroupSettings): Promise<void> {
    const flavor = this.flavorClient(s);
    const props = s.props.flavor.Properties;
    let unreachable: unknown;
    await Promise.all(
      list.map((d) =>
        this.checks.run(async () => {
          if (unreachable !== undefined) return;
          let state: HealthState;
          try {
            const h = await flavor.healthy(props, d);
            state = h === Health.Healthy ? 'healthy' : h === Health.Unhealthy ? 'unhealthy' : 'unknown';
            this.answered(s.props.flavor.Plugin);
          } catch (err) {
            if (isUnreachable(err)) {
              // The flavor is down: that says nothing about the instance.
              unreachable = err;
              return;
            }
            this.answered(s.props.flavor.Plugin);
            this.problem('health', err);
            state = 'unknown';
          }
          const t = now();
          const rec = this.health.get(d.ID);
          if (!rec) this.health.set(d.ID, { state, firstSeen: t, since: t, healthyPolls: state === 'healthy' ? 1 : 0, checkedAt: t });
          else {
            if (rec.state !== state) {
              rec.state = state;
              rec.since = t;
              rec.healthyPolls = 0;
            }
            if (state === 'healthy') rec.healthyPolls++;
            rec.checkedAt = t;
          }
        }),
      ),
    );
    if (unreachable !== undefined) this.trouble('health', unreachable, s.props.flavor.Plugin);
  }

  // ---- operations -----------------------------------------------------------------------------

  private opStarted(): void {
    this.opsInFlight++;
  }

  private opFinished(): void {
    if (--this.opsInFlight > 0) return;
    const waiters = this.drainWaiters;
    this.drainWaiters = [];
    for (const w of waiters) w();
    // Look again soon after a batch made progress; after failures only, wait for the poll tick.
    if (this.progressed) this.schedule(this.opts.soonMs);
  }

  private provisionOne(logicalId: string | null, sequence: number, s: GroupSettings): Promise<void> {
    const token = ++this.tokens;
    const p: Pending = { id: null, logicalId, hash: s.hash, visibleAfter: null };
    this.pending.set(token, p);
    this.opStarted();
    return this.ops
      .run(async () => {
        if (this.stopped) {
          this.pending.delete(token);
          return;
        }
        const tags: Tags = { [TAG_GROUP]: s.spec.ID, [TAG_CONFIG_HASH]: s.hash };
        if (logicalId !== null) tags[TAG_LOGICAL_ID] = logicalId;
        const allocation: Allocation = { Size: s.props.size, LogicalIDs: s.props.logicalIds === null ? null : [...s.props.logicalIds] };
        let spec;
        try {
          spec = await this.flavorClient(s).prepare(
            s.props.flavor.Properties,
            { Properties: s.props.instance.Properties, Tags: tags, Init: '', LogicalID: logicalId, Attachments: null },
            allocation,
            { Group: s.spec.ID, Sequence: sequence },
          );
        } catch (err) {
          this.pending.delete(token);
          this.trouble('provision', err, s.props.flavor.Plugin);
          return;
        }
        this.answered(s.props.flavor.Plugin);
        // The group's tags are its memory: a flavor may add tags, never drop these.
        spec = { ...spec, Tags: { ...(spec.Tags ?? {}), ...tags }, LogicalID: logicalId ?? spec.LogicalID ?? null };
        try {
          p.id = await this.instanceClient(s).provision(spec);
          p.visibleAfter = now();
          this.progressed = true;
          this.clear('provision');
        } catch (err) {
          if (isUnreachable(err)) {
            // It may exist anyway: keep counting it until a listing taken late enough says otherwise.
            p.visibleAfter = now() + (errorCode(err) === 'IK_CALL_TIMEOUT' ? this.opts.callTimeoutMs : 0);
          } else this.pending.delete(token);
          this.trouble('provision', err, s.props.instance.Plugin);
          this.log.warn({ group: s.spec.ID, err: errorMessage(err) }, 'provision failed');
        }
      })
      .finally(() => this.opFinished());
  }

  private destroyOne(desc: Description, d: PlannedDestroy, s: GroupSettings): Promise<boolean> {
    if (this.destroying.has(desc.ID)) return Promise.resolve(false);
    const rec: Destroying = { visibleAfter: null };
    this.destroying.set(desc.ID, rec);
    this.opStarted();
    return this.ops
      .run(async () => this.drainAndDestroy(desc, d.reason, s, d.why))
      .then(
        (ok) => {
          rec.visibleAfter = now();
          if (!ok && d.reason === 'rolling_update') this.destroying.delete(desc.ID);
          return ok;
        },
        () => {
          rec.visibleAfter = now();
          return false;
        },
      )
      .finally(() => this.opFinished());
  }

  /** Drain (through the flavor) then Destroy. Resolves true when the instance is gone. */
  private async drainAndDestroy(desc: Description, reason: DestroyReason, s: GroupSettings, why: string): Promise<boolean> {
    const skipDrain = reason === 'rolling_update' && s.props.updating.skipBeforeInstanceDestroy === 'drain';
    if (!skipDrain) {
      try {
        await this.flavorClient(s).drain(s.props.flavor.Properties, desc);
      } catch (err) {
        this.trouble('drain', err, s.props.flavor.Plugin);
        // A failed drain halts a rolling update's step (Go aborts; we retry next tick); a terminate goes on.
        if (reason === 'rolling_update') return false;
      }
    }
    try {
      await this.instanceClient(s).destroy(desc.ID, { Reason: reason });
    } catch (err) {
      if (!isUnreachable(err) && /not found|no such|ENOENT/i.test(errorMessage(err))) {
        // Already gone: that is what we wanted.
      } else {
        this.problem('destroy', err);
        return false;
      }
    }
    this.health.delete(desc.ID);
    this.progressed = true;
    this.clear('destroy');
    this.log.info({ group: s.spec.ID, instance: desc.ID, reason, why }, 'destroyed');
    return true;
  }

  /**
   * Destroys one member now (DestroyGroup, DestroyInstances), outside the plan: Drain (errors only
   * logged) then Destroy; rejects with the Destroy error. The instance stops counting at once.
   */
  destroyMember(desc: Description, reason: DestroyReason): Promise<void> {
    const s = this.settings;
    const rec: Destroying = { visibleAfter: null };
    this.destroying.set(desc.ID, rec);
    this.opStarted();
    return this.ops
      .run(async () => {
        try {
          await this.flavorClient(s).drain(s.props.flavor.Properties, desc);
        } catch (err) {
          this.log.warn({ group: s.spec.ID, instance: desc.ID, err: errorMessage(err) }, 'drain failed; destroying anyway');
        }
        await this.instanceClient(s).destroy(desc.ID, { Reason: reason });
        this.health.delete(desc.ID);
        this.progressed = true;
      })
      .finally(() => {
        rec.visibleAfter = now();
        this.opFinished();
      });
  }

  // ---- what the outside sees ------------------------------------------------------------------

  private noteChanges(members: Description[], seen: Set<string>): void {
    let added = 0;
    for (const id of seen) if (!this.lastIds.has(id)) added++;
    let removed = 0;
    for (const id of this.lastIds) if (!seen.has(id)) removed++;
    this.lastIds = seen;
    this.lastMembers = members;
    if (added > 0 || removed > 0) this.emit('group:changed', { ID: this.id, Added: added, Removed: removed, Instances: seen.size });
  }

  private noteRollout(outdated: number, updated: number, s: GroupSettings): void {
    const total = targetSize(s.props);
    const prev = this.rollout;
    const active = outdated > 0;
    if (active && !prev.active) this.emit('rollout:started', { ID: this.id, Total: total, Outdated: outdated });
    if (active && (prev.outdated !== outdated || prev.updated !== updated)) {
      this.emit('rollout:progress', { ID: this.id, Updated: Math.min(updated, total), Outdated: outdated, Total: total, Paused: this.paused });
    }
    if (!active && prev.active) this.emit('rollout:completed', { ID: this.id, Total: total });
    this.rollout = { active, updated, outdated };
  }

  private noteConverged(visible: Description[], s: GroupSettings): void {
    const converged = this.opsInFlight === 0 && this.pending.size === 0 && isConverged(visible, s);
    if (converged && !this.wasConverged) this.emit('group:converged', { ID: this.id, Size: targetSize(s.props) });
    this.wasConverged = converged;
  }

  /** DescribeGroup: the live list, Converged, and our extras. */
  async describe(): Promise<GroupDescription> {
    const s = this.settings;
    let members: Description[];
    let stale = false;
    try {
      members = await this.listMembers(s);
    } catch (err) {
      if (!isUnreachable(err)) throw err;
      this.trouble('describe', err, s.props.instance.Plugin);
      members = this.lastMembers;
      stale = true;
    }
    const outdated = members.filter((d) => instanceHash(d) !== s.hash).length;
    const converged = !stale && !this.stopped && this.opsInFlight === 0 && isConverged(members, s);
    const problems = this.problemList();
    const status = this.waitingStatus();
    return {
      ...(status === null ? {} : { Status: status }),
      Instances: members.length === 0 ? null : members,
      Converged: converged,
      Size: targetSize(s.props),
      ConfigHash: s.hash,
      Rollout: outdated > 0 || this.paused
        ? { State: outdated === 0 ? 'idle' : this.paused ? 'paused' : 'rolling', Updated: members.length - outdated, Outdated: outdated, Total: targetSize(s.props), Paused: this.paused }
        : null,
      Problems: problems.length === 0 ? null : problems,
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
