/**
 * pino loggers, on the main thread only: a root writing synchronously to stderr, a child per actor
 * bound to `{ actor, threadId }`, which also writes the records workers post (worker-log.ts: workers
 * load no pino). `INFRAKIT_TRACE=1` raises the default level to `trace`.
 *
 * `INFRAKIT_LOG_FORMAT=term` (InfraKit's `--log-format term`) prints one readable line per record
 * through pino-pretty instead of JSON. It is the default of the runtime's `logFormat` option; since
 * workers' records go through the main thread's logger, every thread's lines look the same.
 * pino-pretty is an optional package: without it, logs stay JSON lines and the main thread warns once.
 */
import { isMainThread } from 'node:worker_threads';
import { pino, type DestinationStream, type Logger } from 'pino';
import { missingPackageMessage, requireOptional } from './optional-module.js';
import type { LogRecord } from './worker-log.js';

/** The level used when none is given. */
export function defaultLogLevel(env: NodeJS.ProcessEnv = process.env): string {
  return env['INFRAKIT_TRACE'] ? 'trace' : (env['INFRAKIT_LOG_LEVEL'] ?? 'info');
}

export type LogFormat = 'json' | 'term';

/** `INFRAKIT_LOG_FORMAT`: `term` for people, anything else JSON (one object per line, for machines). */
export function logFormat(env: NodeJS.ProcessEnv = process.env): LogFormat {
  return env['INFRAKIT_LOG_FORMAT'] === 'term' ? 'term' : 'json';
}

type PrettyFactory = (o: object) => DestinationStream;

/** The warning logged (once per process, by the main thread) when the pretty printer is not installed. */
export function prettyMissingMessage(packageName = 'pino-pretty'): string {
  return `${missingPackageMessage(packageName, 'INFRAKIT_LOG_FORMAT=term (--log-format term)')}; logging JSON lines instead`;
}
let prettyMissingWarned = false;

/**
 * pino-pretty, loaded only when asked for: JSON logging costs no extra module in every worker.
 * Loaded with a synchronous require because loggers are built synchronously (in constructors, and
 * first thing in a worker) and write synchronously; `undefined` when the package is not installed.
 */
function termDestination(packageName: string): DestinationStream | undefined {
  const pretty = requireOptional<PrettyFactory>(packageName);
  if (pretty === undefined) return undefined;
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
  return createLoggerWith(level, format, 'pino-pretty');
}

/** {@link createLogger} with the pretty printer's package name as a parameter (tests name a missing one). */
export function createLoggerWith(level: string, format: LogFormat, prettyPackage: string): Logger {
  const pretty = format === 'term' ? termDestination(prettyPackage) : undefined;
  const logger = pino({ level, base: { pid: process.pid } }, pretty ?? pino.destination({ dest: 2, sync: true }));
  if (format === 'term' && pretty === undefined && isMainThread && !prettyMissingWarned) {
    prettyMissingWarned = true;
    logger.warn(prettyMissingMessage(prettyPackage));
  }
  return logger;
}

/**
 * Where the records an actor's worker posts (worker-log.ts) are written: `log`'s child bound to
 * `{ actor, threadId }`, at the workers' level, passing their `err` (serialized in the worker) as is.
 */
export function workerRecordLogger(log: Logger, actor: string, threadId: number, level: string): Logger {
  return log.child({ actor, threadId }, { level, serializers: { err: (e: unknown) => e } });
}

/** Write one record posted by a worker. */
export function writeWorkerRecord(log: Logger, r: LogRecord): void {
  if (r.msg === undefined) log[r.level](r.obj);
  else log[r.level](r.obj, r.msg);
}
