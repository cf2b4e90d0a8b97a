/**
 * Go `time.Duration` strings (`10s`, `1m30s`, `250ms`, `1.5h`), as InfraKit's `types.Duration`,
 * its flags and its environment (`INFRAKIT_CLIENT_TIMEOUT`, `INFRAKIT_GROUP_POLL_INTERVAL`) read and
 * write them. Values are held in milliseconds (fractions allowed). The one parser of the project.
 */

const UNIT_MS: Record<string, number> = { ns: 1e-6, us: 1e-3, µs: 1e-3, μs: 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** Parses a Go duration string; throws `time: invalid duration "<s>"` as Go does. */
export function parseGoDuration(s: string): number {
  const bad = (): Error => new Error(`time: invalid duration ${JSON.stringify(s)}`);
  let rest = s;
  let sign = 1;
  if (rest.startsWith('-') || rest.startsWith('+')) {
    if (rest[0] === '-') sign = -1;
    rest = rest.slice(1);
  }
  if (rest === '0') return 0;
  if (rest === '') throw bad();
  let total = 0;
  const re = /^(\d+\.?\d*|\.\d+)(ns|us|µs|μs|ms|s|m|h)/;
  while (rest !== '') {
    const m = re.exec(rest);
    if (!m) throw bad();
    const unit = UNIT_MS[m[2] as string];
    if (unit === undefined) throw bad();
    total += Number(m[1]) * unit;
    rest = rest.slice(m[0].length);
  }
  return sign * total;
}

/** Like `parseGoDuration`, but `undefined` instead of an error. */
export function tryParseGoDuration(s: string): number | undefined {
  try {
    return parseGoDuration(s.trim());
  } catch {
    return undefined;
  }
}

/** A duration given as a Go string or as a number of nanoseconds (Go's JSON of a plain `time.Duration`). */
export function parseDurationValue(v: unknown): number {
  if (typeof v === 'number' && Number.isFinite(v)) return v / 1e6;
  if (typeof v === 'string') return parseGoDuration(v);
  throw new Error(`time: invalid duration ${JSON.stringify(v)}`);
}

function trimFraction(n: number, digits: number): string {
  return n.toFixed(digits).replace(/\.?0+$/, '');
}

/** Formats milliseconds as Go's `Duration.String()` (`0s`, `1.5s`, `1m30s`, `1h0m0s`, `250ms`). */
export function formatGoDuration(ms: number): string {
  if (ms === 0) return '0s';
  const neg = ms < 0;
  const abs = Math.abs(ms);
  let out: string;
  if (abs < 1e-3) out = `${Math.round(abs * 1e6)}ns`;
  else if (abs < 1) out = `${trimFraction(abs * 1e3, 3)}µs`;
  else if (abs < 1000) out = `${trimFraction(abs, 6)}ms`;
  else {
    const h = Math.floor(abs / 3_600_000);
    const m = Math.floor((abs % 3_600_000) / 60_000);
    const sec = trimFraction((abs % 60_000) / 1000, 9);
    out = h > 0 ? `${h}h${m}m${sec}s` : m > 0 ? `${m}m${sec}s` : `${sec}s`;
  }
  return neg ? `-${out}` : out;
}

/**
 * A duration in our own options, where a plain number means milliseconds (`simulator_delay: 250`)
 * and a string is Go's form (`"1.5s"`). Throws on anything else, and on negative values.
 */
export function parseDurationMs(value: unknown): number {
  if (typeof value === 'number' && Number.isFinite(value) && value >= 0) return value;
  if (typeof value !== 'string') throw new Error(`invalid duration ${JSON.stringify(value)}`);
  const ms = parseGoDuration(value.trim());
  if (ms < 0) throw new Error(`time: invalid duration ${JSON.stringify(value)}: must not be negative`);
  return ms;
}
