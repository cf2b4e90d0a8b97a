/**
 * Actor restart time: a stateful actor's worker is terminated from outside, and we time until the
 * next call succeeds on the new worker (crash noticed, pending calls rejected, backoff, new worker
 * booted, module imported, `create()` run, `ready`). Baseline, in the same run: spawning a bare
 * `Worker` (no runtime) until it answers its first message.
 * The restart policy's first backoff is set to 0 ms here (default 20 ms), so the figure is the
 * runtime's own cost; add the backoff for the default policy.
 */
import { once } from 'node:events';
import { MessageChannel, Worker } from 'node:worker_threads';
import { Runtime } from '../runtime/index.js';
import type { BenchResult } from './result.js';

const N = 15;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? NaN;
}

/** Bare worker: new Worker → its first reply on a fresh port. */
async function spawnBare(): Promise<number> {
  const t0 = performance.now();
  const worker = new Worker(new URL('./fixtures/raw-echo-worker.js', import.meta.url));
  const { port1, port2 } = new MessageChannel();
  worker.postMessage({ port: port2 }, [port2]);
  await once(port1, 'message');
  const ms = performance.now() - t0;
  port1.close();
  await worker.terminate();
  return ms;
}

/** Terminate `name`'s worker and time until `method` answers again. */
async function restartOnce(rt: Runtime, name: string, method: string, params: unknown): Promise<number> {
  const started = new Promise<void>((resolve) => {
    const on = (e: { name: string }): void => {
      if (e.name !== name) return;
      rt.off('actor:started', on);
      resolve();
    };
    rt.on('actor:started', on);
  });
  const t0 = performance.now();
  await rt.terminateWorkerForTest(name);
  await started;
  await rt.call(name, method, params);
  return performance.now() - t0;
}

export async function run(): Promise<BenchResult[]> {
  const rt = await Runtime.start({
    logLevel: 'silent',
    restart: { initialDelayMs: 0, maxRestarts: 10 * N, withinMs: 60_000 },
    actors: [
      { name: 'echo', module: new URL('./fixtures/echo-actor.js', import.meta.url) },
      { name: 'simulator', module: 'simulator', options: { objects: ['compute'] } },
    ],
  });
  const bare: number[] = [];
  const echo: number[] = [];
  const sim: number[] = [];
  try {
    await spawnBare(); // warm the loader's caches as the runtime's first start did
    // Interleave so machine noise falls on both sides alike.
    for (let i = 0; i < N; i++) {
      bare.push(await spawnBare());
      echo.push(await restartOnce(rt, 'echo', 'Echo.Echo', i));
      sim.push(await restartOnce(rt, 'simulator', 'Instance.DescribeInstances', { Tags: {} }));
    }
  } finally {
    await rt.stop();
  }
  const b = median(bare);
  const e = median(echo);
  const s = median(sim);
  const baselineIs = 'bare Worker spawn → first reply (no runtime)';
  return [
    {
      measure: 'actor restart, echo actor (kill → next call ok)',
      ours: e,
      baseline: b,
      unit: 'ms',
      ratio: e / b,
      baselineIs,
      note: `median of ${N}; backoff 0 ms (default policy adds 20 ms)`,
    },
    {
      measure: 'actor restart, simulator (kill → next call ok)',
      ours: s,
      baseline: b,
      unit: 'ms',
      ratio: s / b,
      baselineIs,
      note: `median of ${N}; loads params schemas and the SPI; backoff 0 ms`,
    },
  ];
}
