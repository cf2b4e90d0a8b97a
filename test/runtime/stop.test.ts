import assert from 'node:assert/strict';
import { RuntimeStoppedError, ActorExitedError, type Runtime } from '../../runtime/index.js';
import { decl, quietRuntime } from '../fixtures/helpers.js';
import { settlesWithin } from '../helpers/wait.js';

describe('runtime: stop', () => {
  let rt: Runtime;
  afterEach(() => rt?.stop());

  it('is idempotent: a second call returns the same completion', async () => {
    rt = quietRuntime();
    await rt.add(decl('echo', 'echo-actor'));
    const a = rt.stop();
    const b = rt.stop();
    assert.equal(a, b);
    await Promise.all([a, b]);
    await rt.stop();
    assert.equal(rt.info('echo')!.status, 'stopped');
    await assert.rejects(rt.call('echo', 'Echo.Echo', 1), RuntimeStoppedError);
    await assert.rejects(rt.add(decl('x', 'echo-actor')), RuntimeStoppedError);
  });

  it('lets running calls finish, aborts ctx.signal, runs instance.stop()', async () => {
    rt = quietRuntime();
    await rt.add(decl('echo', 'echo-actor'));
    await rt.add(decl('hang', 'hang'));
    const events: string[] = [];
    rt.on('actor:event', (e) => events.push(`${e.actor}:${e.type}`));
    const running = rt.call('echo', 'Echo.Slow', { ms: 200, value: 'done' });
    const aborted = rt.call('hang', 'Hang.UntilAborted');
    await new Promise((r) => setTimeout(r, 20));
    await rt.stop({ timeoutMs: 500 });
    assert.equal(await running, 'done');
    assert.equal(await aborted, 'aborted');
    assert.deepEqual(events, ['hang:stopping']);
  });

  it('forces calls that never finish off after the deadline, with a typed error', async () => {
    rt = quietRuntime({ stopTimeoutMs: 200 });
    await rt.add(decl('hang', 'hang'));
    const forever = rt.call('hang', 'Hang.Forever');
    await settlesWithin(rt.stop(), 15_000, 'stop (forcing the call off after 200 ms, not waiting for it forever)');
    await assert.rejects(forever, ActorExitedError);
  });
});
