/** A peer that appears later gets its direct port: the relay a worker cached for its name is dropped. */
import assert from 'node:assert/strict';
import { Runtime } from '../../runtime/index.js';
import { decl } from '../fixtures/helpers.js';
import { useRuntimeHome } from '../helpers/runtime-home.js';

describe('runtime: an actor added later is reached directly', function () {
  this.timeout(30_000);
  const t = useRuntimeHome();

  it("A calls 'b' before it exists (not found), b is added, then 200 calls from A to b are not relayed", async () => {
    const rt = (t.rt = new Runtime({ home: t.home, logLevel: 'silent' }));
    await rt.add(decl('a', 'caller'));
    const missing = await rt.call<{ ok: boolean; code?: string }>('a', 'Caller.Try', { target: 'b', method: 'Echo.Echo', params: 1 });
    assert.equal(missing.code, 'IK_ACTOR_NOT_FOUND');
    assert.equal(rt.relayedCalls, 1, 'the first call went to the resolver through main');
    await rt.add(decl('b', 'echo-actor'));
    assert.equal(await rt.call('a', 'Caller.Many', { target: 'b', method: 'Echo.Echo', n: 200 }), 200);
    assert.equal(rt.relayedCalls, 1, 'no call to b was relayed once b existed');
  });
});
