/**
 * The group-spec half of `npm run fuzz`: the poison list, then --runs random group specs
 * (group-fuzz-cases.ts) against `infrakit-ts up` in a child process, --concurrency at a time, with a
 * handshake probe on `simulator` throughout. Prints the tally, the probe's latency and the child's
 * RSS; exits non-zero on any violation, a dead or sick runtime, or a probe slower than --probe-ms.
 *
 *   node dist/test/fuzz/group-fuzz-main.js [--runs 2000] [--seed N] [--concurrency 4] [--probe-ms 200]
 */
import fc from 'fast-check';
import { parseArgs } from 'node:util';
import { groupCase, poisonCases, type GroupCase } from './group-fuzz-cases.js';
import { GroupFuzzTarget, GroupTally, Probe, runGroupCases } from './group-fuzz-harness.js';

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '2000' },
    seed: { type: 'string', default: String(Date.now() % 2 ** 31) },
    concurrency: { type: 'string', default: '4' },
    'probe-ms': { type: 'string', default: '200' },
  },
});
const runs = Number(values.runs);
const seed = Number(values.seed);
const concurrency = Number(values.concurrency);
const probeBound = Number(values['probe-ms']);
const BATCH = 200;

const t = await GroupFuzzTarget.start();
const tally = new GroupTally();
const probe = new Probe(t.socket('simulator')).start();
const mem0 = t.memory();
const t0 = performance.now();
let sick: string | undefined;
const rssSamples: number[] = [];
try {
  await runGroupCases(t, poisonCases(), tally, { concurrency: 1 });
  for (let b = 0; b * BATCH < runs && t.alive(); b++) {
    const cases: GroupCase[] = fc.sample(groupCase, { numRuns: Math.min(BATCH, runs - b * BATCH), seed: seed + b });
    await runGroupCases(t, cases, tally, { concurrency });
    const m = t.memory();
    if (m !== undefined) rssSamples.push(m.rss);
    console.error(
      `${tally.total} cases, ${tally.violationCount} violations, runtime RSS ${m?.rss.toFixed(0) ?? '?'} MiB, probe worst ${probe.worst.toFixed(0)} ms`,
    );
  }
  sick = await t.health();
} finally {
  await probe.stop();
}
const seconds = (performance.now() - t0) / 1000;
const mem1 = t.memory();
await t.close();

console.log(
  `group fuzz: ${tally.total} calls in ${seconds.toFixed(1)} s, seed ${seed}, ${concurrency} at a time; slowest answer ${tally.slowest.toFixed(0)} ms`,
);
console.log(tally.table());
console.log(
  `\nprobe (Handshake.Hello / Plugin.Implements on simulator): ${probe.latencies.length} calls, p50 ${probe.percentile(0.5).toFixed(1)} ms, p99 ${probe.percentile(0.99).toFixed(1)} ms, worst ${probe.worst.toFixed(1)} ms (bound ${probeBound} ms), ${probe.failures.length} failed`,
);
console.log(
  `runtime RSS: start ${mem0?.rss.toFixed(0) ?? '?'} MiB, end ${mem1?.rss.toFixed(0) ?? '?'} MiB, peak ${mem1?.peak.toFixed(0) ?? '?'} MiB; per batch ${rssSamples.map((n) => n.toFixed(0)).join(' ')}`,
);
console.log(`violations: ${tally.violationCount}`);
for (const v of tally.violations.slice(0, 20)) console.log(`  ${v}`);
for (const f of probe.failures.slice(0, 5)) console.log(`  probe: ${f}`);
if (sick !== undefined) console.log(`runtime health: ${sick}`);
const slowProbe = probe.worst >= probeBound;
if (slowProbe) console.log(`a handshake took ${probe.worst.toFixed(0)} ms, over ${probeBound} ms`);
process.exitCode = tally.violationCount > 0 || sick !== undefined || probe.failures.length > 0 || slowProbe ? 1 : 0;
