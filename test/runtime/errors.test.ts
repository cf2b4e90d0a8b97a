import assert from 'node:assert/strict';
import {
  ActorNotFoundError,
  ApplicationError,
  InfrakitError,
  InvalidParamsError,
  MethodNotFoundError,
  type Runtime,
} from '../../runtime/index.js';
import { decl, quietRuntime } from '../fixtures/helpers.js';

describe('runtime: errors keep class, code, message and name across the thread', () => {
  let rt: Runtime;
  beforeEach(async () => {
    rt = quietRuntime();
    await rt.add(decl('echo', 'echo-actor'));
  });
  afterEach(() => rt.stop());

  it("a plugin's own Error subclass arrives as ApplicationError named after it", async () => {
    await assert.rejects(rt.call('echo', 'Echo.Fail', { message: 'over quota' }), (e: unknown) => {
      assert.ok(e instanceof ApplicationError);
      assert.ok(e instanceof InfrakitError);
      assert.equal(e.code, 'IK_APPLICATION');
      assert.equal(e.name, 'QuotaError');
      assert.equal(e.message, 'over quota');
      assert.equal(e.rpcCode, -32000);
      return true;
    });
  });

  it('an async rejection is an application error too', async () => {
    await assert.rejects(rt.call('echo', 'Echo.Reject'), (e: unknown) => e instanceof ApplicationError && e.message === 'async failure');
  });

  it('a typed runtime error thrown by a handler keeps its class and code', async () => {
    await assert.rejects(rt.call('echo', 'Echo.FailTyped'), (e: unknown) => {
      assert.ok(e instanceof ActorNotFoundError);
      assert.equal(e.code, 'IK_ACTOR_NOT_FOUND');
      assert.equal(e.name, 'ActorNotFoundError');
      assert.equal(e.message, 'plugin not found:nope');
      return true;
    });
  });

  it('an unknown method is MethodNotFoundError with the Go text', async () => {
    await assert.rejects(rt.call('echo', 'Echo.Nope'), (e: unknown) => {
      assert.ok(e instanceof MethodNotFoundError);
      assert.equal(e.message, 'rpc: can\'t find method "Echo.Nope"');
      assert.equal(e.rpcCode, -32601);
      return true;
    });
    // 'toString' is on every object's prototype, but it is no handler.
    await assert.rejects(rt.call('echo', 'toString'), MethodNotFoundError);
  });

  it('a result that cannot be cloned is an error, not a hang', async () => {
    await assert.rejects(
      rt.call('echo', 'Echo.Uncloneable'),
      (e: unknown) => e instanceof InfrakitError && /could not be cloned|clone/i.test(e.message),
    );
    assert.equal(await rt.call('echo', 'Echo.Echo', 1), 1);
  });

  it('params that cannot be cloned are refused at once', async () => {
    await assert.rejects(rt.call('echo', 'Echo.Echo', { f: () => 1 }), InvalidParamsError);
    assert.equal(rt.info('echo')?.queued, 0);
  });
});
