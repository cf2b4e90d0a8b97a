/** Fault: an uncaught exception in a worker while a call is pending. */
import { groupSurvives, ledgerSurvives, report, startHarness, type Harness } from './helpers.js';

describe('faults: an uncaught throw in a worker mid-call', function () {
  this.timeout(60_000);
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  it('the caller gets ActorExitedError at the exit, before the restart; the ledger is back on a new thread with every committed entry', async () => {
    h = await startHarness();
    report('throw in ledger', await ledgerSurvives(h, (rt) => rt.call('ledger', 'Ledger.Throw'), /uncaught throw on purpose/));
  });

  it('the group (Group.TestCrash) is back with its committed specs and the same instances', async () => {
    h = await startHarness();
    report(
      'throw in group',
      await groupSurvives(h, (rt) => rt.call('group', 'Group.TestCrash', {}), /crashing the group worker on purpose/),
    );
  });
});
