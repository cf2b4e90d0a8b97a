/**
 * runtime.stats(): calls counted where they enter and leave main, by method and outcome, with a
 * latency histogram; mailbox refusals; restarts; every worker's heap; nothing counted with stats off.
 */
import assert from 'node:assert/strict';
import type { Runtime } from '../../runtime/index.js';
import { LATENCY_BUCKETS_MS, type ActorStats } from '../../runtime/index.js';
import { decl, quietRuntime } from '../fixtures/helpers.js';
import { waitFor } from '../helpers/wait.js';

function actor(rt: Runtime, name: string): ActorStats {
  const a = rt.stats().actors.find((x) => x.name === name);
  assert.ok(a, `no stats for ${name}`);
  return a;
}

describe('runtime: stats()', () => {
  let rt: Runtime | undefined;
  afterEach(async () => {
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
