/**
 * Regression: params that structured clone refuses (nested too deep, a function) sent to a stateless
 * actor used to be counted as a pool thread's death; six such calls marked the actor `failed`. They are
 * now `InvalidParamsError`, like the stateful path, and the pool is untouched.
 */
import assert from 'node:assert/strict';
import { InvalidParamsError, type Runtime } from '../../runtime/index.js';
import { decl, quietRuntime } from '../fixtures/helpers.js';

function nested(depth: number): unknown {
  let v: unknown = 1;
  for (let i = 0; i < depth; i++) v = [v];
  return v;
}

describe('runtime: a stateless actor refuses params it cannot be sent', () => {
  let rt: Runtime;
  afterEach(() => rt?.stop());

  it('answers InvalidParamsError, counts no crash, and keeps serving', async () => {
    rt = quietRuntime();
    await rt.add(decl('flavor', 'stateless-echo', { threads: 1 }));
    const threads = rt.info('flavor')!.threadIds;
    for (let i = 0; i < 8; i++) {
      await assert.rejects(
        rt.call('flavor', 'Flavor.Whoami', { deep: nested(20_000) }),
        (e: unknown) => e instanceof InvalidParamsError && /cannot be sent/.test(e.message),
      );
      await assert.rejects(rt.call('flavor', 'Flavor.Whoami', { f: () => 1 }), InvalidParamsError);
    }
    const info = rt.info('flavor')!;
    assert.equal(info.status, 'running');
    assert.equal(info.restarts, 0);
    assert.deepEqual(info.threadIds, threads);
    assert.equal(info.queued, 0);
    assert.equal(typeof (await rt.call('flavor', 'Flavor.Whoami', {})), 'number');
  });
});
