import assert from 'node:assert/strict';
import { ActorExitedError, ActorRestartingError, type Runtime } from '../../runtime/index.js';
import { decl, quietRuntime } from '../fixtures/helpers.js';
import { settlesWithin } from '../helpers/wait.js';

describe('runtime: a worker crash mid-call', () => {
  let rt: Runtime;
  afterEach(() => rt?.stop());

  it('rejects pending calls with ActorExitedError at the crash, restarts on a new thread, leaves others alone', async () => {
    rt = quietRuntime();
    await rt.add(decl('echo', 'echo-actor'));
    await rt.add(decl('other', 'counter'));
    await rt.call('other', 'Counter.Add', { n: 5 });
    const before = rt.info('echo')!.threadIds[0];
    const otherThread = rt.info('other')!.threadIds[0];
    const exited = new Promise((resolve) => rt.once('actor:exited', resolve));
    const restarted = new Promise((resolve) => rt.once('actor:restarted', resolve));
    const started = new Promise((resolve) => rt.once('actor:started', resolve));

    const crash = rt.call('echo', 'Echo.Crash');
    const slow = rt.call('echo', 'Echo.Slow', { ms: 60_000 }); // queued behind the crash, also pending
    const what = 'both calls rejected (at the crash, not after the 60 s call)';
    await assert.rejects(
      settlesWithin(crash, 15_000, what),
      (e: unknown) => e instanceof ActorExitedError && e.code === 'IK_ACTOR_EXITED' && /boom mid-call/.test(e.message),
    );
    await assert.rejects(settlesWithin(slow, 15_000, what), ActorExitedError);
    assert.deepEqual(await exited, { name: 'echo', threadId: before, reason: 'Error: boom mid-call', exitCode: 1 });
    assert.equal(((await restarted) as { attempt: number }).attempt, 1);

    // While restarting, calls are refused with a typed error, never left hanging.
    if (rt.info('echo')!.status === 'restarting') {
      await assert.rejects(rt.call('echo', 'Echo.Echo', 1), ActorRestartingError);
    }
    await started;
    const who = await rt.call<{ threadId: number }>('echo', 'Echo.Whoami');
    assert.notEqual(who.threadId, before);
    assert.equal(rt.info('echo')!.restarts, 1);

    // The other actor kept its thread and its state.
    assert.deepEqual(await rt.call('other', 'Counter.Get'), { total: 5, threadId: otherThread });
    assert.equal(rt.info('other')!.restarts, 0);
  });
});
