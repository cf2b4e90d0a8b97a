/**
 * pino loggers: one root per thread, writing synchronously to stderr, and one child per actor
 * bound to `{ actor, threadId }`. `INFRAKIT_TRACE=1` raises the default level to `trace`.
 *
 * `INFRAKIT_LOG_FORMAT=term` (InfraKit's `--log-format term`) prints one readable line per record
 * through pino-pretty instead of JSON. It is the default of the runtime's `logFormat` option, which
 * reaches the workers in their start message, so every thread logs the same way as the main thread.
 */
import { createRequire } from 'node:module';
import { pino, type DestinationStream, type Logger } from 'pino';

/** The level used when none is given. */
export function defaultLogLevel(env: NodeJS.ProcessEnv = process.env): string {
  return env['INFRAKIT_TRACE'] ? 'trace' : (env['INFRAKIT_LOG_LEVEL'] ?? 'info');
}

export type LogFormat = 'json' | 'term';

/** `INFRAKIT_LOG_FORMAT`: `term` for people, anything else JSON (one object per line, for machines). */
export function logFormat(env: NodeJS.ProcessEnv = process.env): LogFormat {
  return env['INFRAKIT_LOG_FORMAT'] === 'term' ? 'term' : 'json';
}

/** pino-pretty, loaded only when asked for: JSON logging costs no extra module in every worker. */
function termDestination(): DestinationStream {
  const pretty = createRequire(import.meta.url)('pino-pretty') as (o: object) => DestinationStream;
  return pretty({
    destination: 2,
    sync: true,
    colorize: process.stderr.isTTY === true,
    translateTime: 'HH:MM:ss.l',
    singleLine: true,
    messageFormat: '{if actor}{actor}: {end}{msg}',
    ignore: 'pid,hostname,actor,threadId',
  });
}

/**
 * A root logger on fd 2. Synchronous on purpose: no transport thread, nothing that keeps the event
 * loop alive, and nothing lost when a worker exits right after logging its crash.
 */
export function createLogger(level: string = defaultLogLevel(), format: LogFormat = logFormat()): Logger {
  const destination = format === 'term' ? termDestination() : pino.destination({ dest: 2, sync: true });
  return pino({ level, base: { pid: process.pid } }, destination);
}
