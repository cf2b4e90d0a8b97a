/** A short soak (soak.ts) in CI: 32 keep-alive connections across the actors, no error, RSS bounded. */
import assert from 'node:assert/strict';
import { formatSoak, runSoak } from './soak.js';

const SECONDS = Number(process.env['SOAK_SECONDS'] ?? 10);

describe('soak: 32 concurrent keep-alive connections across actors', function () {
  this.timeout((SECONDS + 60) * 1000);

  it(`${SECONDS} s: no error, every op served, RSS troughs after warm-up flat`, async () => {
    const r = await runSoak({ seconds: SECONDS, connections: 32, sampleMs: 1000 });
    assert.equal(r.errors, 0, formatSoak(r));
    for (const [name, s] of r.ops) assert.ok(s.count > 0, `${name} never ran`);
    // The troughs, not end minus start: in a shared mocha process other tests' garbage moves the peaks.
    const growthMb = r.rssTroughGrowth / 2 ** 20;
    assert.ok(growthMb < 100, `RSS troughs grew ${growthMb.toFixed(1)} MiB\n${formatSoak(r)}`);
  });
});
