/**
 * A group's provisions and destroys in flight: running them (bounded by maxParallel), and counting
 * them toward the size until a listing taken late enough shows their outcome, so nothing is
 * provisioned twice and a member being destroyed is not counted. Provisions wait in a plain queue
 * that at most maxParallel runners drain, so 100,000 of them cost a small record each, not a promise.
 */
import type { Description, DestroyReason, InstanceSpec, Tags } from '../spi/common.js';
import { FlavorClient } from '../spi/flavor.js';
import { InstanceClient } from '../spi/instance.js';
import type { Caller } from '../spi/common.js';
import type { Clock } from './clock.js';
import type { HealthBook } from './health.js';
import { errorCode, errorMessage, isUnreachable } from './plugin-calls.js';
import type { PendingProvision, PlannedDestroy } from './plan.js';
import type { GroupLog, Problems } from './problems.js';
import type { GroupSettings } from './settings.js';
import { Semaphore } from './semaphore.js';

interface Pending {
  id: string | null;
  readonly logicalId: string | null;
  readonly hash: string;
  /** null while in flight; else the clock time after which a listing must show it. */
  visibleAfter: number | null;
}

/** A provision waiting for a runner. */
interface Queued {
  readonly token: number;
  readonly p: Pending;
  readonly sequence: number;
  readonly s: GroupSettings;
}

/**
 * The spec to provision: the flavor's, with the group's tags over its own (a flavor may add tags, never
 * drop these) and the logical ID. The flavor's spec itself when it already says exactly that.
 */
export function withGroupTags(spec: InstanceSpec, tags: Readonly<Tags>, logicalId: string | null): InstanceSpec {
  const own = spec.Tags;
  const lid = logicalId ?? spec.LogicalID ?? null;
  if (own != null && spec.LogicalID === lid) {
    let same = true;
    for (const k in tags) {
      if (own[k] !== tags[k] || !Object.hasOwn(own, k)) {
        same = false;
        break;
      }
    }
    if (same) return spec;
  }
  return { ...spec, Tags: { ...(own ?? {}), ...tags }, LogicalID: lid };
}

interface Destroying {
  /** null while in flight; else the clock time after which a listing no longer shows it. */
  visibleAfter: number | null;
}

export interface OperationsContext {
  readonly caller: Caller;
  readonly clock: Clock;
  readonly log: GroupLog;
  readonly problems: Problems;
  readonly health: HealthBook;
  readonly maxParallel: number;
  /** Deadline of one plugin call: how long an unanswered provision may still show up. */
  readonly callTimeoutMs: number;
  /** The loop has stopped: queued provisions are dropped. */
  readonly stopped: () => boolean;
  /** The last operation in flight has finished; `progressed` when something was provisioned or destroyed. */
  readonly onIdle: (progressed: boolean) => void;
}

export class Operations {
  private readonly pending = new Map<number, Pending>();
  private readonly destroying = new Map<string, Destroying>();
  private readonly ops: Semaphore;
  private tokens = 0;
  private inFlight = 0;
  private queue: Queued[] = [];
  private queueHead = 0;
  private runners = 0;
  private progressed = false;
  private idleWaiters: (() => void)[] = [];

  constructor(private readonly ctx: OperationsContext) {
    this.ops = new Semaphore(Math.max(1, ctx.maxParallel));
  }

  /** Operations started and not finished. */
  get running(): number {
    return this.inFlight;
  }

  /** Provisions waiting for a slot (not started yet). */
  get queued(): number {
    return this.queue.length - this.queueHead;
  }

  /** Provisions still counted toward the size. */
  get pendingCount(): number {
    return this.pending.size;
  }

