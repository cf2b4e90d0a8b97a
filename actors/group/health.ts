/**
 * What a group knows of each member's health: asking the flavor (`Flavor.HealthyBatch` in chunks, or
 * `Flavor.Healthy` per member of a flavor that does not serve it), how long each
 * answer has held, when a new instance is ready for a rolling update to go on, and when an Unhealthy
 * one has outlived its grace period and is replaced. A sweep of every member that takes long spaces
 * out the next one (at most a fifth of the time is spent sweeping).
 */
import { Health, type Description } from '../spi/common.js';
import { BatchSupport, doesNotServe, type FlavorClient } from '../spi/flavor.js';
import type { Clock } from './clock.js';
import { isUnreachable } from './plugin-calls.js';
import type { HealthState, ObservedInstance } from './plan.js';
import type { Problems } from './problems.js';
import type { GroupProperties } from './properties.js';
import type { Semaphore } from './semaphore.js';
import { eachLimited } from '../../runtime/util.js';

/** The next sweep of every member starts no sooner than this many times the last one's duration. */
const SWEEP_SPACING = 5;

/**
 * Members per `Flavor.HealthyBatch` call, and such calls in flight per check: a sweep of 100,000 is 500
 * calls, and the group's own calls (a DescribeGroup) are served between two answers. A flavor running
 * a real check per member (vanilla's HTTP or Command check) takes a batch in about 10 s at worst.
 */
export const HEALTH_BATCH_SIZE = 200;
export const HEALTH_BATCHES_IN_FLIGHT = 2;

/**
 * A sweep lets the group's DescribeGroups go first: before each call it waits for those in flight
 * (a DescribeGroup of 100,000 takes 0.1-0.5 s and competed with the sweep for the same threads), for
 * at most this long in all per check, so that DescribeGroups that never stop cannot hold healing up.
 */
export const SWEEP_YIELD_BUDGET_MS = 5000;

function stateOf(h: unknown): HealthState {
  return h === Health.Healthy ? 'healthy' : h === Health.Unhealthy ? 'unhealthy' : 'unknown';
}

interface HealthRecord {
  state: HealthState;
  /** Clock time the state last changed. */
  since: number;
  /** Consecutive Healthy answers. */
  healthyPolls: number;
}

export interface HealthJudgement {
  readonly health: HealthState;
  /** Healthy long enough for a rolling update, or Unknown past its HealthTimeout. */
  readonly ready: boolean;
  /** Unhealthy past the grace period (0 never replaces). */
  readonly replace: boolean;
}

export class HealthBook {
  private readonly records = new Map<string, HealthRecord>();
  /** Flavors that did not serve Flavor.HealthyBatch lately. */
  private readonly batch: BatchSupport;
  private lastCheckAll = -Infinity;
  /** When the sweep under way started (null when none is), and how long the last one took. */
  private sweepStartedAt: number | null = null;
  private lastSweepMs = 0;
  /** Records whose state is Unhealthy: with none, `splitUrgent` copies nothing. */
  private unhealthy = 0;
  /** A check ended since `retain` last looked at every record: it may have noted members no longer listed. */
  private checkEnded = false;

  constructor(
    private readonly clock: Clock,
    /** How often every member is checked. */
    private readonly intervalMs: number,
  ) {
    this.batch = new BatchSupport(() => clock.now());
  }

  /**
   * The members to check this step: everyone when the interval has passed (healing), else, while
   * outdated instances remain, the current-config ones a rolling update still waits for. `deferSweep`
   * (provisions still wait for a slot) puts off checking everyone until a step where none waits: the
   * sweep would compete with them for the flavor, and the members it would check are mostly new.
   */
  due(
    visible: readonly Description[],
    isCurrent: (d: Description) => boolean,
    props: GroupProperties,
    deferSweep = false,
  ): readonly Description[] {
    const t = this.clock.now();
    // A sweep that took long (100,000 members) spaces the next out: sweeping takes at most a fifth of the time.
    // One sweep at a time (a sweep may go on after the step that started it).
    if (
      !deferSweep &&
      this.sweepStartedAt === null &&
      t - this.lastCheckAll >= Math.max(this.intervalMs, SWEEP_SPACING * this.lastSweepMs)
    ) {
      this.lastCheckAll = t;
      if (visible.length > 0) this.sweepStartedAt = t;
      return visible;
    }
    if (!visible.some((d) => !isCurrent(d))) return [];
    return visible.filter((d) => isCurrent(d) && !this.isReady(d.ID, props, t));
  }

