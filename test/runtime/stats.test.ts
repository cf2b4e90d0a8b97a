/**
 * runtime.stats(): calls counted where they enter and leave main, by method and outcome, with a
 * latency histogram; mailbox refusals; restarts; every worker's heap; nothing counted with stats off.
 */
import assert from 'node:assert/strict';
import type { Runtime } from '../../runtime/index.js';
import { LATENCY_BUCKETS_MS, type ActorStats, type MethodStats } from '../../runtime/index.js';
import { DirectCounter, MAX_METHODS_PER_ACTOR } from '../../runtime/stats.js';
import { Observer } from '../../observer/collect.js';
import { decl, quietRuntime } from '../fixtures/helpers.js';
import { waitFor } from '../helpers/wait.js';

const callsOf = (m: MethodStats | undefined): number => (m === undefined ? 0 : m.ok + m.error);
const histogramOf = (m: MethodStats | undefined): number => (m === undefined ? 0 : m.buckets.reduce((a, b) => a + b, 0));

function actor(rt: Runtime, name: string): ActorStats {
  const a = rt.stats().actors.find((x) => x.name === name);
  assert.ok(a, `no stats for ${name}`);
  return a;
}

describe('runtime: stats()', () => {
  let rt: Runtime | undefined;
  let obs: Observer | undefined;
  afterEach(async () => {
    obs?.close();
    obs = undefined;
    await rt?.stop();
    rt = undefined;
  });

  it('counts calls by method and outcome with a histogram whose buckets add up to the calls', async () => {
    rt = quietRuntime({ restart: { initialDelayMs: 5 } });
    await rt.addAll([decl('echo', 'echo-actor'), decl('pool', 'stateless-echo')]);
    for (let i = 0; i < 7; i++) await rt.call('echo', 'Echo.Echo', i);
    await assert.rejects(rt.call('echo', 'Echo.Fail', {}));
    await assert.rejects(rt.call('echo', 'Echo.Reject', {}));
    for (let i = 0; i < 3; i++) await rt.call('pool', 'Flavor.Whoami', {});
    await assert.rejects(rt.call('pool', 'Flavor.Fail', {}));

    const s = rt.stats();
    assert.equal(s.collecting, true);
    assert.deepEqual(s.latencyBucketsMs, LATENCY_BUCKETS_MS);
    const echo = actor(rt, 'echo');
    assert.equal(echo.kind, 'stateful');
    assert.equal(echo.status, 'running');
    assert.deepEqual({ ok: echo.methods['Echo.Echo']?.ok, error: echo.methods['Echo.Echo']?.error }, { ok: 7, error: 0 });
    assert.equal(echo.methods['Echo.Fail']?.error, 1);
    assert.equal(echo.methods['Echo.Reject']?.error, 1);
    for (const m of Object.values(echo.methods)) {
      assert.equal(m.buckets.length, LATENCY_BUCKETS_MS.length + 1);
      assert.equal(
        m.buckets.reduce((a, b) => a + b, 0),
        m.ok + m.error,
      );
      assert.ok(m.sumMs > 0);
    }
    const pool = actor(rt, 'pool');
    assert.equal(pool.kind, 'stateless');
    assert.equal(pool.methods['Flavor.Whoami']?.ok, 3);
    assert.equal(pool.methods['Flavor.Fail']?.error, 1);
    assert.equal(echo.mailboxDepth, 0);
    assert.equal(echo.mailboxCapacity, 1024);

    // Every worker reports its heap (every 2 s, and once when ready).
    const heaps = await waitFor('both actors to report a heap', () => {
      const r = rt!.stats();
      const e = r.actors.find((a) => a.name === 'echo')!;
      const p = r.actors.find((a) => a.name === 'pool')!;
      return e.heap.length === 1 && p.heap.length >= 1 ? { e, p } : undefined;
    });
    assert.equal(heaps.e.heap[0]?.threadId, heaps.e.threadIds[0]);
    assert.ok((heaps.e.heap[0]?.usedBytes ?? 0) > 0);
    assert.ok((heaps.e.heap[0]?.limitBytes ?? 0) > (heaps.e.heap[0]?.usedBytes ?? 0));
  });

  it('counts restarts and keeps the counts across them', async () => {
    rt = quietRuntime({ restart: { initialDelayMs: 5 } });
    await rt.add(decl('echo', 'echo-actor'));
    await rt.call('echo', 'Echo.Echo', 1);
    const before = actor(rt, 'echo').threadIds[0];
    await rt.terminateWorkerForTest('echo');
    await waitFor('echo to run again', () => rt!.info('echo')?.status === 'running' && rt!.info('echo')?.restarts === 1);
    await rt.call('echo', 'Echo.Echo', 2);
    const echo = actor(rt, 'echo');
    assert.equal(echo.restarts, 1);
    assert.equal(echo.methods['Echo.Echo']?.ok, 2);
    assert.notEqual(echo.threadIds[0], before);
    // The dead worker's heap is gone; the new one reports its own.
    await waitFor('the new worker heap', () => {
      const h = actor(rt!, 'echo').heap;
      return h.length === 1 && h[0]?.threadId === actor(rt!, 'echo').threadIds[0];
    });
  });

  it('counts calls from other actors over direct ports in the callee (stateful and pooled), reported with the heap', async () => {
    rt = quietRuntime();
    await rt.addAll([decl('caller', 'caller'), decl('echo', 'echo-actor'), decl('pool', 'stateless-echo')]);
    obs = new Observer(rt, { intervalMs: 1000 });
    await rt.call('caller', 'Caller.Many', { target: 'echo', method: 'Echo.Echo', n: 6 });
    await rt.call('caller', 'Caller.Try', { target: 'echo', method: 'Echo.Fail' });
    await rt.call('caller', 'Caller.Many', { target: 'pool', method: 'Flavor.Whoami', n: 4 });
    await waitFor('the direct calls reported', () => {
      const echo = actor(rt!, 'echo').direct;
      const pool = actor(rt!, 'pool').direct;
      return echo['Echo.Echo']?.ok === 6 && echo['Echo.Fail']?.error === 1 && pool['Flavor.Whoami']?.ok === 4;
    });
    // They never passed main: not in the main-thread counts of the callee.
    assert.deepEqual(actor(rt, 'echo').methods, {});
    assert.equal(actor(rt, 'caller').methods['Caller.Many']?.ok, 2);
    // Timed by the callee's worker: one histogram count per call, and a duration.
    const echo = actor(rt, 'echo').direct;
    const pool = actor(rt, 'pool').direct;
    for (const m of [echo['Echo.Echo'], echo['Echo.Fail'], pool['Flavor.Whoami']]) {
      assert.ok(m);
      assert.equal(m.buckets.length, LATENCY_BUCKETS_MS.length + 1);
      assert.equal(histogramOf(m), callsOf(m));
      assert.ok(m.sumMs > 0);
    }
    // And the observer's calls and p99 (the main and direct histograms of an actor together) cover them.
    await waitFor('the observer to show the direct calls with a p99', () => {
      const views = obs!.snapshot().actors;
      const echoView = views.find((a) => a.name === 'echo');
      const poolView = views.find((a) => a.name === 'pool');
      return echoView?.calls === 7 && (echoView.p99Ms ?? 0) > 0 && poolView?.calls === 4 && (poolView.p99Ms ?? 0) > 0;
    });
  });

  it('bounds the methods of a direct-call report: a caller with many method names folds the rest into (other)', async () => {
    // In the worker: one report holds at most MAX_METHODS_PER_ACTOR names plus (other).
    const counter = new DirectCounter();
    for (let i = 0; i < MAX_METHODS_PER_ACTOR * 4; i++) counter.add(`M.${i}`, i % 2 === 0, 0.05);
    const report = counter.take()!;
    assert.equal(Object.keys(report).length, MAX_METHODS_PER_ACTOR + 1);
    assert.equal(callsOf(report['(other)']), MAX_METHODS_PER_ACTOR * 3);
    assert.equal(histogramOf(report['(other)']), MAX_METHODS_PER_ACTOR * 3);
    assert.equal(counter.take(), undefined);

    // End to end: unknown method names from a caller, answered with errors by the pool and counted there.
    rt = quietRuntime();
    await rt.addAll([decl('caller', 'caller'), decl('pool', 'stateless-echo')]);
    const n = MAX_METHODS_PER_ACTOR + 40;
    for (let i = 0; i < n; i++) await rt.call('caller', 'Caller.Try', { target: 'pool', method: `Flavor.No${i}` });
    const direct = await waitFor('the direct calls reported', () => {
      const d = actor(rt!, 'pool').direct;
      return Object.values(d).reduce((s, m) => s + callsOf(m), 0) === n ? d : undefined;
    });
    assert.ok(Object.keys(direct).length <= MAX_METHODS_PER_ACTOR + 1, `${Object.keys(direct).length} methods`);
    assert.ok(callsOf(direct['(other)']) >= 40);
    for (const m of Object.values(direct)) assert.equal(histogramOf(m), m.error);
  });

  it('counts refusals of a full mailbox', async () => {
    rt = quietRuntime();
    await rt.add(decl('echo', 'echo-actor', { mailbox: 1 }));
    const slow = rt.call('echo', 'Echo.Slow', { ms: 300 });
    await assert.rejects(rt.call('echo', 'Echo.Echo', 1), /mailbox/i);
    await slow.catch(() => undefined);
    assert.equal(actor(rt, 'echo').mailboxFull, 1);
  });

  it('with stats: false counts nothing and asks no worker for its heap', async () => {
    rt = quietRuntime({ stats: false });
    await rt.add(decl('echo', 'echo-actor'));
    for (let i = 0; i < 5; i++) await rt.call('echo', 'Echo.Echo', i);
    const s = rt.stats();
    assert.equal(s.collecting, false);
    assert.deepEqual(actor(rt, 'echo').methods, {});
    assert.deepEqual(actor(rt, 'echo').heap, []);
    assert.deepEqual(actor(rt, 'echo').direct, {});
  });
});
