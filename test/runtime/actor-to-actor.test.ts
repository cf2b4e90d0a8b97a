import assert from 'node:assert/strict';
import { ActorExitedError, MailboxFullError, type Runtime } from '../../runtime/index.js';
import { decl, quietRuntime } from '../fixtures/helpers.js';
import { settlesWithin, waitFor } from '../helpers/wait.js';

interface TryResult {
  ok: boolean;
  value?: unknown;
  name?: string;
  code?: string;
  message?: string;
  ctor?: string;
}

describe('runtime: actor-to-actor calls over direct ports', () => {
  let rt: Runtime;
  afterEach(() => rt?.stop());

  it('works, and the calls do not pass through the main thread', async () => {
    rt = quietRuntime();
    await rt.add(decl('echo', 'echo-actor'));
    await rt.add(decl('caller', 'caller'));
    assert.equal(
      await rt.call('caller', 'Caller.Call', { target: 'echo', method: 'Echo.Echo', params: { a: 1 } }).then((v) => JSON.stringify(v)),
      '{"a":1}',
    );
    const relayed = rt.relayedCalls;
    assert.equal(await rt.call('caller', 'Caller.Many', { target: 'echo', method: 'Echo.Echo', n: 300 }), 300);
    assert.equal(rt.relayedCalls, relayed, 'no call was relayed by main');
    assert.equal(relayed, 0);
  });

  it('errors from the target keep class, code and name', async () => {
    rt = quietRuntime();
    await rt.add(decl('echo', 'echo-actor'));
    await rt.add(decl('caller', 'caller'));
    const r = await rt.call<TryResult>('caller', 'Caller.Try', { target: 'echo', method: 'Echo.Fail', params: { message: 'nope' } });
    assert.deepEqual(r, { ok: false, name: 'QuotaError', code: 'IK_APPLICATION', message: 'nope', ctor: 'ApplicationError' });
    const nf = await rt.call<TryResult>('caller', 'Caller.Try', { target: 'ghost', method: 'X.Y' });
    assert.equal(nf.code, 'IK_ACTOR_NOT_FOUND');
  });

  it("honours the target's bounded mailbox", async () => {
    rt = quietRuntime();
    await rt.add(decl('echo', 'echo-actor', { mailbox: 3 }));
    await rt.add(decl('caller', 'caller'));
    let full = 0;
    rt.on('mailbox:full', () => full++);
    const codes = await rt.call<string[]>('caller', 'Caller.Parallel', { target: 'echo', method: 'Echo.Slow', n: 8, params: { ms: 50 } });
    assert.deepEqual([...codes].sort(), [
      'IK_MAILBOX_FULL',
      'IK_MAILBOX_FULL',
      'IK_MAILBOX_FULL',
      'IK_MAILBOX_FULL',
      'IK_MAILBOX_FULL',
      'ok',
      'ok',
      'ok',
    ]);
    await waitFor('mailbox:full events', () => full === 5);
    assert.ok(new MailboxFullError('x', 1) instanceof MailboxFullError);
  });

  it('a target crash rejects the caller promptly; after the restart a new port is used', async () => {
    rt = quietRuntime();
    await rt.add(decl('echo', 'echo-actor'));
    await rt.add(decl('caller', 'caller'));
    const firstThread = rt.info('echo')!.threadIds[0];
    const started = new Promise((resolve) => rt.once('actor:started', resolve));
    const r = await settlesWithin(
      rt.call<TryResult>('caller', 'Caller.Try', { target: 'echo', method: 'Echo.Crash' }),
      15_000,
      "the caller's answer (at the crash, not at the 60 s call timeout)",
    );
    assert.equal(r.ok, false);
    assert.equal(r.code, 'IK_ACTOR_EXITED');
    assert.equal(r.ctor, ActorExitedError.name);
    // The caller may learn of the exit (its port closes) before main does; wait for the new worker.
    await started;
    const who = await rt.call<{ value: { threadId: number } }>('caller', 'Caller.Try', { target: 'echo', method: 'Echo.Whoami' });
    assert.notEqual(who.value.threadId, firstThread);
    assert.equal(rt.relayedCalls, 0);
  });

  it('calls to a stateless actor take a direct port into a pool thread; calls to the resolver go through main (relay)', async () => {
    rt = quietRuntime();
    await rt.add(decl('caller', 'caller'));
    await rt.add(decl('flavor', 'stateless-echo', { threads: 2 }));
    rt.setResolver((name) => (name === 'remote' ? { call: async (method) => `remote:${method}` } : undefined));
    const tid = await rt.call('caller', 'Caller.Call', { target: 'flavor', method: 'Flavor.Whoami', params: {} });
    assert.ok(rt.info('flavor')!.threadIds.includes(tid as number));
    assert.equal(
      await rt
        .call('caller', 'Caller.Parallel', { target: 'flavor', method: 'Flavor.Whoami', n: 50, params: {} })
        .then((r) => (r as string[]).every((x) => x === 'ok')),
      true,
    );
    assert.equal(rt.relayedCalls, 0);
    const err = await rt.call<TryResult>('caller', 'Caller.Try', { target: 'flavor', method: 'Flavor.Fail' });
    assert.equal(err.ok, false);
    assert.equal(err.message, 'flavor failed');
    assert.equal(await rt.call('caller', 'Caller.Call', { target: 'remote/x', method: 'A.B' }), 'remote:A.B');
    assert.equal(rt.relayedCalls, 1);
    assert.equal(rt.info('flavor')!.queued, 0, 'every direct call freed its mailbox slot');
  });

  it('links of different callers land on different pool threads', async () => {
    rt = quietRuntime();
    await rt.add(decl('flavor', 'stateless-echo', { threads: 2 }));
    await rt.add(decl('a', 'caller'));
    await rt.add(decl('b', 'caller'));
    const ta = await rt.call('a', 'Caller.Call', { target: 'flavor', method: 'Flavor.Whoami', params: {} });
    const tb = await rt.call('b', 'Caller.Call', { target: 'flavor', method: 'Flavor.Whoami', params: {} });
    assert.notEqual(ta, tb);
  });

  it('a pool thread that dies rejects the calls pending on its link at once; the next call reconnects', async () => {
    rt = quietRuntime();
    await rt.add(decl('caller', 'caller'));
    await rt.add(decl('flavor', 'stateless-echo', { threads: 1 }));
    const first = await rt.call<number>('caller', 'Caller.Call', { target: 'flavor', method: 'Flavor.Whoami', params: {} });
    const r = await settlesWithin(
      rt.call<TryResult>('caller', 'Caller.Try', { target: 'flavor', method: 'Flavor.Crash' }),
      15_000,
      "the caller's answer (at the thread's death, not at the 60 s call timeout)",
    );
    assert.equal(r.ok, false);
    assert.equal(r.code, 'IK_ACTOR_EXITED');
    await waitFor(
      'the flavor on one new thread',
      () => (rt.info('flavor')?.threadIds.length ?? 0) === 1 && rt.info('flavor')!.threadIds[0] !== first,
    );
    const again = await rt.call<number>('caller', 'Caller.Call', { target: 'flavor', method: 'Flavor.Whoami', params: {} });
    assert.notEqual(again, first);
    assert.equal(rt.info('flavor')!.restarts, 1);
  });
});