  /**
   * Asks the flavor about each of `list`: in calls of HEALTH_BATCH_SIZE members (`Flavor.HealthyBatch`),
   * HEALTH_BATCHES_IN_FLIGHT at a time, each holding a slot of `checks`; a flavor that does not serve
   * the batch (a Go plugin) is asked one member at a time instead (`checks.limit` at once), and is
   * remembered so for a while (`BatchSupport`). An unreachable flavor says nothing about any member.
   */
  async check(
    list: readonly Description[],
    flavor: FlavorClient,
    flavorPlugin: string,
    props: GroupProperties,
    checks: Semaphore,
    problems: Problems,
    /** This call checks the last of a sweep's members: its duration spaces out the next sweep. */
    endsSweep = true,
    /** Stop asking (the group stopped). */
    cancelled: () => boolean = () => false,
    /**
     * Before each call: work to let finish first (the group's DescribeGroups in flight), or undefined.
     * A check waits so for at most SWEEP_YIELD_BUDGET_MS in all, then goes on regardless.
     */
    yieldTo: () => Promise<unknown> | undefined = () => undefined,
  ): Promise<void> {
    let unreachable: unknown;
    let yielded = 0;
    const politely = async (): Promise<void> => {
      const first = yielded < SWEEP_YIELD_BUDGET_MS ? yieldTo() : undefined;
      if (first === undefined) return;
      const t = this.clock.now();
      await first;
      yielded += this.clock.now() - t;
    };
    const properties = props.flavor.Properties;
    const failed = (err: unknown): boolean => {
      if (isUnreachable(err)) {
        unreachable = err;
        return true;
      }
      problems.answered(flavorPlugin);
      problems.record('health', err);
      return false;
    };
    const going = (): boolean => unreachable === undefined && !cancelled();

    // The batch: chunks in order; the members of a chunk refused as not served go to `single`.
    let single: readonly Description[] = list;
    if (this.batch.tries(flavor.actor)) {
      let refused = false;
      const redo: Description[] = [];
      const chunk = async (part: readonly Description[]): Promise<void> => {
        try {
          const { healths, errors } = await flavor.healthyBatch(properties, part);
          problems.answered(flavorPlugin);
          const t = this.clock.now();
          for (let i = 0; i < part.length; i++) {
            const id = (part[i] as Description).ID;
            const err = errors?.[i] ?? null;
            if (err !== null) {
              problems.record('health', err);
              this.note(id, 'unknown', t);
            } else this.note(id, stateOf(healths[i]), t);
          }
        } catch (err) {
          if (doesNotServe(err)) {
            if (!refused) this.batch.refused(flavor.actor);
            refused = true;
            redo.push(...part);
          } else if (!failed(err)) for (const d of part) this.note(d.ID, 'unknown');
        }
      };
      // Chunks start every HEALTH_BATCH_SIZE members; once one is refused, the rest go to `single` unsent.
      const starts: number[] = [];
      for (let i = 0; i < list.length; i += HEALTH_BATCH_SIZE) starts.push(i);
      await eachLimited(
        starts,
        HEALTH_BATCHES_IN_FLIGHT,
        async (from) => {
          if (!refused) await politely();
          const part = list.slice(from, from + HEALTH_BATCH_SIZE);
          if (refused) redo.push(...part);
          else if (going()) await checks.run(() => chunk(part));
        },
        going,
      );
      single = redo;
    }

    // One member a call: at most `checks.limit` runners walk the rest in order, each check holding a
    // slot of `checks` (a few runners, not a promise and a waiting slot per member).
    const one = async (d: Description): Promise<void> => {
      let state: HealthState;
      try {
        state = stateOf(await flavor.healthy(properties, d));
        problems.answered(flavorPlugin);
      } catch (err) {
        if (failed(err)) return;
        state = 'unknown';
      }
      this.note(d.ID, state);
    };
    await eachLimited(
      single,
      checks.limit,
      async (d) => {
        await politely();
        if (going()) await checks.run(() => one(d));
      },
      going,
    );

    if (unreachable !== undefined) problems.trouble('health', unreachable, flavorPlugin);
    this.checkEnded = true;
    if (endsSweep && this.sweepStartedAt !== null) {
      this.lastSweepMs = this.clock.now() - this.sweepStartedAt;
      this.sweepStartedAt = null;
    }
  }

