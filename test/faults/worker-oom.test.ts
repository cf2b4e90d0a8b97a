/**
 * Fault: a worker that runs out of memory under its declaration's `resourceLimits`. Only that worker
 * dies (ERR_WORKER_OUT_OF_MEMORY); the process, and every other actor, go on.
 */
import assert from 'node:assert/strict';
import { ledgerSurvives, report, startHarness, type Harness } from './helpers.js';

describe('faults: a worker out of memory (resourceLimits)', function () {
  this.timeout(60_000);
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  it('the caller gets ActorExitedError within 1 s; the ledger is back on a new thread with every committed entry', async () => {
    h = await startHarness();
    const rssBefore = process.memoryUsage().rss;
    report('oom in ledger', await ledgerSurvives(h, (rt) => rt.call('ledger', 'Ledger.Hog'), /out of memory/i));
    // The hog's heap went with its thread; the others never noticed.
    assert.ok(process.memoryUsage().rss - rssBefore < 256 * 1024 * 1024);
    assert.equal(h.rt.info('group')!.restarts, 0);
    assert.equal(h.rt.info('simulator')!.restarts, 0);
  });
});
