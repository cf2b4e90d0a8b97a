/**
 * A direct link keeps ONE deadline timer for all its calls (runtime/peer-links.ts), not one per call:
 * each call still times out on its own deadline, in any order of deadlines, and the link serves on.
 */
import assert from 'node:assert/strict';
import type { Runtime } from '../../runtime/index.js';
import { decl, quietRuntime } from '../fixtures/helpers.js';
import type { ManyCall, Outcome } from '../fixtures/timed-calls.js';
import { waitFor } from '../helpers/wait.js';

type Many = { outcomes: Outcome[]; othersPending: number };

describe('runtime: deadlines of the calls on one direct link', function () {
  this.timeout(60_000);
  let rt: Runtime | undefined;
  afterEach(async () => {
    await rt?.stop();
    rt = undefined;
  });

  it('a short deadline sent after a long one expires on its own; the long call is still pending', async () => {
    rt = quietRuntime();
    // A pool thread runs the calls of its link at once (no queue), so the slow ones overlap.
    await rt.add(decl('pool', 'stateless-echo', { kind: 'stateless' }));
    await rt.add(decl('caller', 'timed-caller'));
    const calls: ManyCall[] = [
      { target: 'pool', method: 'Flavor.Whoami', params: { ms: 0 }, timeoutMs: 20_000 },
      // Sent before the short ones with a later deadline: the link's deadline queue is out of order.
      // Had the short ones waited for its deadline, they would have been answered (after 3 s) instead.
      { target: 'pool', method: 'Flavor.Whoami', params: { ms: 4_000 }, timeoutMs: 20_000, await: false },
      { target: 'pool', method: 'Flavor.Whoami', params: { ms: 3_000 }, timeoutMs: 300 },
      { target: 'pool', method: 'Flavor.Whoami', params: { ms: 3_000 }, timeoutMs: 200 },
    ];
    const r = await rt.call<Many>('caller', 'Timed.Many', { calls });
    assert.equal(r.outcomes[0]?.ok, true);
    assert.equal(r.outcomes[1]?.code, 'IK_CALL_TIMEOUT');
    assert.match(r.outcomes[1]?.message ?? '', /Flavor\.Whoami on 'pool' timed out after 300 ms/);
    assert.equal(r.outcomes[2]?.code, 'IK_CALL_TIMEOUT');
    assert.match(r.outcomes[2]?.message ?? '', /after 200 ms/);
    assert.equal(r.othersPending, 1, 'the short deadlines did not wait for the long one');
    // The same link serves on, and every slot of the target's mailbox comes back.
    const again = await rt.call<Many>('caller', 'Timed.Many', {
      calls: [{ target: 'pool', method: 'Flavor.Whoami', params: {}, timeoutMs: 60_000 }],
    });
    assert.equal(again.outcomes[0]?.ok, true);
    await waitFor('the pool mailbox to be empty', () => rt?.info('pool')?.queued === 0, 20_000);
  });

  it("deadlines in send order each fire on time on a pool thread's link, and later calls on it are answered", async () => {
    rt = quietRuntime();
    // A pool thread runs the calls of its link at once (no queue), so the slow ones overlap.
    await rt.add(decl('pool', 'stateless-echo', { kind: 'stateless' }));
    await rt.add(decl('caller', 'timed-caller'));
    const calls: ManyCall[] = [150, 250, 350].map((ms) => ({
      target: 'pool',
      method: 'Flavor.Whoami',
      params: { ms: 3_000 },
      timeoutMs: ms,
    }));
    calls.push({ target: 'pool', method: 'Flavor.Whoami', params: { ms: 0 }, timeoutMs: 20_000 });
    const r = await rt.call<Many>('caller', 'Timed.Many', { calls });
    for (const [i, ms] of [150, 250, 350].entries()) {
      assert.equal(r.outcomes[i]?.code, 'IK_CALL_TIMEOUT');
      assert.match(r.outcomes[i]?.message ?? '', new RegExp(`Flavor\\.Whoami on 'pool' timed out after ${ms} ms`));
    }
    assert.equal(r.outcomes[3]?.ok, true);
    const again = await rt.call<Many>('caller', 'Timed.Many', { calls: [{ target: 'pool', method: 'Flavor.Whoami', params: {} }] });
    assert.equal(again.outcomes[0]?.ok, true);
    await waitFor('the pool mailbox to be empty', () => rt?.info('pool')?.queued === 0, 20_000);
  });
});
