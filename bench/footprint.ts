/**
 * Start-up footprint of `infrakit-ts up` (the six default actors) next to a bare Node process that
 * starts six workers each serving `node:http` on a unix socket (bench/fixtures/bare-six.ts), run
 * interleaved, ROUNDS of each. Ready: from spawn until every socket answers a `Plugin.Implements`
 * POST with 200. Then, 2 s after ready: RSS (VmRSS) and threads from /proc/<pid>/status, and the CPU
 * seconds the process used until ready (/proc/<pid>/stat). Medians. Linux only.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BenchResult } from './result.js';
import { post, sleep } from './up-child.js';

const ROUNDS = 7;
const IDLE_MS = 2000;
const CLI = fileURLToPath(new URL('../cli/main.js', import.meta.url));
const BARE = fileURLToPath(new URL('./fixtures/bare-six.js', import.meta.url));
const UP_SOCKETS = ['group', 'simulator', 'file', 'process', 'vanilla', 'combo'];
const BARE_SOCKETS = ['w0', 'w1', 'w2', 'w3', 'w4', 'w5'];
const HANDSHAKE = '{"jsonrpc":"2.0","method":"Plugin.Implements","params":{},"id":1}';

interface Sample {
  readonly readyMs: number;
  readonly cpuSeconds: number;
  readonly rssMb: number;
  readonly threads: number;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? NaN;
}

function status(pid: number): { rssMb: number; threads: number } {
  const s = readFileSync(`/proc/${pid}/status`, 'utf8');
  const field = (k: string): number => Number(new RegExp(`^${k}:\\s+(\\d+)`, 'm').exec(s)?.[1] ?? NaN);
  return { rssMb: field('VmRSS') / 1024, threads: field('Threads') };
}

/** utime + stime of `pid` in seconds (USER_HZ 100). */
function cpuSeconds(pid: number): number {
  const s = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
  return (Number(f[11]) + Number(f[12])) / 100;
}

/** Until `socketPath` answers the handshake with 200. */
async function answered(socketPath: string, deadline: number): Promise<void> {
  for (;;) {
    const r = await post(socketPath, HANDSHAKE, false, 5000);
    if (r.status === 200) return;
    if (Date.now() > deadline) throw new Error(`${socketPath}: no answer (${String(r.status)})`);
    await sleep(5);
  }
}

async function measure(kind: 'up' | 'bare'): Promise<Sample> {
  const home = mkdtempSync(join(tmpdir(), 'ikb-fp-'));
  const env: NodeJS.ProcessEnv = { ...process.env, INFRAKIT_HOME: home };
  delete env['INFRAKIT_PLUGINS_DIR'];
  const dir = kind === 'up' ? join(home, 'plugins') : home;
  const names = kind === 'up' ? UP_SOCKETS : BARE_SOCKETS;
  let err = '';
  const t0 = performance.now();
  const proc: ChildProcess =
    kind === 'up'
      ? spawn(process.execPath, [CLI, 'up'], { env, stdio: ['ignore', 'ignore', 'pipe'] })
      : spawn(process.execPath, [BARE, home], { env, stdio: ['ignore', 'ignore', 'pipe'] });
  proc.stderr?.setEncoding('utf8').on('data', (d: string) => (err = (err + d).slice(-2000)));
  const exited = once(proc, 'exit');
  try {
    const deadline = Date.now() + 60_000;
    await Promise.all(names.map((n) => answered(join(dir, n), deadline)));
    const readyMs = performance.now() - t0;
    const pid = proc.pid ?? 0;
    const cpu = cpuSeconds(pid);
    await sleep(IDLE_MS);
    return { readyMs, cpuSeconds: cpu, ...status(pid) };
  } catch (e) {
    throw new Error(`footprint ${kind}: ${(e as Error).message}; stderr: ${err}`);
  } finally {
    if (proc.exitCode === null && proc.signalCode === null) {
      proc.kill(kind === 'up' ? 'SIGINT' : 'SIGKILL');
      const t = setTimeout(() => proc.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(t);
    }
    rmSync(home, { recursive: true, force: true });
  }
}

export async function run(): Promise<BenchResult[]> {
  const up: Sample[] = [];
  const bare: Sample[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    // Interleaved, the order alternating, so load from elsewhere falls on both alike.
    if (i % 2 === 0) {
      up.push(await measure('up'));
      bare.push(await measure('bare'));
    } else {
      bare.push(await measure('bare'));
      up.push(await measure('up'));
    }
  }
  const baselineIs = 'bare process: six workers, each node:http on a unix socket';
  const row = (measure: string, unit: string, pick: (s: Sample) => number, note: string): BenchResult => {
    const ours = median(up.map(pick));
    const baseline = median(bare.map(pick));
    return { measure, ours, baseline, unit, ratio: ours / baseline, baselineIs, note: `${note}; median of ${ROUNDS}` };
  };
  return [
    row('up ready: spawn until all six sockets answer Plugin.Implements', 'ms', (s) => s.readyMs, 'goal ≤ 2x'),
    row(`up idle RSS, ${IDLE_MS / 1000} s after ready`, 'MB', (s) => s.rssMb, 'goal ≤ 1.15x'),
    row('up threads, idle', 'threads', (s) => s.threads, 'main, workers, libuv and V8 platform threads'),
    row('up CPU until ready (user + system)', 'CPU-s', (s) => s.cpuSeconds, 'all threads of the process'),
  ];
}
