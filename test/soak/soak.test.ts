/**
 * A short soak (soak.ts) in CI, in a process of its own (soak-main.ts), so the RSS it judges is the
 * soak's alone and not mocha's, where other tests' garbage lands.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const SECONDS = Number(process.env['SOAK_SECONDS'] ?? 10);
const MAIN = fileURLToPath(new URL('./soak-main.js', import.meta.url));

function runSoakProcess(args: string[]): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [MAIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, out }));
  });
}

describe('soak: 32 concurrent keep-alive connections across actors', function () {
  this.timeout((SECONDS + 90) * 1000);

  it(`${SECONDS} s in its own process: no error, every op served, RSS after warm-up flat`, async () => {
    const r = await runSoakProcess([
      '--seconds',
      String(SECONDS),
      '--connections',
      '32',
      '--max-rss-growth-mb',
      '100',
      '--sample-ms',
      '1000',
    ]);
    assert.equal(r.code, 0, r.out);
    assert.match(r.out, /provision\+destroy/, r.out);
    assert.doesNotMatch(r.out, /never ran/, r.out);
  });
});
