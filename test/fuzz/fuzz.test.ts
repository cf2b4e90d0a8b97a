/**
 * Bad input, bounded for CI: fast-check cases (fuzz-cases.ts) against the six default actors' real
 * sockets; each answer judged by the oracle (fuzz-harness.ts), then the actor must still answer and
 * must not have restarted. `npm run fuzz` runs the same for 100,000 requests.
 */
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { fuzzCase } from './fuzz-cases.js';
import { FuzzTarget, judge, showCase, Tally } from './fuzz-harness.js';

const RUNS = Number(process.env['FUZZ_RUNS'] ?? 600);

describe('fuzz: malformed and adversarial requests on every actor socket', function () {
  this.timeout(120_000);
  let t: FuzzTarget;
  before(async () => {
    t = await FuzzTarget.start();
  });
  after(async () => {
    await t?.close();
  });

  it(`${RUNS} cases: each gets a valid JSON-RPC answer or a proper HTTP status; no crash, no hang, memory flat`, async () => {
    const tally = new Tally();
    const rss0 = process.memoryUsage().rss;
    await fc.assert(
      fc.asyncProperty(fuzzCase(t.examples, { hugeWeight: 1 }), async (c) => {
        const verdict = judge(c, await t.send(c));
        tally.add(c, verdict);
        assert.equal(verdict.violation, undefined, `${verdict.violation} — ${showCase(c)}`);
        const sick = await t.health([c.actor]);
        assert.equal(sick, undefined, `${sick} — after ${showCase(c)}`);
      }),
      { numRuns: RUNS },
    );
    await t.cleanup();
    assert.equal(await t.health(), undefined);
    const grewMb = (process.memoryUsage().rss - rss0) / 2 ** 20;
    assert.ok(grewMb < 300, `RSS grew ${grewMb.toFixed(1)} MiB`);
    assert.ok(tally.byClass.size > 5, tally.table());
  });
});
