/**
 * pino loggers: one root per thread, writing synchronously to stderr, and one child per actor
 * bound to `{ actor, threadId }`. `INFRAKIT_TRACE=1` raises the default level to `trace`.
 */
import { pino, type Logger } from 'pino';

/** The level used when none is given. */
export function defaultLogLevel(env: NodeJS.ProcessEnv = process.env): string {
  return env['INFRAKIT_TRACE'] ? 'trace' : (env['INFRAKIT_LOG_LEVEL'] ?? 'info');
}

/**
 * A root logger on fd 2. Synchronous on purpose: no transport thread, nothing that keeps the event
 * loop alive, and nothing lost when a worker exits right after logging its crash.
 */
export function createLogger(level: string = defaultLogLevel()): Logger {
  return pino({ level, base: { pid: process.pid } }, pino.destination({ dest: 2, sync: true }));
}
