/**
 * `/metrics` in Prometheus' text format, through prom-client: a registry of its own (never the
 * global one, so a host app's metrics do not mix in unless it merges them) whose collectors read the
 * runtime's `stats()` and the observer's last group descriptions at scrape time. Names and labels:
 * docs/observer.md.
 */
import { Counter, Gauge, Registry, type Metric } from 'prom-client';
import type { Observer } from './collect.js';

const SECONDS = 1000;

/** A registry with the runtime's metrics; `observer` supplies the figures at each scrape. */
export function observerRegistry(observer: Observer): Registry {
  const registry = new Registry();
  const rt = observer.runtime;
  const stats = () => rt.stats();

  new Gauge({
    name: 'infrakit_actor_mailbox_depth',
    help: 'Calls accepted into the actor mailbox and not yet answered (from every sender).',
    labelNames: ['actor'],
    registers: [registry],
    collect() {
      this.reset();
      for (const a of stats().actors) this.set({ actor: a.name }, a.mailboxDepth);
    },
  });
  new Gauge({
    name: 'infrakit_actor_mailbox_capacity',
    help: 'The bound of the actor mailbox.',
    labelNames: ['actor'],
    registers: [registry],
    collect() {
      this.reset();
      for (const a of stats().actors) this.set({ actor: a.name }, a.mailboxCapacity);
    },
  });
  new Counter({
    name: 'infrakit_actor_mailbox_full_total',
    help: 'Calls refused because the actor mailbox was full.',
    labelNames: ['actor'],
    registers: [registry],
    collect() {
      this.reset();
      for (const a of stats().actors) this.inc({ actor: a.name }, a.mailboxFull);
    },
  });
  new Gauge({
    name: 'infrakit_actor_up',
    help: '1 for the actor state it is in (starting, running, restarting, failed, stopping, stopped), 0 otherwise.',
    labelNames: ['actor', 'kind', 'state'],
    registers: [registry],
    collect() {
      this.reset();
      for (const a of stats().actors)
        for (const state of ['starting', 'running', 'restarting', 'failed', 'stopping', 'stopped'])
          this.set({ actor: a.name, kind: a.kind, state }, a.status === state ? 1 : 0);
    },
  });
  new Counter({
    name: 'infrakit_actor_calls_total',
    help: 'Calls answered by the actor, by method, outcome (ok, error) and way in: via="main" (sockets, host app, relays) or via="direct" (from another actor over a direct port; reported every 2 s).',
    labelNames: ['actor', 'method', 'outcome', 'via'],
    registers: [registry],
    collect() {
      this.reset();
      for (const a of stats().actors) {
        for (const [method, m] of Object.entries(a.methods)) {
          this.inc({ actor: a.name, method, outcome: 'ok', via: 'main' }, m.ok);
          this.inc({ actor: a.name, method, outcome: 'error', via: 'main' }, m.error);
        }
        for (const [method, m] of Object.entries(a.direct)) {
          this.inc({ actor: a.name, method, outcome: 'ok', via: 'direct' }, m.ok);
          this.inc({ actor: a.name, method, outcome: 'error', via: 'direct' }, m.error);
        }
      }
    },
  });
  new Counter({
    name: 'infrakit_actor_restarts_total',
    help: 'Restarts of the actor (its worker crashed or was killed) since the runtime started.',
    labelNames: ['actor'],
    registers: [registry],
    collect() {
      this.reset();
      for (const a of stats().actors) this.inc({ actor: a.name }, a.restarts);
    },
  });
  new Gauge({
    name: 'infrakit_actor_worker_heap_used_bytes',
    help: 'V8 heap in use by each worker thread of the actor, as last reported (every 2 s).',
    labelNames: ['actor', 'thread'],
    registers: [registry],
    collect() {
      this.reset();
      for (const a of stats().actors) for (const h of a.heap) this.set({ actor: a.name, thread: String(h.threadId) }, h.usedBytes);
    },
  });
  new Gauge({
    name: 'infrakit_actor_worker_heap_limit_bytes',
    help: 'V8 heap limit of each worker thread of the actor.',
    labelNames: ['actor', 'thread'],
    registers: [registry],
    collect() {
      this.reset();
      for (const a of stats().actors) for (const h of a.heap) this.set({ actor: a.name, thread: String(h.threadId) }, h.limitBytes);
    },
  });
  // The histogram's buckets are counted by the runtime (runtime/stats.ts): prom-client's Histogram
  // only observes, so this metric is a custom one in prom-client's own shape.
  registry.registerMetric({
    name: 'infrakit_actor_call_duration_seconds',
    help: 'Duration of calls answered by the actor, by method and way in: via="main" from send to reply as the main thread sees it, via="direct" from the callee worker taking the call off its port to its reply (reported every 2 s).',
    type: 'histogram',
    aggregator: 'sum',
    get: () => {
      const s = stats();
      const values: { labels: Record<string, string | number>; value: number; metricName: string }[] = [];
      for (const a of s.actors)
        for (const [via, byMethod] of [
          ['main', a.methods],
          ['direct', a.direct],
        ] as const)
          for (const [method, m] of Object.entries(byMethod)) {
            let cum = 0;
            s.latencyBucketsMs.forEach((le, i) => {
              cum += m.buckets[i] ?? 0;
              values.push({
                metricName: 'infrakit_actor_call_duration_seconds_bucket',
                labels: { actor: a.name, method, via, le: le / SECONDS },
                value: cum,
              });
            });
            const count = m.ok + m.error;
            values.push({
              metricName: 'infrakit_actor_call_duration_seconds_bucket',
              labels: { actor: a.name, method, via, le: '+Inf' },
              value: count,
            });
            values.push({
              metricName: 'infrakit_actor_call_duration_seconds_sum',
              labels: { actor: a.name, method, via },
              value: m.sumMs / SECONDS,
            });
            values.push({ metricName: 'infrakit_actor_call_duration_seconds_count', labels: { actor: a.name, method, via }, value: count });
          }
      return {
        name: 'infrakit_actor_call_duration_seconds',
        help: 'Duration of calls answered by the actor, by method and way in: via="main" from send to reply as the main thread sees it, via="direct" from the callee worker taking the call off its port to its reply (reported every 2 s).',
        type: 'histogram',
        aggregator: 'sum',
        values,
      };
    },
  } as unknown as Metric);

  const groups = () => observer.snapshot().groups;
  const groupGauge = (name: string, help: string, value: (g: ReturnType<typeof groups>[number]) => number | null) =>
    new Gauge({
      name,
      help,
      labelNames: ['plugin', 'group'],
      registers: [registry],
      async collect() {
        // A scrape with nobody watching describes the groups itself (once for all these gauges).
        if (observer.watchers === 0) await observer.refreshGroups();
        this.reset();
        for (const g of groups()) {
          const v = value(g);
          if (v !== null) this.set({ plugin: g.plugin, group: g.id }, v);
        }
      },
    });
  groupGauge('infrakit_group_instances', 'Instances of the group, as its Group plugin describes it.', (g) => g.instances);
  groupGauge('infrakit_group_size', 'Target size of the group (cattle).', (g) => g.size);
  groupGauge('infrakit_group_converged', '1 when the group has its size with every instance on the current config.', (g) =>
    g.converged ? 1 : 0,
  );
  groupGauge(
    'infrakit_group_rollout_progress_ratio',
    'Instances on the new config over all, during a rolling update (1 without one).',
    (g) => (g.rollout === null ? 1 : g.rollout.total > 0 ? g.rollout.updated / g.rollout.total : 0),
  );
  groupGauge('infrakit_group_problems', 'Kinds of problem the group reports now.', (g) => g.problems.length);
  return registry;
}
