/**
 * Runs the benchmarks one after another, prints one table, and writes bench/RESULTS.md. `npm run bench`.
 *
 *   node dist/bench/run.js [--only <name>]... [--no-write] [--note <text>] [--out <file>] [--merge]
 *
 * --merge (with --only) keeps the rows of the benches not run, and the hand-written notes after the
 * table. Only the modules in BENCHES run; each exports `run(): Promise<BenchResult[]>`.
 */
import { existsSync, readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { cpus, loadavg, release, totalmem, type as osType } from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { BenchResult } from './result.js';

/** The benchmark modules, in the order they run (cheap and latency-sensitive first). */
const BENCHES = [
  'call',
  'params',
  'observer',
  'cli',
  'socket',
  'restart',
  'reload',
  'memory',
  'footprint',
  'nested-load',
  'held-bodies',
  'group',
  'etcd',
] as const;

interface Row extends BenchResult {
  readonly bench: string;
}

function fmt(n: number): string {
  if (!Number.isFinite(n)) return String(n);
  if (Math.abs(n) >= 1000) return Math.round(n).toLocaleString('en-US');
  return n.toFixed(Math.abs(n) >= 100 ? 0 : Math.abs(n) >= 10 ? 1 : 2);
}

function machine(): string[] {
  const c = cpus();
  return [
    `- CPU: ${c[0]?.model.trim() ?? 'unknown'}, ${c.length} cores (os.cpus())`,
    `- memory: ${(totalmem() / 2 ** 30).toFixed(1)} GiB`,
    `- Node.js ${process.version}, ${osType()} ${release()} (${process.arch})`,
  ];
}

function load(): string {
  return loadavg()
    .map((l) => l.toFixed(2))
    .join(' / ');
}

/**
 * CPU seconds used so far by the whole machine (busy time from /proc/stat) and by this process with
 * its reaped children (/proc/self/stat: utime, stime, cutime, cstime). Linux only; undefined elsewhere.
 */
function cpuSeconds(): { machine: number; ours: number } | undefined {
  try {
    const hz = 100; // USER_HZ: 100 on every Linux we run on
    const cpu = readFileSync('/proc/stat', 'utf8').split('\n')[0]?.trim().split(/\s+/).slice(1).map(Number) ?? [];
    // user nice system idle iowait irq softirq steal ...: busy = all but idle and iowait.
    const busy = cpu.reduce((a, b) => a + b, 0) - (cpu[3] ?? 0) - (cpu[4] ?? 0);
    const self = readFileSync('/proc/self/stat', 'utf8');
    const f = self
      .slice(self.lastIndexOf(')') + 2)
      .split(' ')
      .map(Number);
    // Fields after the command: state is index 0, so utime..cstime (fields 14-17) are 11-14.
    const ours = (f[11] ?? 0) + (f[12] ?? 0) + (f[13] ?? 0) + (f[14] ?? 0);
    return { machine: busy / hz, ours: ours / hz };
  } catch {
    return undefined;
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      only: { type: 'string', multiple: true },
      'no-write': { type: 'boolean', default: false },
      note: { type: 'string', multiple: true },
      out: { type: 'string' },
      merge: { type: 'boolean', default: false },
    },
  });
  const only = values.only ?? [];
  for (const o of only)
    if (!(BENCHES as readonly string[]).includes(o)) throw new Error(`--only ${o}: no such bench (${BENCHES.join(', ')})`);
  const selected = BENCHES.filter((b) => only.length === 0 || only.includes(b));
  const started = new Date();
  const loadBefore = load();
  const cpu0 = cpuSeconds();
  const wall0 = performance.now();
  const rows: Row[] = [];
  const timings: string[] = [];
  for (const name of selected) {
    const url = new URL(`./${name}.js`, import.meta.url);
    if (!existsSync(fileURLToPath(url))) {
      process.stderr.write(`bench ${name}: not in this build, skipped\n`);
      continue;
    }
    const mod = (await import(url.href)) as { run?: () => Promise<BenchResult[]> };
    if (typeof mod.run !== 'function') throw new Error(`bench/${name}.js exports no run()`);
    process.stderr.write(`bench ${name}...\n`);
    const t0 = performance.now();
    const got = await mod.run();
    for (const r of got) rows.push({ bench: name, ...r });
    const secs = (performance.now() - t0) / 1000;
    timings.push(`${name} ${secs.toFixed(1)} s${got.length === 0 ? ' (no rows: skipped)' : ''}`);
    process.stderr.write(`bench ${name}: ${secs.toFixed(1)} s\n`);
  }
  const loadAfter = load();
  const cpu1 = cpuSeconds();
  const wall = (performance.now() - wall0) / 1000;
  let others = 'unknown (no /proc)';
  if (cpu0 !== undefined && cpu1 !== undefined) {
    const theirs = Math.max(0, cpu1.machine - cpu0.machine - (cpu1.ours - cpu0.ours));
    const cores = cpus().length;
    others = `${theirs.toFixed(1)} CPU-s by other processes over ${wall.toFixed(0)} s (${((theirs / (wall * cores)) * 100).toFixed(0)}% of ${cores} cores); this run used ${(cpu1.ours - cpu0.ours).toFixed(1)} CPU-s`;
  }

  // Console: aligned plain text.
  const header = ['bench', 'measure', 'ours', 'baseline', 'unit', 'ratio', 'note'];
  const table = rows.map((r) => [
    r.bench,
    r.measure,
    fmt(r.ours),
    fmt(r.baseline),
    r.unit,
    `${r.ratio.toFixed(2)}x`,
    [r.baselineIs, r.note].filter(Boolean).join('; '),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...table.map((row) => (row[i] ?? '').length)));
  const line = (cells: string[]): string =>
    cells
      .map((c, i) => c.padEnd(widths[i] ?? 0))
      .join('  ')
      .trimEnd();
  console.log(line(header));
  console.log(line(widths.map((w) => '-'.repeat(w))));
  for (const row of table) console.log(line(row));

  if (values['no-write']) return;
  const esc = (s: string): string => s.replace(/\|/g, '\\|');
  const out = values.out ?? fileURLToPath(new URL('../../bench/RESULTS.md', import.meta.url));
  // --merge: the previous file's rows of other benches, its machine lines, and its hand-written tail.
  let kept: string[] = [];
  let keptFrom: string[] = [];
  let tail: string[] = [];
  if (values.merge && existsSync(out)) {
    const old = readFileSync(out, 'utf8').split('\n');
    const ran = new Set(rows.map((r) => r.bench));
    kept = old.filter((l) => /^\| [a-z-]+ \| /.test(l) && !l.startsWith('| bench |') && !ran.has(l.split(' | ')[0]?.slice(2) ?? ''));
    const written = old.find((l) => l.startsWith('Written by'))?.match(/on (\S+?)\.?$/)?.[1] ?? 'an earlier run';
    const machineLines = old.slice(old.indexOf('## Machine') + 2, old.indexOf('## Results') - 1).filter((l) => l.startsWith('- '));
    keptFrom = [
      `- rows of ${[...new Set(kept.map((l) => l.split(' | ')[0]?.slice(2)))].join(', ')} kept from the run of ${written}, whose machine lines follow:`,
      ...machineLines.map((l) => `  ${l}`),
    ];
    const h = old.findIndex((l) => l.startsWith('## Reading'));
    tail = h < 0 ? [] : old.slice(h);
  }
  const benchOf = (line: string): number => (BENCHES as readonly string[]).indexOf(line.split(' | ')[0]?.slice(2) ?? '');
  const tableLines = [
    ...rows.map((r) => {
      const base = `${fmt(r.baseline)} ${r.unit}${r.baselineIs ? ` (${r.baselineIs})` : ''}`;
      return `| ${r.bench} | ${esc(r.measure)} | ${fmt(r.ours)} ${r.unit} | ${esc(base)} | ${r.ratio.toFixed(2)}x | ${esc(r.note ?? '')} |`;
    }),
    ...kept,
  ].sort((a, b) => benchOf(a) - benchOf(b));
  const md = [
    '# Benchmark results',
    '',
    `Written by \`npm run bench\` (bench/run.ts) on ${started.toISOString()}.`,
    '',
    '## Machine',
    '',
    ...machine(),
    `- load average (1/5/15 min): ${loadBefore} before, ${loadAfter} after (the bench's own threads count too)`,
    `- other load during the run: ${others}`,
    `- benches run: ${timings.join(', ') || 'none'}`,
    ...(values.note ?? []).map((n) => `- note: ${n}`),
    ...keptFrom,
    '',
    '## Results',
    '',
    'Ratio is ours / baseline: below 1 is better for times and sizes, above 1 for rates (the note says',
    'which). Baselines are measured in the same run unless the baseline column says "reference".',
    '',
    '| bench | measure | ours | baseline | ratio | note |',
    '|---|---|---:|---|---:|---|',
    ...tableLines,
    '',
    ...tail,
  ].join('\n');
  await writeFile(out, md);
  process.stderr.write(`wrote ${out}\n`);
}

await main();
