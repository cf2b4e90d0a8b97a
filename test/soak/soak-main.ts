/**
 * `npm run soak`: the soak (soak.ts) for --seconds (default 180) at --connections (default 32).
 * Prints a table and the RSS growth after warm-up; exits non-zero on any error or when RSS grew more
 * than --max-rss-growth-mb (default 100) after the warm-up, or when an op never ran. The CI soak
 * (soak.test.ts) runs it as a child process, so the RSS it judges is its own.
 */
import { parseArgs } from 'node:util';
import { formatSoak, runSoak } from './soak.js';

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '180' },
    connections: { type: 'string', default: '32' },
    'max-rss-growth-mb': { type: 'string', default: '100' },
    'sample-ms': { type: 'string', default: '5000' },
  },
});
const maxGrowthMb = Number(values['max-rss-growth-mb']);
const r = await runSoak({
  seconds: Number(values.seconds),
  connections: Number(values.connections),
  progress: true,
  sampleMs: Number(values['sample-ms']),
});
console.log(formatSoak(r));
const growthMb = Math.max(r.rssEnd - r.rssAfterWarmup, r.rssTroughGrowth) / 2 ** 20;
const grew = growthMb > maxGrowthMb;
if (grew) console.log(`RSS grew ${growthMb.toFixed(1)} MiB after warm-up, more than ${maxGrowthMb} MiB`);
const idle = [...r.ops].filter(([, s]) => s.count === 0).map(([name]) => name);
for (const name of idle) console.log(`${name} never ran`);
process.exitCode = r.errors > 0 || grew || idle.length > 0 ? 1 : 0;
