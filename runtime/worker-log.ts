/**
 * `ctx.log` inside a worker, without pino: a record at or above the actor's level becomes a plain,
 * cloneable value (`LogRecord`) handed to `send`, which posts it to the main thread; there the
 * runtime's one pino logger writes it bound to `{ actor, threadId }`, in the runtime's format
 * (logging.ts, `workerRecordLogger`). An `err` is serialized here the way pino's serializer does
 * (type, message and stack with causes, own fields). Workers so start without pino's module tree.
 */
import { format } from 'node:util';

const LEVELS = { trace: 10, debug: 20, info: 30, warn: 40, error: 50, fatal: 60 } as const;
type LevelName = keyof typeof LEVELS;

/** One record from a worker: its level, its fields (JSON-safe) and its message. */
export interface LogRecord {
  readonly level: LevelName;
  readonly obj: Record<string, unknown>;
  readonly msg: string | undefined;
}

/** A pino-style log method: `(obj, msg?, ...args)` or `(msg, ...args)`. */
export interface LogFn {
  (obj: object, msg?: string, ...args: unknown[]): void;
  (msg: string, ...args: unknown[]): void;
}

/** What an actor logs through (`ctx.log`): the part of pino's `Logger` actors use; a pino logger is one. */
export interface ActorLogger {
  readonly level: string;
  isLevelEnabled(level: string): boolean;
  trace: LogFn;
  debug: LogFn;
  info: LogFn;
  warn: LogFn;
  error: LogFn;
  fatal: LogFn;
  child(bindings: Record<string, unknown>): ActorLogger;
}

const isErrorLike = (v: unknown): v is Error =>
  typeof v === 'object' && v !== null && typeof (v as { message?: unknown }).message === 'string';

/** pino-std-serializers' `err`: type, message and stack followed through `cause`, then the error's own fields. */
function serializeErr(err: Error, seen = new Set<Error>()): Record<string, unknown> {
  seen.add(err);
  let message = err.message;
  let stack = err.stack ?? '';
  const causes = new Set<Error>([err]);
  for (let c: unknown = err.cause; isErrorLike(c); c = c.cause) {
    if (causes.has(c)) {
      message += ': ...';
      stack += '\ncauses have become circular...';
      break;
    }
    causes.add(c);
    message += `: ${c.message}`;
    stack += `\ncaused by: ${c.stack ?? ''}`;
  }
  const out: Record<string, unknown> = {
    type: typeof err.constructor === 'function' ? err.constructor.name : err.name,
    message,
    stack,
  };
  for (const key in err) {
    if (out[key] !== undefined) continue;
    const val = (err as unknown as Record<string, unknown>)[key];
    if (!isErrorLike(val)) out[key] = val;
    else if (key !== 'cause' && !seen.has(val)) out[key] = serializeErr(val, seen);
  }
  return out;
}

/** JSON's view of a value, as pino writes it; circular references and BigInts do not throw. */
function jsonSafe(v: Record<string, unknown>): Record<string, unknown> {
  try {
    return JSON.parse(JSON.stringify(v)) as Record<string, unknown>;
  } catch {
    const seen = new WeakSet<object>();
    return JSON.parse(
      JSON.stringify(v, (_k, x: unknown) => {
        if (typeof x === 'bigint') return x.toString();
        if (typeof x === 'object' && x !== null) {
          if (seen.has(x)) return '[Circular]';
          seen.add(x);
        }
        return x;
      }),
    ) as Record<string, unknown>;
  }
}

/** The record for one call of a log method. */
function toRecord(level: LevelName, bindings: Record<string, unknown>, args: readonly unknown[]): LogRecord {
  let [first, ...rest] = args;
  let obj: Record<string, unknown> = {};
  if (typeof first === 'object' && first !== null) {
    obj = isErrorLike(first) ? { err: first } : (first as Record<string, unknown>);
    if (isErrorLike(first) && typeof rest[0] !== 'string') rest = [first.message];
    first = rest.shift();
  }
  const fields: Record<string, unknown> = { ...bindings };
  for (const [k, v] of Object.entries(obj)) fields[k] = k === 'err' && isErrorLike(v) ? serializeErr(v) : v;
  const msg = first === undefined ? undefined : rest.length > 0 ? format(first, ...rest) : String(first);
  return { level, obj: jsonSafe(fields), msg };
}

/** A worker's logger at `level` (a pino level name, or `silent`): records are handed to `send`. */
export function workerLogger(level: string, send: (r: LogRecord) => void, bindings: Record<string, unknown> = {}): ActorLogger {
  const threshold = level in LEVELS ? LEVELS[level as LevelName] : level === 'silent' ? Infinity : LEVELS.info;
  const method =
    (name: LevelName): LogFn =>
    (...args: unknown[]): void => {
      if (LEVELS[name] >= threshold) send(toRecord(name, bindings, args));
    };
  return {
    level,
    isLevelEnabled: (l: string) => l in LEVELS && LEVELS[l as LevelName] >= threshold,
    trace: method('trace'),
    debug: method('debug'),
    info: method('info'),
    warn: method('warn'),
    error: method('error'),
    fatal: method('fatal'),
    child: (more: Record<string, unknown>) => workerLogger(level, send, { ...bindings, ...more }),
  };
}
