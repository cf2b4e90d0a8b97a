/** Fault: a worker terminated from outside (`worker.terminate()`) in the middle of a call. */
import { groupSurvives, ledgerSurvives, report, startHarness, type Harness } from './helpers.js';

describe('faults: a worker terminated mid-call', function () {
  this.timeout(60_000);
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  it('the caller gets ActorExitedError at the exit, before the restart; the ledger is back on a new thread with every committed entry', async () => {
    h = await startHarness();
    report('terminate ledger', await ledgerSurvives(h, (rt) => rt.terminateWorkerForTest('ledger'), /worker terminated/));
  });

  it('the group is back with its committed specs and the same instances', async () => {
    h = await startHarness();
    report('terminate group', await groupSurvives(h, (rt) => rt.terminateWorkerForTest('group'), /worker terminated/));
  });
});
