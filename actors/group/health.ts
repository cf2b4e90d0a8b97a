/**
 * What a group knows of each member's health: asking the flavor (`Flavor.Healthy`), how long each
 * answer has held, when a new instance is ready for a rolling update to go on, and when an Unhealthy
 * one has outlived its grace period and is replaced. A sweep of every member that takes long spaces
 * out the next one (at most a fifth of the time is spent sweeping).
 */
import { Health, type Description } from '../spi/common.js';
import type { FlavorClient } from '../spi/flavor.js';
import type { Clock } from './clock.js';
import { isUnreachable } from './plugin-calls.js';
import type { HealthState } from './plan.js';
import type { Problems } from './problems.js';
import type { GroupProperties } from './properties.js';
import type { Semaphore } from './semaphore.js';

/** The next sweep of every member starts no sooner than this many times the last one's duration. */
const SWEEP_SPACING = 5;

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
  private lastCheckAll = -Infinity;
  /** When the sweep under way started (null when none is), and how long the last one took. */
  private sweepStartedAt: number | null = null;
  private lastSweepMs = 0;

  constructor(
    private readonly clock: Clock,
    /** How often every member is checked. */
    private readonly intervalMs: number,
  ) {}

  /**
   * The members to check this step: everyone when the interval has passed (healing), else, while
   * outdated instances remain, the current-config ones a rolling update still waits for. `deferSweep`
   * (provisions still wait for a slot) puts off checking everyone until a step where none waits: the
   * sweep would compete with them for the flavor, and the members it would check are mostly new.
   */
  due(visible: readonly Description[], isCurrent: (d: Description) => boolean, props: GroupProperties, deferSweep = false): Description[] {
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
      return [...visible];
    }
    if (!visible.some((d) => !isCurrent(d))) return [];
    return visible.filter((d) => isCurrent(d) && !this.isReady(d.ID, props, t));
  }

  /** Asks the flavor about each of `list` (bounded by `checks`); an unreachable flavor says nothing about them. */
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
  ): Promise<void> {
    let unreachable: unknown;
    const one = async (d: Description): Promise<void> => {
      let state: HealthState;
      try {
        const h = await flavor.healthy(props.flavor.Properties, d);
        state = h === Health.Healthy ? 'healthy' : h === Health.Unhealthy ? 'unhealthy' : 'unknown';
        problems.answered(flavorPlugin);
      } catch (err) {
        if (isUnreachable(err)) {
          unreachable = err;
          return;
        }
        problems.answered(flavorPlugin);
        problems.record('health', err);
        state = 'unknown';
      }
      this.note(d.ID, state);
    };
    // At most `checks.limit` runners walk the list in order, each check holding a slot of `checks`:
    // a sweep of 100,000 members costs a few runners, not a promise and a waiting slot per member.
    let next = 0;
    const runner = async (): Promise<void> => {
      while (next < list.length && unreachable === undefined && !cancelled()) {
        const d = list[next++] as Description;
        await checks.run(() => one(d));
      }
    };
    const runners: Promise<void>[] = [];
    for (let i = 0; i < Math.min(checks.limit, list.length); i++) runners.push(runner());
    await Promise.all(runners);
    if (unreachable !== undefined) problems.trouble('health', unreachable, flavorPlugin);
    if (endsSweep && this.sweepStartedAt !== null) {
      this.lastSweepMs = this.clock.now() - this.sweepStartedAt;
      this.sweepStartedAt = null;
    }
  }

  /** `list` split into the members whose last answer was Unhealthy (they may be replaced) and the rest. */
  splitUrgent(list: readonly Description[]): { urgent: Description[]; rest: Description[] } {
    const urgent: Description[] = [];
    const rest: Description[] = [];
    for (const d of list) (this.records.get(d.ID)?.state === 'unhealthy' ? urgent : rest).push(d);
    return { urgent, rest };
  }

  /** Records one answer about `id`, now. */
  note(id: string, state: HealthState): void {
    const t = this.clock.now();
    const rec = this.records.get(id);
    if (!rec) {
      this.records.set(id, { state, since: t, healthyPolls: state === 'healthy' ? 1 : 0 });
      return;
    }
    if (rec.state !== state) {
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
    const state: HealthState = h?.state ?? 'unknown';
    const grace = props.healthGraceMs ?? defaultGraceMs;
    return {
      health: state,
      ready: this.isReady(id, props, t),
      replace: state === 'unhealthy' && grace > 0 && h !== undefined && t - h.since >= grace,
    };
  }

  /** Forgets members no longer listed. */
  retain(seen: ReadonlySet<string>): void {
    for (const id of this.records.keys()) if (!seen.has(id)) this.records.delete(id);
  }

  forget(id: string): void {
    this.records.delete(id);
  }

  /** Healthy long enough for a rolling update (Updating.Count / Duration), or Unknown past HealthTimeout. */
  private isReady(id: string, props: GroupProperties, t: number): boolean {
    const h = this.records.get(id);
    if (!h) return false;
    const u = props.updating;
    if (h.state === 'healthy') {
      if (u.count > 0) return h.healthyPolls >= u.count;
      if (u.durationMs > 0) return t - h.since >= u.durationMs;
      return true;
    }
    if (h.state === 'unknown') return t - h.since >= u.healthTimeoutMs;
    return false;
  }
}
