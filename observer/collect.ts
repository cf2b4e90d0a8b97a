/**
 * The observer's model: samples `runtime.stats()` every second into a short history per actor (calls
 * per second, mailbox depth, p50/p99 over the last window), asks every Group actor for its groups
 * through their public calls (`Group.InspectGroups`, `Group.DescribeGroup`), and keeps a bounded log
 * of the runtime's lifecycle events and the groups' events. Groups are polled only while someone
 * watches (a page, a stream) or a scrape asks; actors are sampled always (no hop to a worker).
 */
import type { Runtime } from '../runtime/runtime.js';
import type { ActorStats, MethodStats } from '../runtime/stats.js';
import { flavorClient, groupClient } from '../actors/spi/clients.js';
import { Health, hashOfTags, type Description } from '../actors/spi/common.js';
import type { GroupDescription } from '../actors/spi/group-properties.js';

/** Samples kept per actor (one a second: five minutes). */
export const HISTORY_SAMPLES = 300;
/** Window (in samples) of the p50/p99 and calls/s shown. */
export const RATE_WINDOW = 10;
/** Events kept in the log. */
export const EVENT_LOG_SIZE = 500;
/** Groups described per Group actor per sample; more are listed by ID only. */
export const MAX_GROUPS_DESCRIBED = 100;
/** Instances listed per group in a snapshot (the count is always whole). */
export const MAX_INSTANCES_LISTED = 200;
/** Instances per group whose health is asked of the group's flavor (`Flavor.Healthy`), every `HEALTH_EVERY` refreshes. */
export const MAX_HEALTH_CHECKS = 50;
export const HEALTH_EVERY = 5;

/** An actor as the observer shows it: the runtime's own figures, and what the observer works out from them. */
export interface ActorView extends Pick<
  ActorStats,
  'name' | 'kind' | 'status' | 'threadIds' | 'mailboxDepth' | 'mailboxCapacity' | 'mailboxFull' | 'restarts'
> {
  /** Since the runtime started: calls through main and direct calls from other actors (these reported every 2 s). */
  readonly calls: number;
  readonly errors: number;
  /** Over the last `RATE_WINDOW` seconds. */
  readonly callsPerSecond: number;
  /** Upper bounds (ms) of the buckets holding the median and 99th percentile of the last window's calls through main; null without any. */
  readonly p50Ms: number | null;
  readonly p99Ms: number | null;
  readonly heapUsedBytes: number | null;
  readonly heapLimitBytes: number | null;
  /** One a second, oldest first (at most `HISTORY_SAMPLES`). */
  readonly history: { readonly callsPerSecond: readonly number[]; readonly mailboxDepth: readonly number[] };
}

export interface InstanceView {
  readonly id: string;
  readonly configHash: string | null;
  readonly health: string | null;
}

export interface GroupView {
  /** The Group actor that manages it. */
  readonly plugin: string;
  readonly id: string;
  readonly size: number | null;
  readonly instances: number;
  readonly converged: boolean;
  readonly state: string | null;
  readonly status: string | null;
  readonly configHash: string | null;
  /** While instances are on an older config (`rolling`, `paused`), or `completed` once a rollout the observer saw is over; else null. */
  readonly rollout: { readonly state: string; readonly updated: number; readonly total: number; readonly paused: boolean } | null;
  readonly problems: readonly { readonly source: string; readonly message: string; readonly count: number }[];
  /** The first `MAX_INSTANCES_LISTED`. */
  readonly instanceList: readonly InstanceView[];
  /** Set when describing it failed. */
  readonly error?: string;
}

export interface ObservedEvent {
  readonly seq: number;
  readonly at: number;
  /** `actor:started`, `actor:restarted`, …, or a group event type (`group:committed`, …). */
  readonly type: string;
  readonly actor: string;
  readonly summary: string;
}

export interface Snapshot {
  readonly at: number;
  readonly collecting: boolean;
  readonly actors: readonly ActorView[];
  readonly groups: readonly GroupView[];
  /** When the groups were last described (0: never). */
  readonly groupsAt: number;
}

