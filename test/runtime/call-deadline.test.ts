/**
 * Every actor-to-actor call has a deadline: the call's own `timeoutMs`, else the declaration's
 * `callTimeoutMs`, else the runtime's. On expiry the caller gets CallTimeoutError and the pending
 * entry is dropped; the target still frees its mailbox slot when it answers late.
 */
import assert from 'node:assert/strict';
import { CallTimeoutError, Runtime, type RuntimeOptions } from '../../runtime/index.js';
import { decl } from '../fixtures/helpers.js';
import type { Outcome } from '../fixtures/timed-calls.js';
import { useRuntimeHome } from '../helpers/runtime-home.js';
import { waitFor } from '../helpers/wait.js';

describe('runtime: every actor-to-actor call has a deadline', function () {
  this.timeout(30_000);
  const t = useRuntimeHome();
  const start = (opts: RuntimeOptions = {}): Runtime => (t.rt = new Runtime({ home: t.home, logLevel: 'silent', ...opts }));

  it('a direct call past its timeoutMs rejects with CallTimeoutError; the late reply is ignored and the mailbox count comes back to 0', async () => {
    const rt = start();
    await rt.add(decl('echo', 'echo-actor'));
    await rt.add(decl('caller', 'timed-caller'));
    // The target answers after 1.5 s; the caller gives up after 100 ms.
    const r = await rt.call<Outcome>('caller', 'Timed.Call', { target: 'echo', method: 'Echo.Slow', params: { ms: 1500 }, timeoutMs: 100 });
    assert.equal(r.ok, false);
    assert.equal(r.code, 'IK_CALL_TIMEOUT');
    assert.equal(r.ctor, CallTimeoutError.name);
    assert.match(r.message ?? '', /Echo\.Slow on 'echo' timed out after 100 ms/);
    assert.equal(rt.info('echo')!.queued, 1, 'the slow call is still in the target');
    await waitFor('the late answer to free its slot', () => rt.info('echo')!.queued === 0, 10_000);
    const again = await rt.call<Outcome>('caller', 'Timed.Call', {
      target: 'echo',
      method: 'Echo.Echo',
      params: { a: 1 },
      timeoutMs: 10_000,
    });
    assert.deepEqual(again, { ok: true, value: { a: 1 } });
    assert.equal(rt.relayedCalls, 0);
  });

  it("with no timeoutMs the declaration's callTimeoutMs applies, and without one the runtime's", async () => {
    const rt = start({ callTimeoutMs: 150 });
    await rt.add(decl('echo', 'echo-actor', { mailbox: 64 }));
    await rt.add(decl('declared', 'timed-caller', { callTimeoutMs: 120 }));
    await rt.add(decl('plain', 'timed-caller'));
    assert.equal(rt.info('declared')!.callTimeoutMs, 120);
    assert.equal(rt.info('plain')!.callTimeoutMs, 150);
    const a = await rt.call<Outcome>('declared', 'Timed.Call', { target: 'echo', method: 'Echo.Slow', params: { ms: 20_000 } });
    assert.equal(a.code, 'IK_CALL_TIMEOUT');
    assert.match(a.message ?? '', /after 120 ms/);
    const b = await rt.call<Outcome>('plain', 'Timed.Call', { target: 'echo', method: 'Echo.Slow', params: { ms: 20_000 } });
    assert.equal(b.code, 'IK_CALL_TIMEOUT');
    assert.match(b.message ?? '', /after 150 ms/);
  });

  it('the default is 60 s when nothing names one', async () => {
    const rt = start();
    await rt.add(decl('plain', 'timed-caller'));
    assert.equal(rt.info('plain')!.callTimeoutMs, 60_000);
  });

  it('a call relayed through main to a plugin that never answers times out', async () => {
    const rt = start();
    rt.setResolver((name) => (name === 'remote' ? { call: () => new Promise(() => undefined) } : undefined));
    await rt.add(decl('caller', 'timed-caller'));
    const r = await rt.call<Outcome>('caller', 'Timed.Call', { target: 'remote', method: 'Instance.DescribeInstances', timeoutMs: 100 });
    assert.equal(r.code, 'IK_CALL_TIMEOUT');
    // The caller's 100 ms can run out before main has even read the relay message on a busy machine.
    await waitFor('the call relayed through main', () => rt.relayedCalls === 1);
  });

  it('a call from a pool thread (stateless actor, through main) times out too', async () => {
    const rt = start();
    await rt.add(decl('echo', 'echo-actor'));
    await rt.add(decl('pool', 'timed-pool-caller', { threads: 1 }));
    const r = await rt.call<Outcome>('pool', 'Timed.Call', { target: 'echo', method: 'Echo.Slow', params: { ms: 1500 }, timeoutMs: 100 });
    assert.equal(r.code, 'IK_CALL_TIMEOUT');
    await waitFor('the late answer to free its slot', () => rt.info('echo')!.queued === 0, 10_000);
    const ok = await rt.call<Outcome>('pool', 'Timed.Call', { target: 'echo', method: 'Echo.Echo', params: 7, timeoutMs: 10_000 });
    assert.deepEqual(ok, { ok: true, value: 7 });
  });
});