  /** `list` split into the members whose last answer was Unhealthy (they may be replaced) and the rest. */
  splitUrgent(list: readonly Description[]): { urgent: readonly Description[]; rest: readonly Description[] } {
    if (this.unhealthy === 0) return { urgent: [], rest: list };
    const urgent: Description[] = [];
    const rest: Description[] = [];
    for (const d of list) (this.records.get(d.ID)?.state === 'unhealthy' ? urgent : rest).push(d);
    return { urgent, rest };
  }

  /** Records one answer about `id`, at `t` (now). */
  note(id: string, state: HealthState, t = this.clock.now()): void {
    const rec = this.records.get(id);
    if (!rec) {
      this.records.set(id, { state, since: t, healthyPolls: state === 'healthy' ? 1 : 0 });
      if (state === 'unhealthy') this.unhealthy++;
      return;
    }
    if (rec.state !== state) {
      if (rec.state === 'unhealthy') this.unhealthy--;
      else if (state === 'unhealthy') this.unhealthy++;
      rec.state = state;
      rec.since = t;
      rec.healthyPolls = 0;
    }
    if (state === 'healthy') rec.healthyPolls++;
  }

  /** The judgement of one member now; `defaultGraceMs` when the group sets no Health.GracePeriod. */
  judge(id: string, props: GroupProperties, defaultGraceMs: number): HealthJudgement {
    const t = this.clock.now();
    const h = this.records.get(id);
    return {
      health: h?.state ?? 'unknown',
      ready: h !== undefined && readyAt(h, props, t),
      replace: replaceAt(h, props, defaultGraceMs, t),
    };
  }

  /**
   * The member `d` as the plan sees it, judged at `t` (judge's answer without an object of its own:
   * one per member per step).
   */
  observe(d: Description, current: boolean, props: GroupProperties, defaultGraceMs: number, t: number): ObservedInstance {
    const h = this.records.get(d.ID);
    return {
      id: d.ID,
      logicalId: d.LogicalID ?? null,
      current,
      health: h?.state ?? 'unknown',
      ready: h !== undefined && readyAt(h, props, t),
      replace: replaceAt(h, props, defaultGraceMs, t),
    };
  }

  /**
   * Forgets members no longer listed. Every record is looked at only when one may be stale: a member
   * left the listing (`removedSome`), there are more records than members, or a check ended since
   * the last look (it may have noted members listed when it started and gone since).
   */
  retain(seen: ReadonlySet<string>, removedSome = true): void {
    if (!removedSome && !this.checkEnded && this.records.size <= seen.size) return;
    this.checkEnded = false;
    for (const id of this.records.keys()) if (!seen.has(id)) this.forget(id);
  }

  forget(id: string): void {
    if (this.records.get(id)?.state === 'unhealthy') this.unhealthy--;
    this.records.delete(id);
  }

  /** Healthy long enough for a rolling update (Updating.Count / Duration), or Unknown past HealthTimeout. */
  private isReady(id: string, props: GroupProperties, t: number): boolean {
    const h = this.records.get(id);
    return h !== undefined && readyAt(h, props, t);
  }
}

/** Unhealthy past the grace period (the group's Health.GracePeriod, else `defaultGraceMs`; 0 never replaces). */
function replaceAt(h: HealthRecord | undefined, props: GroupProperties, defaultGraceMs: number, t: number): boolean {
  const grace = props.healthGraceMs ?? defaultGraceMs;
  return h !== undefined && h.state === 'unhealthy' && grace > 0 && t - h.since >= grace;
}

function readyAt(h: HealthRecord, props: GroupProperties, t: number): boolean {
  const u = props.updating;
  if (h.state === 'healthy') {
    if (u.count > 0) return h.healthyPolls >= u.count;
    if (u.durationMs > 0) return t - h.since >= u.durationMs;
    return true;
  }
  if (h.state === 'unknown') return t - h.since >= u.healthTimeoutMs;
  return false;
}