interface Sample {
  readonly calls: number;
  readonly buckets: readonly number[];
}

interface Track {
  samples: Sample[];
  rate: number[];
  depth: number[];
}

const EVENT_TYPES = [
  'actor:started',
  'actor:exited',
  'actor:restarted',
  'actor:failed',
  'actor:reloading',
  'actor:reloaded',
  'actor:reload-failed',
  'mailbox:full',
  'actor:event',
] as const;

function totals(
  methods: Readonly<Record<string, MethodStats>>,
  direct: ActorStats['direct'],
  width: number,
): { calls: number; errors: number; buckets: number[] } {
  let calls = 0;
  let errors = 0;
  const buckets = new Array<number>(width).fill(0);
  // Calls through main and direct ones (timed by the callee's worker) in one histogram.
  for (const m of [...Object.values(methods), ...Object.values(direct)]) {
    calls += m.ok + m.error;
    errors += m.error;
    m.buckets.forEach((n, i) => (buckets[i] = (buckets[i] ?? 0) + n));
  }
  return { calls, errors, buckets };
}

/** The upper bound of the bucket holding quantile `q` of `buckets` (Infinity for the last, open one); null when empty. */
export function bucketQuantile(buckets: readonly number[], bounds: readonly number[], q: number): number | null {
  const n = buckets.reduce((a, b) => a + b, 0);
  if (n === 0) return null;
  const rank = Math.max(1, Math.ceil(q * n));
  let seen = 0;
  for (const [i, c] of buckets.entries()) {
    seen += c;
    if (seen >= rank) return bounds[i] ?? Number.POSITIVE_INFINITY;
  }
  return Number.POSITIVE_INFINITY;
}