  /** Resolves when no operation is in flight. */
  idle(): Promise<void> {
    if (this.inFlight === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Starts counting progress afresh for a step. */
  beginStep(): void {
    this.progressed = false;
  }

  /** Drops what a listing taken at `listedAt` (clock time its step started) shows settled. */
  settle(seen: ReadonlySet<string>, listedAt: number): void {
    for (const [tok, p] of this.pending) {
      if ((p.id !== null && seen.has(p.id)) || (p.visibleAfter !== null && p.visibleAfter <= listedAt)) this.pending.delete(tok);
    }
    for (const [id, d] of this.destroying) if (d.visibleAfter !== null && d.visibleAfter <= listedAt) this.destroying.delete(id);
  }

  /** Being destroyed: no longer counted as a member. */
  isDestroying(id: string): boolean {
    return this.destroying.has(id);
  }

  /** How many instances are being destroyed (or destroyed and maybe still listed). */
  get destroyingCount(): number {
    return this.destroying.size;
  }

  /** The provisions counted toward the size, for the plan. */
  pendingProvisions(hash: string): PendingProvision[] {
    const out: PendingProvision[] = [];
    for (const p of this.pending.values()) out.push({ logicalId: p.logicalId, current: p.hash === hash });
    return out;
  }

  private started(): void {
    this.inFlight++;
  }

  private finished(): void {
    if (--this.inFlight > 0) return;
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const w of waiters) w();
    this.ctx.onIdle(this.progressed);
  }

  /** The plugin clients of one settings value, made once (not per provision). */
  private readonly clients = new WeakMap<GroupSettings, { instance: InstanceClient; flavor: FlavorClient }>();
  private clientsOf(s: GroupSettings): { instance: InstanceClient; flavor: FlavorClient } {
    let c = this.clients.get(s);
    if (c === undefined) {
      c = {
        instance: new InstanceClient(this.ctx.caller, s.props.instance.Plugin),
        flavor: new FlavorClient(this.ctx.caller, s.props.flavor.Plugin),
      };
      this.clients.set(s, c);
    }
    return c;
  }
  private instance(s: GroupSettings): InstanceClient {
    return this.clientsOf(s).instance;
  }
  private flavor(s: GroupSettings): FlavorClient {
    return this.clientsOf(s).flavor;
  }

  /** Prepare (flavor) then Provision one instance, tagged as the group's; counted until listed. Runs when a runner takes it. */
  provision(logicalId: string | null, sequence: number, s: GroupSettings): void {
    const token = ++this.tokens;
    const p: Pending = { id: null, logicalId, hash: s.hash, visibleAfter: null };
    this.pending.set(token, p);
    this.started();
    this.queue.push({ token, p, sequence, s });
    if (this.runners < Math.max(1, this.ctx.maxParallel)) {
      this.runners++;
      void this.drainQueue();
    }
  }

  /** One runner: takes queued provisions one at a time (each holding a slot of maxParallel) until none is left. */
  private async drainQueue(): Promise<void> {
    try {
      for (;;) {
        const q = this.queue[this.queueHead];
        if (q === undefined) break;
        this.queue[this.queueHead++] = undefined as unknown as Queued;
        if (this.queueHead > 1024 && this.queueHead * 2 > this.queue.length) {
          this.queue = this.queue.slice(this.queueHead);
          this.queueHead = 0;
        }
        try {
          await this.ops.run(() => this.provisionOne(q));
        } catch (err) {
          this.pending.delete(q.token);
          this.ctx.problems.record('provision', err);
        } finally {
          this.finished();
        }
      }
    } finally {
      this.runners--;
    }
  }

  private async provisionOne({ token, p, sequence, s }: Queued): Promise<void> {
    const { clock, problems, log } = this.ctx;
    const logicalId = p.logicalId;
    if (this.ctx.stopped()) {
      this.pending.delete(token);
      return;
    }
    const c = logicalId === null ? s.cattle : undefined;
    const tags = c?.tags ?? s.tags(logicalId);
    let spec: InstanceSpec;
    try {
      spec = await this.flavor(s).prepare(
        s.props.flavor.Properties,
        c?.spec ?? { Properties: s.props.instance.Properties, Tags: tags, Init: '', LogicalID: logicalId, Attachments: null },
        s.allocation,
        { Group: s.spec.ID, Sequence: sequence },
      );
    } catch (err) {
      this.pending.delete(token);
      problems.trouble('provision', err, s.props.flavor.Plugin);
      return;
    }
    problems.answered(s.props.flavor.Plugin);
    // The group's tags are its memory: a flavor may add tags, never drop these.
    spec = withGroupTags(spec, tags, logicalId);
    try {
      p.id = await this.instance(s).provision(spec);
      p.visibleAfter = clock.now();
      this.progressed = true;
      problems.clear('provision');
    } catch (err) {
      if (isUnreachable(err)) {
        // It may exist anyway: keep counting it until a listing taken late enough says otherwise.
        p.visibleAfter = clock.now() + (errorCode(err) === 'IK_CALL_TIMEOUT' ? this.ctx.callTimeoutMs : 0);
      } else this.pending.delete(token);
      problems.trouble('provision', err, s.props.instance.Plugin);
      log.warn({ group: s.spec.ID, err: errorMessage(err) }, 'provision failed');
    }
  }

  /** A planned destroy: Drain then Destroy. Resolves true when the instance is gone. */
  destroy(desc: Description, d: PlannedDestroy, s: GroupSettings): Promise<boolean> {
    if (this.destroying.has(desc.ID)) return Promise.resolve(false);
    const rec: Destroying = { visibleAfter: null };
    this.destroying.set(desc.ID, rec);
    this.started();
    return this.ops
      .run(async () => this.drainAndDestroy(desc, d.reason, s, d.why))
      .then(
        (ok) => {
          rec.visibleAfter = this.ctx.clock.now();
          if (!ok && d.reason === 'rolling_update') this.destroying.delete(desc.ID);
          return ok;
        },
        () => {
          rec.visibleAfter = this.ctx.clock.now();
          return false;
        },
      )
      .finally(() => this.finished());
  }

  /** Drain (through the flavor) then Destroy. Resolves true when the instance is gone. */
  private async drainAndDestroy(desc: Description, reason: DestroyReason, s: GroupSettings, why: string): Promise<boolean> {
    const { problems } = this.ctx;
    const skipDrain = reason === 'rolling_update' && s.props.updating.skipBeforeInstanceDestroy === 'drain';
    if (!skipDrain) {
      try {
        await this.flavor(s).drain(s.props.flavor.Properties, desc);
      } catch (err) {
        problems.trouble('drain', err, s.props.flavor.Plugin);
        // A failed drain halts a rolling update's step (Go aborts; we retry next tick); a terminate goes on.
        if (reason === 'rolling_update') return false;
      }
    }
    try {
      await this.instance(s).destroy(desc.ID, { Reason: reason });
    } catch (err) {
      if (!isUnreachable(err) && /not found|no such|ENOENT/i.test(errorMessage(err))) {
        // Already gone: that is what we wanted.
      } else {
        problems.record('destroy', err);
        return false;
      }
    }
    this.ctx.health.forget(desc.ID);
    this.progressed = true;
    problems.clear('destroy');
    this.ctx.log.info({ group: s.spec.ID, instance: desc.ID, reason, why }, 'destroyed');
    return true;
  }

  /**
   * Destroys one member now, outside the plan: Drain (errors only logged) then Destroy; rejects with
   * the Destroy error. The instance stops counting at once.
   */
  destroyNow(desc: Description, reason: DestroyReason, s: GroupSettings): Promise<void> {
    const rec: Destroying = { visibleAfter: null };
    this.destroying.set(desc.ID, rec);
    this.started();
    return this.ops
      .run(async () => {
        try {
          await this.flavor(s).drain(s.props.flavor.Properties, desc);
        } catch (err) {
          this.ctx.log.warn({ group: s.spec.ID, instance: desc.ID, err: errorMessage(err) }, 'drain failed; destroying anyway');
        }
        await this.instance(s).destroy(desc.ID, { Reason: reason });
        this.ctx.health.forget(desc.ID);
        this.progressed = true;
      })
      .finally(() => {
        rec.visibleAfter = this.ctx.clock.now();
        this.finished();
      });
  }
}
