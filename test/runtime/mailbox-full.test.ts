import assert from 'node:assert/strict';
import { MailboxFullError, type Runtime } from '../../runtime/index.js';
import { decl, quietRuntime } from '../fixtures/helpers.js';
import { settlesBefore } from '../helpers/wait.js';

describe('runtime: bounded mailbox', () => {
  let rt: Runtime;
  afterEach(() => rt?.stop());

  it('refuses calls beyond capacity at once; accepted calls complete correctly', async () => {
    rt = quietRuntime();
    await rt.add(decl('echo', 'echo-actor', { mailbox: 4 }));
    const full: { name: string; capacity: number }[] = [];
    rt.on('mailbox:full', (e) => full.push(e));
    const calls = Array.from({ length: 10 }, (_, i) => rt.call('echo', 'Echo.Slow', { ms: 50, value: i }));
    const settled = await Promise.allSettled(calls);
    const ok = settled.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
    const refused = settled.flatMap((s) => (s.status === 'rejected' ? [s.reason as unknown] : []));
    // In-flight counts toward the bound: the first 4 are taken, the other 6 refused.
    assert.deepEqual(ok, [0, 1, 2, 3]);
    assert.equal(refused.length, 6);
    for (const e of refused) {
      assert.ok(e instanceof MailboxFullError);
      assert.equal(e.code, 'IK_MAILBOX_FULL');
    }
    assert.equal(full.length, 6);
    assert.deepEqual(full[0], { name: 'echo', capacity: 4 });
    // Room again once they are answered.
    assert.equal(rt.info('echo')!.queued, 0);
    assert.equal(await rt.call('echo', 'Echo.Echo', 'again'), 'again');
  });

  it('refusal is immediate, not after the queue drains', async () => {
    rt = quietRuntime({ mailbox: 1 });
    await rt.add(decl('echo', 'echo-actor'));
    const slow = rt.call('echo', 'Echo.Slow', { ms: 3000, value: 'slow' });
    const refused = rt.call('echo', 'Echo.Echo', 1);
    assert.ok(await settlesBefore(refused, slow), 'refused only once the 3 s call in the mailbox was answered');
    await assert.rejects(refused, MailboxFullError);
    assert.equal(rt.info('echo')!.queued, 1);
    assert.equal(rt.info('echo')!.capacity, 1);
    await rt.stop({ timeoutMs: 100 });
    await slow.catch(() => undefined);
  });
});
