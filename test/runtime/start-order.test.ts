/**
 * Start-up order: every actor is declared before any starts, so a call to one that is still
 * starting (from main, or from another actor's create()) waits until it is ready; if its start
 * fails, the waiting calls reject with ActorStartError. Never "restarting after a crash".
 */
import assert from 'node:assert/strict';
import { ActorStartError, CallTimeoutError, Runtime } from '../../runtime/index.js';
import { decl } from '../fixtures/helpers.js';
import { useRuntimeHome } from '../helpers/runtime-home.js';
import { waitFor } from '../helpers/wait.js';

describe('runtime: start-up order', function () {
  this.timeout(30_000);
  const t = useRuntimeHome();

  it('an actor that calls another from its create() reaches it, though it is declared after it and starts slower', async () => {
    t.rt = await Runtime.start({
      home: t.home,
      logLevel: 'silent',
      actors: [
        decl('early', 'slow-start', { options: { delayMs: 0, callAtStart: 'late' } }),
        decl('late', 'slow-start', { options: { delayMs: 500 } }),
      ],
    });
    const rt = t.rt;
    const atStart = await waitFor('the call made at start to settle', async () => {
      const v = await rt.call('early', 'Slow.AtStart');
      return v === 'pending' ? undefined : v;
    });
    assert.deepEqual(atStart, { ok: 'hello early from late' });
    assert.equal(rt.relayedCalls, 0, 'reached over a direct port, not through the resolver');
  });

  it('a call from main to an actor that is still starting waits for it (and within its deadline)', async () => {
    const rt = (t.rt = new Runtime({ home: t.home, logLevel: 'silent' }));
    const added = rt.add(decl('slow', 'slow-start', { options: { delayMs: 800 } }));
    // Declared once its module is loaded, then starting for 800 ms.
    await waitFor('slow declared', () => rt.info('slow')?.status === 'starting', 10_000, 5);
    const short = await rt.call('slow', 'Slow.Hello', {}, { timeoutMs: 20 }).then(
      () => 'answered',
      (e: unknown) => e,
    );
    assert.ok(short instanceof CallTimeoutError, `a deadline shorter than the start: ${String(short)}`);
    assert.equal(await rt.call('slow', 'Slow.Hello', {}), 'hello main from slow');
    await added;
  });

  it('if the start fails, the calls waiting on it reject with ActorStartError (not ActorRestartingError)', async () => {
    const rt = (t.rt = new Runtime({ home: t.home, logLevel: 'silent' }));
    await rt.add(decl('caller', 'caller'));
    const added = rt.add(decl('doomed', 'slow-start', { options: { delayMs: 800, fail: true } })).catch((e: unknown) => e);
    await waitFor('doomed declared', () => rt.info('doomed')?.status === 'starting', 10_000, 5);
    const fromMain = rt.call('doomed', 'Slow.Hello', {}).catch((e: unknown) => e);
    const fromPeer = rt.call<{ code?: string; ctor?: string }>('caller', 'Caller.Try', { target: 'doomed', method: 'Slow.Hello' });
    assert.ok((await added) instanceof ActorStartError);
    const m = await fromMain;
    assert.ok(m instanceof ActorStartError, `main: ${String(m)}`);
    assert.equal((await fromPeer).code, 'IK_ACTOR_START_FAILED');
    assert.equal(rt.info('doomed'), undefined);
  });

  it('the mailbox capacity bounds the calls waiting for a start', async () => {
    const rt = (t.rt = new Runtime({ home: t.home, logLevel: 'silent' }));
    const added = rt.add(decl('slow', 'slow-start', { mailbox: 3, options: { delayMs: 800 } }));
    await waitFor('slow declared', () => rt.info('slow')?.status === 'starting', 10_000, 5);
    const calls = Array.from({ length: 5 }, () =>
      rt.call('slow', 'Slow.Hello', {}).then(
        () => 'ok',
        (e: { code?: string }) => e.code,
      ),
    );
    await added;
    assert.deepEqual((await Promise.all(calls)).sort(), ['IK_MAILBOX_FULL', 'IK_MAILBOX_FULL', 'ok', 'ok', 'ok']);
    await waitFor('an empty mailbox', () => rt.info('slow')!.queued === 0);
  });
});
