/**
 * In-process call latency and throughput: `runtime.call()` to a stateful actor, next to a raw
 * postMessage round trip to a bare worker (same payload, same run). Serial (one call at a time)
 * and pipelined (64 in flight).
 */
import { once } from 'node:events';
import { MessageChannel, Worker, type MessagePort } from 'node:worker_threads';
import { Runtime } from '../runtime/index.js';
import type { BenchResult } from './result.js';

const PARAMS = { Tags: { 'infrakit.group': 'workers', env: 'dev' }, Count: 3 };
const SERIAL = 20_000;
const PIPELINED = 60_000;
const IN_FLIGHT = 64;
const WARMUP = 3_000;

type Call = () => Promise<unknown>;

async function rawClient(): Promise<{ call: Call; close(): Promise<void> }> {
  const worker = new Worker(new URL('./fixtures/raw-echo-worker.js', import.meta.url));
  const { port1, port2 } = new MessageChannel();
  worker.postMessage({ port: port2 }, [port2]);
  const pending = new Map<number, (v: unknown) => void>();
  let nextId = 1;
  const port: MessagePort = port1;
  const ready = once(port, 'message');
  await ready;
  port.on('message', (m: { id: number; value: unknown }) => {
    const r = pending.get(m.id);
    pending.delete(m.id);
    r?.(m.value);
  });
  return {
    call: () =>
      new Promise((resolve) => {
        const id = nextId++;
        pending.set(id, resolve);
        port.postMessage({ id, params: PARAMS });
      }),
    close: async () => {
      port.close();
      await worker.terminate();
    },
  };
}

function pct(sorted: Float64Array, p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] ?? NaN;
}

async function serial(call: Call, n: number): Promise<{ p50: number; p99: number; perSec: number }> {
  for (let i = 0; i < WARMUP; i++) await call();
  const lat = new Float64Array(n);
  const t0 = performance.now();
  for (let i = 0; i < n; i++) {
    const s = performance.now();
    await call();
    lat[i] = performance.now() - s;
  }
  const total = performance.now() - t0;
  lat.sort();
  return { p50: pct(lat, 0.5) * 1000, p99: pct(lat, 0.99) * 1000, perSec: (n / total) * 1000 };
}

async function pipelined(call: Call, n: number, inFlight: number): Promise<{ p50: number; perSec: number }> {
  const lat = new Float64Array(n);
  let issued = 0;
  const t0 = performance.now();
  const lane = async (): Promise<void> => {
    while (issued < n) {
      const i = issued++;
      const s = performance.now();
      await call();
      lat[i] = performance.now() - s;
    }
  };
  await Promise.all(Array.from({ length: inFlight }, lane));
  const total = performance.now() - t0;
  lat.sort();
  return { p50: pct(lat, 0.5) * 1000, perSec: (n / total) * 1000 };
}

export async function run(): Promise<BenchResult[]> {
  const raw = await rawClient();
  const rt = await Runtime.start({
    logLevel: 'silent',
    actors: [{ name: 'echo', module: new URL('./fixtures/echo-actor.js', import.meta.url) }],
  });
  const ours: Call = () => rt.call('echo', 'Echo.Echo', PARAMS);
  try {
    // Interleave to share any machine noise fairly.
    const rs = await serial(raw.call, SERIAL);
    const os = await serial(ours, SERIAL);
    const rp = await pipelined(raw.call, PIPELINED, IN_FLIGHT);
    const op = await pipelined(ours, PIPELINED, IN_FLIGHT);
    const rawIs = 'raw postMessage round trip to a bare worker, same payload';
    const row = (measure: string, o: number, b: number, unit: string, note?: string): BenchResult => ({
      measure,
      ours: o,
      baseline: b,
      unit,
      ratio: o / b,
      baselineIs: rawIs,
      ...(note ? { note } : {}),
    });
    return [
      row('call serial p50', os.p50, rs.p50, 'µs', 'runtime.call to a stateful actor; goal ≤ 1.5x raw postMessage'),
      row('call serial p99', os.p99, rs.p99, 'µs'),
      row('call serial throughput', os.perSec, rs.perSec, 'calls/s', 'higher is better'),
      row(`call pipelined x${IN_FLIGHT} p50`, op.p50, rp.p50, 'µs'),
      row(`call pipelined x${IN_FLIGHT} throughput`, op.perSec, rp.perSec, 'calls/s', 'higher is better'),
    ];
  } finally {
    await rt.stop();
    await raw.close();
  }
}
