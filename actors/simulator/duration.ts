/**
 * Go `time.ParseDuration` for the simulator's `simulator_delay` property (`"1.5s"`, `"300ms"`,
 * `"1m30s"`); a plain number is taken as milliseconds. Returns milliseconds, or throws.
 */
const UNIT_MS: Record<string, number> = { ns: 1e-6, us: 1e-3, 'µs': 1e-3, 'μs': 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

export function parseDurationMs(value: unknown): number {
  if (typeof value === 'number' && Number.isFinite(value) && value >= 0) return value;
  if (typeof value !== 'string') throw new Error(`invalid duration ${JSON.stringify(value)}`);
  const s = value.trim();
  if (s === '0') return 0;
  const re = /(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h)/gy;
  let total = 0;
  let pos = 0;
  let m: RegExpExecArray | null;
  while (pos < s.length && (m = re.exec(s)) !== null) {
    total += Number(m[1]) * (UNIT_MS[m[2] as string] as number);
    pos = re.lastIndex;
  }
  if (s.length === 0 || pos !== s.length) throw new Error(`time: invalid duration "${s}"`);
  return total;
}