function summarise(type: string, e: Record<string, unknown>): string {
  const p = (e['payload'] ?? {}) as Record<string, unknown>;
  const s = (v: unknown) => (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean' ? String(v) : JSON.stringify(v));
  switch (type) {
    case 'actor:started':
      return `thread ${s(e['threadId'])}, restarts ${s(e['restarts'])}`;
    case 'actor:exited':
      return `thread ${s(e['threadId'])} exited: ${s(e['reason'])}`;
    case 'actor:restarted':
      return `restart ${s(e['attempt'])} in ${s(e['delayMs'])} ms`;
    case 'actor:failed':
      return s(e['reason']);
    case 'actor:reloading':
      return `loading version ${s(e['version'])}`;
    case 'actor:reloaded':
      return `version ${s(e['version'])} serves (${Math.round(Number(e['ms']))} ms${e['stateCarried'] === true ? ', state carried over' : ''})`;
    case 'actor:reload-failed':
      return `version ${s(e['version'])} refused, the old code serves: ${s(e['reason'])}`;
    case 'mailbox:full':
      return `mailbox full (${s(e['capacity'])})`;
    default: {
      const text = Object.entries(p)
        .map(([k, v]) => `${k}=${s(v)}`)
        .join(' ');
      return text.length > 300 ? `${text.slice(0, 300)}…` : text;
    }
  }
}

export class Observer {
  readonly runtime: Runtime;
  readonly #tracks = new Map<string, Track>();
  readonly #events: ObservedEvent[] = [];
  #seq = 0;
  #groups: GroupView[] = [];
  #groupsAt = 0;
  #polling: Promise<void> | undefined;
  #pushing = false;
  readonly #lastFull = new Map<string, number>();
  #groupsDirty = false;
  #refreshes = 0;
  /** Groups seen rolling (`plugin/group` → how many instances the last rollout had), from their events. */
  readonly #rolled = new Map<string, number>();
  /** Health answers by `plugin/group/instance`, from the last health round. */
  #health = new Map<string, string>();
  #timer: NodeJS.Timeout | undefined;
  #snapshot: Snapshot | undefined;
  readonly #listeners = new Set<(kind: 'snapshot' | 'event', data: unknown) => void>();
  readonly #off: (() => void)[] = [];
  readonly #intervalMs: number;

  constructor(runtime: Runtime, opts: { intervalMs?: number } = {}) {
    this.runtime = runtime;
    this.#intervalMs = opts.intervalMs ?? 1000;
    for (const type of EVENT_TYPES) {
      const fn = (e: Record<string, unknown>) => this.#onEvent(type, e);
      (runtime.on as (t: string, f: (e: Record<string, unknown>) => void) => void)(type, fn);
      this.#off.push(() => (runtime.off as (t: string, f: (e: Record<string, unknown>) => void) => void)(type, fn));
    }
    this.#sample();
    this.#timer = setInterval(() => this.#tick(), this.#intervalMs);
    this.#timer.unref();
  }

  /** Stop sampling and listening. */
  close(): void {
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#timer = undefined;
    for (const off of this.#off.splice(0)) off();
    this.#listeners.clear();
  }

  /** Called with `snapshot` every interval and `event` as each happens, until the returned function is called. */
  subscribe(fn: (kind: 'snapshot' | 'event', data: unknown) => void): () => void {
    this.#listeners.add(fn);
    if (this.#listeners.size === 1) void this.refreshGroups();
    return () => this.#listeners.delete(fn);
  }

  get watchers(): number {
    return this.#listeners.size;
  }

  /** The last snapshot (actors sampled each interval; groups as last described). */
  snapshot(): Snapshot {
    return this.#snapshot ?? this.#sample();
  }

  /** Events with `seq` above `after`, oldest first. */
  events(after = 0): ObservedEvent[] {
    return this.#events.filter((e) => e.seq > after);
  }

  #tick(): void {
    this.#sample();
    if (this.#listeners.size > 0) void this.refreshGroups();
    const snap = this.snapshot();
    for (const fn of this.#listeners) fn('snapshot', snap);
  }

  #onEvent(type: (typeof EVENT_TYPES)[number], e: Record<string, unknown>): void {
    if (type === 'mailbox:full') {
      // An overloaded actor refuses thousands of calls a second: log one a second per actor.
      const name = String(e['name']);
      const now = Date.now();
      if (now - (this.#lastFull.get(name) ?? 0) < 1000) return;
      this.#lastFull.set(name, now);
    }
    const actorEvent = type === 'actor:event';
    const ev: ObservedEvent = {
      seq: ++this.#seq,
      at: Date.now(),
      type: actorEvent ? String(e['type']) : type,
      actor: String(actorEvent ? e['actor'] : e['name']),
      summary: summarise(actorEvent ? String(e['type']) : type, e),
    };
    if (actorEvent) this.#noteRollout(ev.actor, ev.type, e['payload']);
    this.#events.push(ev);
    if (this.#events.length > EVENT_LOG_SIZE) this.#events.splice(0, this.#events.length - EVENT_LOG_SIZE);
    for (const fn of this.#listeners) fn('event', ev);
    // Watchers see a change when it happens, not at the next tick: an actor's state at once, a
    // group's once it is described again (one refresh at a time, so a burst of events costs one).
    if (this.#listeners.size > 0 && type !== 'mailbox:full') this.#pushSoon(actorEvent);
  }

  #pushSoon(groups: boolean): void {
    if (groups) this.#groupsDirty = true;
    if (this.#pushing) return;
    this.#pushing = true;
    setImmediate(() => {
      const refresh = this.#groupsDirty ? this.refreshGroups() : Promise.resolve();
      this.#groupsDirty = false;
      void refresh.then(() => {
        this.#pushing = false;
        this.#sample(false);
        const snap = this.snapshot();
        for (const fn of this.#listeners) fn('snapshot', snap);
      });
    });
  }

  #noteRollout(actor: string, type: string, payload: unknown): void {
    const p = (payload ?? {}) as { ID?: unknown; Total?: unknown };
    if (typeof p.ID !== 'string') return;
    const key = `${actor}/${p.ID}`;
    if ((type === 'rollout:started' || type === 'rollout:progress' || type === 'rollout:completed') && typeof p.Total === 'number')
      this.#rolled.set(key, p.Total);
    else if (type === 'group:destroyed' || type === 'group:freed') this.#rolled.delete(key);
    if (this.#rolled.size > 10_000) this.#rolled.delete(this.#rolled.keys().next().value as string);
  }

  /** `tick`: a sample of the interval (added to the history); otherwise only the current figures change. */
  #sample(tick = true): Snapshot {
    const stats = this.runtime.stats();
    const width = stats.latencyBucketsMs.length + 1;
    const live = new Set<string>();
    const actors = stats.actors.map((a) => {
      live.add(a.name);
      return this.#view(a, width, stats.latencyBucketsMs, tick);
    });
    for (const name of this.#tracks.keys()) if (!live.has(name)) this.#tracks.delete(name);
    this.#snapshot = { at: stats.at, collecting: stats.collecting, actors, groups: this.#groups, groupsAt: this.#groupsAt };
    return this.#snapshot;
  }

  #view(a: ActorStats, width: number, bounds: readonly number[], tick: boolean): ActorView {
    const t = totals(a.methods, a.direct, width);
    let track = this.#tracks.get(a.name);
    if (track === undefined) {
      track = { samples: [], rate: [], depth: [] };
      this.#tracks.set(a.name, track);
    }
    if (tick || track.samples.length === 0) {
      const prev = track.samples[track.samples.length - 1];
      track.samples.push({ calls: t.calls, buckets: t.buckets });
      if (track.samples.length > RATE_WINDOW + 1) track.samples.shift();
      track.rate.push(prev === undefined ? 0 : ((t.calls - prev.calls) * 1000) / this.#intervalMs);
      track.depth.push(a.mailboxDepth);
      if (track.rate.length > HISTORY_SAMPLES) track.rate.shift();
      if (track.depth.length > HISTORY_SAMPLES) track.depth.shift();
    }
    const first = track.samples[0] as Sample;
    const windowBuckets = t.buckets.map((n, i) => n - (first.buckets[i] ?? 0));
    const secs = ((track.samples.length - 1) * this.#intervalMs) / 1000;
    const heapUsed = a.heap.length === 0 ? null : a.heap.reduce((s, h) => s + h.usedBytes, 0);
    const heapLimit = a.heap.length === 0 ? null : a.heap.reduce((s, h) => s + h.limitBytes, 0);
    return {
      name: a.name,
      kind: a.kind,
      status: a.status,
      threadIds: a.threadIds,
      mailboxDepth: a.mailboxDepth,
      mailboxCapacity: a.mailboxCapacity,
      mailboxFull: a.mailboxFull,
      calls: t.calls,
      errors: t.errors,
      callsPerSecond: secs > 0 ? (t.calls - first.calls) / secs : 0,
      p50Ms: bucketQuantile(windowBuckets, bounds, 0.5),
      p99Ms: bucketQuantile(windowBuckets, bounds, 0.99),
      restarts: a.restarts,
      heapUsedBytes: heapUsed,
      heapLimitBytes: heapLimit,
      history: { callsPerSecond: [...track.rate], mailboxDepth: [...track.depth] },
    };
  }

  /** Describe every group of every running Group actor now (one refresh at a time; callers share it). */
  refreshGroups(): Promise<void> {
    this.#polling ??= this.#describeGroups().finally(() => (this.#polling = undefined));
    return this.#polling;
  }

  /** Ask the group's flavor, through its public `Flavor.Healthy`, about the first `MAX_HEALTH_CHECKS` instances. */
  async #askHealth(plugin: string, g: { ID: string; Properties: unknown }, instances: readonly Description[], into: Map<string, string>) {
    const flavor = (g.Properties as { Flavor?: { Plugin?: unknown; Properties?: unknown } } | null)?.Flavor;
    if (typeof flavor?.Plugin !== 'string') return;
    const client = flavorClient(this.runtime, flavor.Plugin);
    await Promise.all(
      instances.slice(0, MAX_HEALTH_CHECKS).map(async (inst) => {
        try {
          const h = await client.healthy(flavor.Properties ?? {}, inst);
          into.set(`${plugin}/${g.ID}/${inst.ID}`, HEALTH_NAMES[h] ?? 'unknown');
        } catch {
          into.set(`${plugin}/${g.ID}/${inst.ID}`, 'unreachable');
        }
      }),
    );
  }

  async #describeGroups(): Promise<void> {
    const plugins = this.runtime
      .list()
      .filter((a) => a.status === 'running' && (a.manifest?.interfaces ?? []).some((i) => i.name === 'Group'))
      .map((a) => a.name);
    const out: GroupView[] = [];
    const checkHealth = this.#refreshes++ % HEALTH_EVERY === 0;
    const health = new Map<string, string>();
    for (const plugin of plugins) {
      const client = groupClient(this.runtime, plugin);
      let listed: { ID: string; Properties: unknown }[];
      try {
        listed = await client.inspect();
      } catch {
        continue; // a follower, or a plugin restarting: nothing to show this time
      }
      for (const [i, g] of listed.entries()) {
        if (i >= MAX_GROUPS_DESCRIBED) {
          out.push(emptyGroup(plugin, g.ID, `not described: over ${MAX_GROUPS_DESCRIBED} groups`));
          continue;
        }
        try {
          const d = await client.describe(g.ID);
          if (checkHealth) await this.#askHealth(plugin, g, d.Instances ?? [], health);
          const view = groupView(plugin, g.ID, d, checkHealth ? health : this.#health);
          const total = this.#rolled.get(`${plugin}/${g.ID}`);
          // A rollout seen since the observer started and now over shows as completed (the bar at 100%).
          out.push(
            view.rollout === null && total !== undefined
              ? { ...view, rollout: { state: 'completed', updated: total, total, paused: false } }
              : view,
          );
        } catch (err) {
          out.push(emptyGroup(plugin, g.ID, err instanceof Error ? err.message : String(err)));
        }
      }
    }
    if (checkHealth) this.#health = health;
    this.#groups = out;
    this.#groupsAt = Date.now();
    if (this.#snapshot !== undefined) this.#snapshot = { ...this.#snapshot, groups: out, groupsAt: this.#groupsAt };
  }
}

const HEALTH_NAMES: Record<number, string> = { [Health.Unknown]: 'unknown', [Health.Healthy]: 'healthy', [Health.Unhealthy]: 'unhealthy' };

function emptyGroup(plugin: string, id: string, error: string): GroupView {
  return {
    plugin,
    id,
    size: null,
    instances: 0,
    converged: false,
    state: null,
    status: null,
    configHash: null,
    rollout: null,
    problems: [],
    instanceList: [],
    error,
  };
}

function groupView(plugin: string, id: string, d: GroupDescription, health: ReadonlyMap<string, string>): GroupView {
  const instances = d.Instances ?? [];
  return {
    plugin,
    id,
    size: d.Size ?? null,
    instances: instances.length,
    converged: d.Converged,
    state: d.State ?? null,
    status: d.Status ?? null,
    configHash: d.ConfigHash ?? null,
    rollout:
      d.Rollout === undefined || d.Rollout === null
        ? null
        : { state: d.Rollout.State, updated: d.Rollout.Updated, total: d.Rollout.Total, paused: d.Rollout.Paused },
    problems: (d.Problems ?? []).map((p) => ({ source: p.Source, message: p.Message, count: p.Count })),
    instanceList: instances.slice(0, MAX_INSTANCES_LISTED).map((inst) => {
      const tags = (inst.Tags ?? {}) as Record<string, string>;
      return {
        id: inst.ID,
        configHash: hashOfTags(tags) ?? null,
        health: health.get(`${plugin}/${id}/${inst.ID}`) ?? null,
      };
    }),
  };
}
