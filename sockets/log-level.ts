/**
 * InfraKit's `--log` levels (0..5, 5 = debug: every request and response is logged) mapped to pino's.
 */
import type { LevelWithSilent } from 'pino';

/** InfraKit's default `--log` level: info, quiet enough for daily use. */
export const DEFAULT_INFRAKIT_LOG_LEVEL = 4;

const LEVELS: readonly LevelWithSilent[] = ['silent', 'fatal', 'error', 'warn', 'info', 'debug'];

/**
 * 0 silent, 1 fatal, 2 error, 3 warn, 4 info, 5 debug; above 5 trace. A pino level name is passed
 * through. Anything else (negative, fractional, unknown text) is a `RangeError`.
 */
export function pinoLevel(level: number | string): LevelWithSilent {
  if (typeof level === 'string') {
    const asNumber = Number(level);
    if (level.trim() !== '' && Number.isFinite(asNumber)) return pinoLevel(asNumber);
    const name = level.toLowerCase();
    if ((LEVELS as readonly string[]).includes(name) || name === 'trace') return name as LevelWithSilent;
    throw new RangeError(`unknown log level '${level}' (use 0..5 or a pino level name)`);
  }
  if (!Number.isInteger(level) || level < 0) throw new RangeError(`log level must be an integer 0..5, got ${level}`);
  return LEVELS[level] ?? 'trace';
}
