/**
 * Handshake latency under deeply nested bodies: `Plugin.Implements` on the `simulator` socket of
 * `infrakit-ts up` (child process), one call after another, while four clients keep sending 3 MiB
 * bodies nested ~1.5 million levels deep outside params (`{"jsonrpc":"2.0",…,"x":[[[…]]]}`) to the
 * `group` socket; next to the same probe with no such load, in the same run. About 10 s in all.
 */
import { Agent } from 'node:http';
import type { BenchResult } from './result.js';
import { HandshakeProbe, post, sleep, UpChild } from './up-child.js';

const WINDOW_MS = 4000;
const LOADERS = 4;
const BODY_BYTES = 3 * 1024 * 1024;

function nestedBody(): Buffer {
  const prefix = '{"jsonrpc":"2.0","method":"Plugin.Implements","id":1,"x":';
  const depth = Math.floor((BODY_BYTES - prefix.length - 1) / 2);
  return Buffer.from(`${prefix}${'['.repeat(depth)}${']'.repeat(depth)}}`);
}

async function probeFor(up: UpChild, ms: number): Promise<HandshakeProbe> {
  const probe = new HandshakeProbe(up.socket('simulator')).start();
  await sleep(ms);
  await probe.stop();
  return probe;
}

export async function run(): Promise<BenchResult[]> {
  const up = await UpChild.start();
  try {
    await probeFor(up, 500); // warm-up
    const quiet = await probeFor(up, WINDOW_MS);

    const body = nestedBody();
    const statuses = new Map<string, number>();
    let sent = 0;
    let stop = false;
    const loaders = Array.from({ length: LOADERS }, async () => {
      const agent = new Agent({ keepAlive: true, maxSockets: 1 });
      while (!stop) {
        const r = await post(up.socket('group'), body, agent, 30_000);
        sent++;
        const k = r.status === 200 ? `200 ${/"code":(-?\d+)/.exec(r.body)?.[1] ?? 'result'}` : String(r.status);
        statuses.set(k, (statuses.get(k) ?? 0) + 1);
      }
      agent.destroy();
    });
    const loaded = await probeFor(up, WINDOW_MS);
    stop = true;
    await Promise.all(loaders);
    const alive = up.alive();

    const answers = [...statuses].map(([k, n]) => `${n}x ${k}`).join(', ');
    const note = `${LOADERS} clients, ${sent} bodies of 3 MiB sent in ${WINDOW_MS / 1000} s (${answers}); ${loaded.latencies.length} probes vs ${quiet.latencies.length} quiet; runtime ${alive ? 'alive' : 'DIED'}`;
    const baselineIs = 'same probe, no load, same run';
    return [
      {
        measure: 'Plugin.Implements worst, 4 x 3 MiB nested bodies on another socket',
        ours: loaded.worst,
        baseline: quiet.worst,
        unit: 'ms',
        ratio: loaded.worst / quiet.worst,
        baselineIs,
        note,
      },
      {
        measure: 'Plugin.Implements p99, 4 x 3 MiB nested bodies on another socket',
        ours: loaded.pct(0.99),
        baseline: quiet.pct(0.99),
        unit: 'ms',
        ratio: loaded.pct(0.99) / quiet.pct(0.99),
        baselineIs,
        note: `p50 ${loaded.pct(0.5).toFixed(2)} ms vs ${quiet.pct(0.5).toFixed(2)} ms`,
      },
    ];
  } finally {
    await up.stop();
  }
}
