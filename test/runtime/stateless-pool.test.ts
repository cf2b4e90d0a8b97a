import assert from 'node:assert/strict';
import { ActorExitedError, ApplicationError, type Runtime } from '../../runtime/index.js';
import { decl, quietRuntime } from '../fixtures/helpers.js';
import { settlesWithin } from '../helpers/wait.js';

describe('runtime: stateless actors on a piscina pool', () => {
  let rt: Runtime;
  afterEach(() => rt?.stop());

  it('serves concurrent calls from more than one thread, with the manifest known up front', async () => {
    rt = quietRuntime();
    const info = await rt.add(decl('flavor', 'stateless-echo', { threads: 2 }));
    assert.equal(info.kind, 'stateless');
    assert.deepEqual(info.manifest, { interfaces: [{ name: 'Flavor', version: '0.1.0' }] });
    assert.ok(info.methods.some((m) => m.name === 'Flavor.Whoami'));
    const ids = await Promise.all(Array.from({ length: 8 }, () => rt.call<number>('flavor', 'Flavor.Whoami', { ms: 40 })));
    assert.ok(new Set(ids).size > 1, `thread ids: ${ids.join(',')}`);
    for (const id of new Set(ids)) assert.ok(rt.info('flavor')!.threadIds.includes(id));
  });

  it("kind: 'stateless' in the declaration also selects the pool", async () => {
    rt = quietRuntime();
    const info = await rt.add(decl('echo', 'echo-actor', { kind: 'stateless', threads: 1 }));
    assert.equal(info.kind, 'stateless');
    assert.equal(await rt.call('echo', 'Echo.Echo', 3), 3);
  });

  it('handler errors are application errors; a dead pool thread rejects with ActorExitedError and the pool serves on', async () => {
    rt = quietRuntime();
    await rt.add(decl('flavor', 'stateless-echo'));
    await assert.rejects(rt.call('flavor', 'Flavor.Fail'), (e: unknown) => e instanceof ApplicationError && e.message === 'flavor failed');
    await assert.rejects(
      settlesWithin(rt.call('flavor', 'Flavor.Crash'), 15_000, 'the call (at the thread death, not at the 60 s call timeout)'),
      ActorExitedError,
    );
    assert.equal(typeof (await rt.call('flavor', 'Flavor.Whoami', {})), 'number');
    assert.equal(rt.info('flavor')!.restarts, 1);
  });

  it('ctx.call from a pool thread reaches other actors', async () => {
    rt = quietRuntime();
    await rt.add(decl('echo', 'echo-actor'));
    await rt.add(decl('flavor', 'stateless-echo'));
    assert.deepEqual(await rt.call('flavor', 'Flavor.Call', { target: 'echo', method: 'Echo.Echo', params: [1, 2] }), [1, 2]);
  });
});
