/** Durations for CLI flags: Go's form (`1m30s`, `500ms`), as InfraKit's flags take them, or bare seconds. */
import { tryParseGoDuration } from '../runtime/go-duration.js';
import { UsageError } from './output.js';

export function parseDuration(text: string, flag: string): number {
  const t = text.trim();
  const ms = /^\d+(\.\d+)?$/.test(t) ? Number(t) * 1000 : tryParseGoDuration(t);
  if (ms === undefined || ms < 0) throw new UsageError(`${flag}: '${text}' is not a duration (e.g. 30s, 5m, 1m30s)`);
  return ms;
}
