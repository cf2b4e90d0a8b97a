/**
 * Call chains: a plugin that calls itself through another never wedges (a re-entrant call skips
 * the concurrency slot its caller holds), and a chain MAX_CALL_DEPTH deep is refused at once.
 */
import assert from 'node:assert/strict';
import { CallDepthError, MAX_CALL_DEPTH, Runtime } from '../../runtime/index.js';
import { decl } from '../fixtures/helpers.js';
import { useRuntimeHome } from '../helpers/runtime-home.js';

describe('runtime: call chains (re-entrancy and depth)', function () {
  this.timeout(30_000);
  const t = useRuntimeHome();

  it('an actor with concurrency 1 that is called back through another actor answers (no wedge)', async () => {
    const rt = (t.rt = new Runtime({ home: t.home, logLevel: 'silent' }));
    await rt.addAll([decl('a', 'reentrant'), decl('b', 'reentrant')]);
    // a.Ping holds a's only slot while b calls a.Pong: without re-entrancy a never answers again.
    assert.equal(await rt.call('a', 'Re.Ping', { via: 'b' }, { timeoutMs: 10_000 }), 'pong');
    assert.equal(await rt.call('a', 'Re.Plain', {}, { timeoutMs: 10_000 }), 'plain');
    // Many at once: each runs its callback at once, none waits behind another.
    const all = await Promise.all(Array.from({ length: 20 }, () => rt.call('a', 'Re.Ping', { via: 'b' }, { timeoutMs: 20_000 })));
    assert.ok(all.every((v) => v === 'pong'));
    assert.equal(rt.info('a')!.queued, 0);
    assert.equal(rt.info('b')!.queued, 0);
  });

  it(`self-recursion within ${MAX_CALL_DEPTH} answers; deeper is refused with CallDepthError naming the chain, and the actor serves on`, async () => {
    const rt = (t.rt = new Runtime({ home: t.home, logLevel: 'silent' }));
    await rt.add(decl('rec', 'reentrant'));
    assert.equal(await rt.call('rec', 'Re.Down', { n: MAX_CALL_DEPTH - 1 }, { timeoutMs: 10_000 }), MAX_CALL_DEPTH - 1);
    const err = await rt.call('rec', 'Re.Down', { n: 50 }, { timeoutMs: 10_000 }).then(
      () => assert.fail('should be refused'),
      (e: unknown) => e,
    );
    assert.ok(err instanceof CallDepthError, `expected CallDepthError, got ${String(err)}`);
    assert.equal(err.code, 'IK_CALL_DEPTH');
    assert.match(
      err.message,
      new RegExp(
        `\\(${Array(MAX_CALL_DEPTH + 1)
          .fill('rec')
          .join(' -> ')}\\)`,
      ),
    );
    assert.equal(await rt.call('rec', 'Re.Plain', {}, { timeoutMs: 10_000 }), 'plain');
    assert.equal(rt.info('rec')!.queued, 0);
    assert.equal(rt.info('rec')!.restarts, 0);
  });

  it('two actors calling each other forever are refused at the same depth, and both serve on', async () => {
    const rt = (t.rt = new Runtime({ home: t.home, logLevel: 'silent' }));
    await rt.addAll([decl('a', 'reentrant'), decl('b', 'reentrant')]);
    const err = await rt.call('a', 'Re.Loop', { other: 'b' }, { timeoutMs: 10_000 }).then(
      () => assert.fail('should be refused'),
      (e: unknown) => e,
    );
    assert.ok(err instanceof CallDepthError, `expected CallDepthError, got ${String(err)}`);
    assert.match(err.message, /\(a -> b -> a -> b -> a -> b -> a -> b -> a\)/);
    assert.equal(await rt.call('a', 'Re.Plain', {}, { timeoutMs: 10_000 }), 'plain');
    assert.equal(await rt.call('b', 'Re.Plain', {}, { timeoutMs: 10_000 }), 'plain');
  });
});
