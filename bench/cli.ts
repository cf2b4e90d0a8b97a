/**
 * CLI start-up: wall time of one `infrakit-ts` command, process start to exit, against `node -e 0`
 * measured in the same rounds (each round runs every command once, in turn, so a busy moment hits
 * all of them). `--help`; `group ls` against an empty plugins dir in a temp INFRAKIT_HOME (it fails
 * fast: no socket); `group describe` of a converged group on a running `up`. Goal: ≤ 3x `node -e 0`.
 * And the CPU each used (user + system, from this process's reaped-children counters in /proc, so
 * Linux only): on a shared machine wall times swing with the load, CPU seconds much less.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BenchResult } from './result.js';
import { UpChild } from './up-child.js';

const CLI = fileURLToPath(new URL('../cli/main.js', import.meta.url));
const N = 21;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? NaN;
}

/** CPU ms of this process's reaped children (cutime + cstime, USER_HZ 100), or NaN without /proc. */
function childrenCpuMs(): number {
  try {
    const s = readFileSync('/proc/self/stat', 'utf8');
    const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
    return (Number(f[13]) + Number(f[14])) * 10;
  } catch {
    return NaN;
  }
}

/** Runs `node <args>` to its exit; its wall time in ms, its CPU ms (user + system), and its exit code. */
function timeNode(
  args: readonly string[],
  env: NodeJS.ProcessEnv,
): Promise<{ ms: number; cpuMs: number; code: number | null; err: string }> {
  return new Promise((resolve, reject) => {
    const cpu0 = childrenCpuMs();
    const t0 = performance.now();
    const p = spawn(process.execPath, args, { env, stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    p.stderr.setEncoding('utf8').on('data', (d: string) => (err = (err + d).slice(-2000)));
    p.once('error', reject);
    // 'close' comes after the exit, so the child is reaped and its CPU counted.
    p.once('close', (code) => resolve({ ms: performance.now() - t0, cpuMs: childrenCpuMs() - cpu0, code, err }));
  });
}

interface Case {
  readonly measure: string;
  readonly args: readonly string[];
  readonly env: NodeJS.ProcessEnv;
  /** The exit code the command must end with, so a broken command is not timed as a fast one. */
  readonly code: number;
  readonly times: number[];
  readonly cpu: number[];
}

export async function run(): Promise<BenchResult[]> {
  const empty = mkdtempSync(join(tmpdir(), 'ikb-cli-'));
  const base: NodeJS.ProcessEnv = { ...process.env };
  delete base['INFRAKIT_PLUGINS_DIR'];
  const up = await UpChild.start();
  try {
    const upEnv = { ...base, INFRAKIT_HOME: up.home };
    const spec = join(up.home, 'bench-group.json');
    writeFileSync(
      spec,
      JSON.stringify({
        ID: 'bench',
        Properties: {
          Allocation: { Size: 3 },
          Instance: { Plugin: 'simulator/compute', Properties: {} },
          Flavor: { Plugin: 'vanilla', Properties: {} },
        },
      }),
    );
    const committed = await timeNode([CLI, 'group', 'commit', spec, '--wait', '--timeout', '60s'], upEnv);
    if (committed.code !== 0) throw new Error(`group commit failed: ${committed.err}`);

    const baseline: Case = { measure: 'node -e 0', args: ['-e', '0'], env: base, code: 0, times: [], cpu: [] };
    const cases: Case[] = [
      { measure: '`infrakit-ts --help`', args: [CLI, '--help'], env: base, code: 0, times: [], cpu: [] },
      {
        measure: '`infrakit-ts group ls` (no plugins: fails fast)',
        args: [CLI, 'group', 'ls'],
        env: { ...base, INFRAKIT_HOME: empty },
        code: 1,
        times: [],
        cpu: [],
      },
      {
        measure: '`infrakit-ts group describe` (3 instances, on `up`)',
        args: [CLI, 'group', 'describe', 'bench'],
        env: upEnv,
        code: 0,
        times: [],
        cpu: [],
      },
    ];
    for (let i = 0; i < N; i++) {
      for (const c of [baseline, ...cases]) {
        const r = await timeNode(c.args, c.env);
        if (r.code !== c.code) throw new Error(`${c.measure}: exit ${String(r.code)}, expected ${c.code}: ${r.err}`);
        c.times.push(r.ms);
        c.cpu.push(r.cpuMs);
      }
    }
    const b = median(baseline.times);
    // CPU is counted in ticks of 10 ms: the mean over the rounds, not the median of a few ticks each.
    const mean = (xs: number[]): number => xs.reduce((x, y) => x + y, 0) / xs.length;
    const bCpu = mean(baseline.cpu);
    return cases.flatMap((c): BenchResult[] => {
      const ours = median(c.times);
      const cpu = mean(c.cpu);
      return [
        {
          measure: c.measure,
          ours,
          baseline: b,
          unit: 'ms',
          ratio: ours / b,
          baselineIs: '`node -e 0`, same rounds',
          note: `median of ${N} runs, process start to exit; goal ≤ 3x`,
        },
        {
          measure: `${c.measure}, CPU (user + system)`,
          ours: cpu,
          baseline: bCpu,
          unit: 'CPU-ms',
          ratio: cpu / bCpu,
          baselineIs: '`node -e 0`, same rounds',
          note: `mean of ${N} runs, all threads; goal ≤ 3x`,
        },
      ];
    });
  } finally {
    await up.stop();
    rmSync(empty, { recursive: true, force: true });
  }
}
