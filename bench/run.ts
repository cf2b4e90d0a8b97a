/**
 * Runs every benchmark in bench/ (each module exporting `run(): Promise<BenchResult[]>`), one after
 * another, and prints one table. `npm run bench`.
 */
import { readdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { BenchResult } from './result.js';

const SKIP = new Set(['run.js', 'result.js']);

function fmt(n: number): string {
  if (!Number.isFinite(n)) return String(n);
  if (Math.abs(n) >= 1000) return Math.round(n).toLocaleString('en-US');
  return n.toFixed(n >= 100 ? 0 : n >= 10 ? 1 : 2);
}

async function main(): Promise<void> {
  const dir = new URL('./', import.meta.url);
  const files = (await readdir(fileURLToPath(dir))).filter((f) => f.endsWith('.js') && !SKIP.has(f)).sort();
  const rows: (BenchResult & { bench: string })[] = [];
  for (const f of files) {
    const mod = (await import(new URL(f, dir).href)) as { run?: () => Promise<BenchResult[]> };
    if (typeof mod.run !== 'function') continue; // not a bench (helpers live in bench/fixtures/)
    const name = f.replace(/\.js$/, '');
    process.stderr.write(`bench ${name}...\n`);
    const t0 = Date.now();
    for (const r of await mod.run()) rows.push({ bench: name, ...r });
    process.stderr.write(`bench ${name}: ${((Date.now() - t0) / 1000).toFixed(1)} s\n`);
  }
  const header = ['bench', 'measure', 'ours', 'baseline', 'unit', 'ratio', 'note'];
  const table = rows.map((r) => [r.bench, r.measure, fmt(r.ours), fmt(r.baseline), r.unit, `${r.ratio.toFixed(2)}x`, r.note ?? '']);
  const widths = header.map((h, i) => Math.max(h.length, ...table.map((row) => (row[i] ?? '').length)));
  const line = (cells: string[]): string => cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ').trimEnd();
  console.log(line(header));
  console.log(line(widths.map((w) => '-'.repeat(w))));
  for (const row of table) console.log(line(row));
}

await main();
