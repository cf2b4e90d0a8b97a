import assert from 'node:assert/strict';
import { ActorFailedError, ActorStartError, type Runtime } from '../../runtime/index.js';
import { decl, quietRuntime, sleep } from '../fixtures/helpers.js';
import { waitFor } from '../helpers/wait.js';

describe('runtime: restart intensity', () => {
  let rt: Runtime;
  afterEach(() => rt?.stop());

  it('a crash loop beyond maxRestarts within the window marks the actor failed', async () => {
    rt = quietRuntime({ restart: { initialDelayMs: 5, maxDelayMs: 40, maxRestarts: 3, withinMs: 60_000 } });
    const delays: number[] = [];
    rt.on('actor:restarted', (e) => delays.push(e.delayMs));
    const failed = new Promise<{ name: string; reason: string }>((resolve) => rt.once('actor:failed', resolve));
    await rt.add(decl('later', 'crash-later', { options: { afterMs: 20 } }));
    await rt.add(decl('fine', 'echo-actor'));
    const f = await failed;
    assert.equal(f.name, 'later');
    assert.match(f.reason, /crash later/);
    assert.deepEqual(delays, [5, 10, 20]); // exponential backoff
    const info = rt.info('later')!;
    assert.equal(info.status, 'failed');
    assert.equal(info.restarts, 3);
    assert.deepEqual(info.threadIds, []);
    assert.match(info.failure ?? '', /crash later/);
    await assert.rejects(rt.call('later', 'Later.Whoami'), ActorFailedError);
    assert.equal(await rt.call('fine', 'Echo.Echo', 'ok'), 'ok');
  });

  it('an actor that dies while booting rejects add() with ActorStartError and is not retried', async () => {
    rt = quietRuntime();
    let exits = 0;
    rt.on('actor:exited', () => exits++);
    await assert.rejects(rt.add(decl('bad', 'crash-on-start')), (e: unknown) => {
      assert.ok(e instanceof ActorStartError);
      assert.match(e.message, /cannot start: no config/);
      return true;
    });
    await sleep(200);
    assert.equal(exits, 1);
    assert.equal(rt.info('bad'), undefined);
  });

  it('a module that does not exist, or an unknown built-in kind, is an ActorStartError', async () => {
    rt = quietRuntime();
    await assert.rejects(rt.add({ name: 'x', module: '/nonexistent/actor.js' }), ActorStartError);
    await assert.rejects(rt.add({ name: 'y', module: 'no-such-kind' }), /no built-in actor kind 'no-such-kind'/);
    await assert.rejects(rt.add({ name: 'z', module: 'relative/path.js' }), ActorStartError);
  });

  it('restarts pick up again after the window', async () => {
    rt = quietRuntime({ restart: { initialDelayMs: 5, maxRestarts: 1, withinMs: 150 } });
    await rt.add(decl('later', 'crash-later', { options: { afterMs: 300 } }));
    await waitFor('first restart', () => rt.info('later')!.restarts === 1);
    await waitFor('second crash', () => rt.info('later')!.restarts === 2 || rt.info('later')!.status === 'failed');
    assert.equal(rt.info('later')!.status === 'failed', false);
  });
});
