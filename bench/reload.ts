/**
 * Hot reload under load: a custom stateful actor (with snapshot/restore) on its unix socket, 32
 * keep-alive connections calling it in loops, and `watchForReload` as `up --watch` runs it (100 ms
 * debounce). We time from writing the new file until the first answer from the new code, and take the
 * worst call latency of calls that overlapped a reload. Baseline, in the same run and under the same
 * load: plain calls with no reload (their median, and their worst over a window as long as a reload's).
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { Agent } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { watchForReload } from '../runtime/index.js';
import { httpRequest } from '../sockets/http-post.js';
import { startHost } from '../sockets/index.js';
import type { BenchResult } from './result.js';

const CONNS = 32;
const RELOADS = 8;

function source(version: number): string {
  return `const VERSION = ${version};
export default {
  manifest: { interfaces: [{ name: 'Counter', version: '0.1.0' }] },
  create() {
    let n = 0;
    return {
      handlers: { 'Counter.Add': () => ({ n: ++n, version: VERSION }) },
      snapshot() { return { n }; },
      restore(s) { n = s.n; },
    };
  },
};
`;
}

interface Sample {
  readonly start: number;
  readonly end: number;
  readonly version: number;
}

async function post(agent: Agent, socketPath: string, body: string): Promise<string> {
  return (await httpRequest(socketPath, body, { agent, timeoutMs: 60_000 })).body;
}

function quantile(xs: readonly number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))] ?? NaN;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function run(): Promise<BenchResult[]> {
  const dir = await mkdtemp(join(tmpdir(), 'iks-bench-'));
  const file = join(dir, 'counter.js');
  await writeFile(file, source(1));
  const host = await startHost({
    home: dir,
    pluginsDir: join(dir, 'plugins'),
    logLevel: 'silent',
    actors: [{ name: 'counter', module: pathToFileURL(file) }],
  });
  const watcher = watchForReload(host.runtime);
  const socketPath = join(dir, 'plugins', 'counter');
  const agent = new Agent({ keepAlive: true, maxSockets: CONNS });
  const samples: Sample[] = [];
  let failed = 0;
  let running = true;
  const body = '{"jsonrpc":"2.0","method":"Counter.Add","params":{},"id":1}';
  const loop = async (): Promise<void> => {
    while (running) {
      const start = performance.now();
      try {
        const answer = JSON.parse(await post(agent, socketPath, body)) as { result?: { version: number } };
        if (answer.result === undefined) failed++;
        else samples.push({ start, end: performance.now(), version: answer.result.version });
      } catch {
        failed++;
      }
    }
  };
  const loops = Array.from({ length: CONNS }, () => loop());
  const changeToAnswer: number[] = [];
  const worstDuring: number[] = [];
  const windows: number[] = [];
  try {
    await sleep(1000); // warm up
    const plainFrom = performance.now();
    await sleep(3000);
    const plainTo = performance.now();
    for (let v = 2; v <= RELOADS + 1; v++) {
      const reloaded = new Promise<void>((resolve) => host.runtime.once('actor:reloaded', () => resolve()));
      const t0 = performance.now();
      await writeFile(file, source(v));
      await reloaded;
      // The first answer from the new code.
      for (;;) {
        const first = samples.find((s) => s.version === v);
        if (first !== undefined) {
          changeToAnswer.push(first.end - t0);
          break;
        }
        await sleep(5);
      }
      const t1 = performance.now();
      windows.push(t1 - t0);
      const overlapping = samples.filter((s) => s.end >= t0 && s.start <= t1).map((s) => s.end - s.start);
      worstDuring.push(Math.max(...overlapping));
      await sleep(500);
    }
    running = false;
    await Promise.all(loops);
    const plain = samples.filter((s) => s.start >= plainFrom && s.end <= plainTo);
    const plainLatency = plain.map((s) => s.end - s.start);
    // Worst plain call over windows as long as a reload's, for a like-for-like "worst".
    const window = quantile(windows, 0.5);
    const plainWorst: number[] = [];
    for (let from = plainFrom; from + window <= plainTo; from += window) {
      const inWindow = plain.filter((s) => s.end >= from && s.start <= from + window).map((s) => s.end - s.start);
      if (inWindow.length > 0) plainWorst.push(Math.max(...inWindow));
    }
    const p50 = quantile(plainLatency, 0.5);
    const change = quantile(changeToAnswer, 0.5);
    const worst = quantile(worstDuring, 0.5);
    const worstPlain = quantile(plainWorst, 0.5);
    const worstOfAll = Math.max(...worstDuring);
    const note = `${CONNS} conns of load, ${RELOADS} reloads, median; failed calls: ${failed}`;
    return [
      {
        measure: 'hot reload: file written → new code answers',
        ours: change,
        baseline: p50,
        unit: 'ms',
        ratio: change / p50,
        baselineIs: 'plain call p50 under the same load, no reload',
        note: `${note}; includes the watcher's 100 ms debounce; max ${Math.round(Math.max(...changeToAnswer))} ms; target 2,000 ms`,
      },
      {
        measure: 'hot reload: worst call latency during a reload',
        ours: worst,
        baseline: worstPlain,
        unit: 'ms',
        ratio: worst / worstPlain,
        baselineIs: `worst plain call in windows of the same length (${Math.round(window)} ms), no reload`,
        note: `${note}; worst of all reloads ${Math.round(worstOfAll)} ms`,
      },
    ];
  } finally {
    running = false;
    await Promise.all(loops);
    agent.destroy();
    watcher.close();
    await host.stop();
    await rm(dir, { recursive: true, force: true });
  }
}
