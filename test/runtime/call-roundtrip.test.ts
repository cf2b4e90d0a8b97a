import assert from 'node:assert/strict';
import { ActorNotFoundError, type Runtime } from '../../runtime/index.js';
import { decl, quietRuntime } from '../fixtures/helpers.js';

interface Echo {
  Echo(p: unknown): Promise<unknown>;
  Whoami(): Promise<{ threadId: number; name: string; options: Record<string, unknown> }>;
}

describe('runtime: call and typed proxy round trip', () => {
  let rt: Runtime;
  afterEach(() => rt?.stop());

  it('calls a method and gets its result by structured clone', async () => {
    rt = quietRuntime();
    const info = await rt.add(decl('echo', 'echo-actor', { options: { color: 'blue' } }));
    assert.equal(info.status, 'running');
    assert.deepEqual(info.manifest, { interfaces: [{ name: 'Echo', version: '0.1.0' }] });
    assert.ok(info.methods.some((m) => m.name === 'Echo.Validate' && typeof m.params === 'object'));
    const value = { n: 1, when: new Date(0), big: 2n ** 64n, nested: { list: [1, 'two', null] }, map: new Map([[1, 2]]) };
    assert.deepEqual(await rt.call('echo', 'Echo.Echo', value), value);
  });

  it('a typed proxy calls Service.Method', async () => {
    rt = quietRuntime();
    await rt.add(decl('echo', 'echo-actor', { options: { color: 'blue' } }));
    const echo = rt.actor<Echo>('echo', 'Echo');
    assert.deepEqual(await echo.Echo({ x: 1 }), { x: 1 });
    const who = await echo.Whoami();
    assert.equal(who.name, 'echo');
    assert.deepEqual(who.options, { color: 'blue' });
    assert.deepEqual(rt.info('echo')?.threadIds, [who.threadId]);
    // Without a service the property is the method name; the proxy is not thenable.
    assert.deepEqual(await rt.actor<Record<string, (p: unknown) => Promise<unknown>>>('echo')['Echo.Echo']!(7), 7);
    assert.equal(rt.actor<{ then?: unknown }>('echo').then, undefined);
  });

  it("'name/rest' picks the actor by the part before the first slash, params untouched", async () => {
    rt = quietRuntime();
    await rt.add(decl('echo', 'echo-actor'));
    assert.deepEqual(await rt.call('echo/compute/x', 'Echo.Echo', { Type: 'compute' }), { Type: 'compute' });
  });

  it('unknown names go to the resolver, else ActorNotFoundError', async () => {
    rt = quietRuntime();
    await assert.rejects(rt.call('nobody', 'X.Y', {}), ActorNotFoundError);
    rt.setResolver((name) => (name === 'remote' ? { call: async (method, params) => ({ method, params }) } : undefined));
    assert.deepEqual(await rt.call('remote/sub', 'X.Y', { a: 1 }), { method: 'X.Y', params: { a: 1 } });
    await assert.rejects(
      rt.call('nobody', 'X.Y', {}),
      (e: Error) => e instanceof ActorNotFoundError && e.message === 'plugin not found:nobody',
    );
  });

  it('list() and info() describe actors; actor:event carries ctx.emit', async () => {
    rt = quietRuntime();
    await rt.add(decl('a', 'echo-actor'));
    await rt.add(decl('b', 'counter'));
    assert.deepEqual(
      rt.list().map((i) => i.name),
      ['a', 'b'],
    );
    assert.equal(rt.info('zzz'), undefined);
    const seen = new Promise((resolve) => rt.once('actor:event', resolve));
    await rt.call('a', 'Echo.Emit', { type: 'converged', payload: { n: 3 } });
    assert.deepEqual(await seen, { actor: 'a', type: 'converged', payload: { n: 3 } });
  });

  it('remove() stops one actor and forgets it', async () => {
    rt = quietRuntime();
    await rt.add(decl('a', 'echo-actor'));
    await rt.remove('a');
    assert.equal(rt.info('a'), undefined);
    await assert.rejects(rt.call('a', 'Echo.Echo', 1), ActorNotFoundError);
    await rt.add(decl('a', 'echo-actor'));
    assert.equal(await rt.call('a', 'Echo.Echo', 2), 2);
  });

  it('logCalls emits a call event per call', async () => {
    rt = quietRuntime({ logCalls: true });
    await rt.add(decl('a', 'echo-actor'));
    const events: { method: string; ok: boolean }[] = [];
    rt.on('call', (e) => events.push(e));
    await rt.call('a', 'Echo.Echo', 1);
    await rt.call('a', 'Echo.Fail', {}).catch(() => undefined);
    assert.deepEqual(
      events.map((e) => [e.method, e.ok]),
      [
        ['Echo.Echo', true],
        ['Echo.Fail', false],
      ],
    );
  });
});
