/**
 * `npm run fuzz`: 100,000 fuzz cases (fuzz-cases.ts) against the six default actors' sockets, judged by
 * the oracle (fuzz-harness.ts), 16 at a time. Prints the tally and RSS; exits non-zero on a violation,
 * an actor that stops answering or restarts, or RSS growing more than --max-rss-growth-mb (default 300:
 * RSS includes the fuzzer's own bodies and moves by ±100 MiB between batches; a leak climbs steadily).
 *
 *   node dist/test/fuzz/fuzz-main.js [--runs 100000] [--seed N] [--concurrency 16] [--max-rss-growth-mb 200]
 */
import fc from 'fast-check';
import { parseArgs } from 'node:util';
import { fuzzCase, type FuzzCase } from './fuzz-cases.js';
import { FuzzTarget, judge, showCase, Tally } from './fuzz-harness.js';

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '100000' },
    seed: { type: 'string', default: String(Date.now() % 2 ** 31) },
    concurrency: { type: 'string', default: '16' },
    'max-rss-growth-mb': { type: 'string', default: '300' },
  },
});
const runs = Number(values.runs);
const seed = Number(values.seed);
const concurrency = Number(values.concurrency);
const maxGrowthMb = Number(values['max-rss-growth-mb']);
const BATCH = 1000;
const mb = (n: number): string => `${(n / 2 ** 20).toFixed(1)} MiB`;

const t = await FuzzTarget.start();
const arb = fuzzCase(t.examples);
const tally = new Tally();
let sick: string | undefined;
let rssStart = 0;
let rssPeak = 0;
const samples: number[] = [];
const t0 = performance.now();

for (let b = 0; b * BATCH < runs && sick === undefined; b++) {
  const cases: FuzzCase[] = fc.sample(arb, { numRuns: Math.min(BATCH, runs - b * BATCH), seed: seed + b });
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < cases.length) {
        const c = cases[next++] as FuzzCase;
        tally.add(c, judge(c, await t.send(c)));
      }
    }),
  );
  // Undo what valid requests did (committed groups, instances), then check every actor.
  await t.cleanup();
  sick = await t.health();
  const rss = process.memoryUsage().rss;
  rssPeak = Math.max(rssPeak, rss);
  samples.push(rss);
  if (b === 1) rssStart = rss; // after a warm-up batch
  if ((b + 1) % 10 === 0) console.error(`${tally.total} cases, ${tally.violationCount} violations, RSS ${mb(rss)}`);
}
const seconds = (performance.now() - t0) / 1000;
const rssEnd = process.memoryUsage().rss;
await t.close();

console.log(
  `fuzz: ${tally.total} cases in ${seconds.toFixed(1)} s (${(tally.total / seconds).toFixed(0)}/s), seed ${seed}, ${concurrency} at a time`,
);
console.log(tally.table());
console.log(`\nRSS after warm-up ${mb(rssStart)}, end ${mb(rssEnd)}, peak ${mb(rssPeak)}, growth ${mb(rssEnd - rssStart)}`);
console.log(`RSS per 1,000 cases (MiB): ${samples.map((n) => (n / 2 ** 20).toFixed(0)).join(' ')}`);
console.log(`violations: ${tally.violationCount}`);
for (const { c, v } of tally.violations.slice(0, 20)) console.log(`  ${v}\n    ${showCase(c)}`);
if (sick !== undefined) console.log(`actor health: ${sick}`);
const grew = (rssEnd - rssStart) / 2 ** 20 > maxGrowthMb;
if (grew) console.log(`RSS grew more than ${maxGrowthMb} MiB`);
process.exitCode = tally.violationCount > 0 || sick !== undefined || grew ? 1 : 0;
