/**
 * Poison group specs, bounded for CI: the poison list of issue #12 and a fast-check sample of group
 * specs (group-fuzz-cases.ts) against `infrakit-ts up` in a child process; every call answers within
 * 10 s, what the bounds must refuse is refused, the process stays up, and a handshake on `simulator`
 * keeps answering meanwhile. `npm run fuzz` runs the same at length.
 */
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { groupCase, poisonCases } from './group-fuzz-cases.js';
import { CALL_DEADLINE_MS, GroupFuzzTarget, GroupTally, Probe, runGroupCases } from './group-fuzz-harness.js';

const RUNS = Number(process.env['GROUP_FUZZ_RUNS'] ?? 80);
const SEED = Number(process.env['GROUP_FUZZ_SEED'] ?? Date.now() % 2 ** 31);
/**
 * A handshake stalled past the fuzz's own deadline for a call counts as a hang; anything shorter may be
 * a busy machine (the suite runs files in parallel). `npm run fuzz` asserts 200 ms.
 */
const PROBE_BOUND_MS = CALL_DEADLINE_MS;

describe('fuzz: poison group specs over the sockets of a runtime in a child process', function () {
  this.timeout(180_000);
  let t: GroupFuzzTarget | undefined;
  before(async () => {
    t = await GroupFuzzTarget.start();
  });
  after(async () => {
    await t?.close();
  });

  it(`the poison list and ${RUNS} random specs: every call answers, limits refuse, the process stays up, handshakes keep answering`, async () => {
    const target = t as GroupFuzzTarget;
    const tally = new GroupTally();
    const probe = new Probe(target.socket('simulator')).start();
    const cases = [...poisonCases(), ...fc.sample(groupCase, { numRuns: RUNS, seed: SEED })];
    try {
      // Stop at the first violation: what follows a hang or a dead process proves nothing more.
      await runGroupCases(target, cases, tally, { stop: () => tally.violationCount > 0 });
    } finally {
      await probe.stop();
    }
    const report = `seed ${SEED} (GROUP_FUZZ_SEED)\n${tally.table()}\nprobe: ${probe.latencies.length} handshakes, worst ${probe.worst.toFixed(0)} ms, p99 ${probe.percentile(0.99).toFixed(0)} ms`;
    console.log(`      ${report.replace(/\n/g, '\n      ')}`);
    assert.equal(tally.violationCount, 0, `${tally.violations.join('\n')}\n${report}`);
    assert.equal(await target.health(), undefined);
    assert.deepEqual(probe.failures, []);
    assert.ok(probe.worst < PROBE_BOUND_MS, `a handshake on simulator took ${probe.worst.toFixed(0)} ms during the fuzz\n${report}`);
  });
});
