/**
 * External plugins: a plugin that is an executable (a Go InfraKit plugin binary, a Python script…),
 * supervised like an actor. The runtime spawns it in a process group of its own with `INFRAKIT_HOME`
 * and `INFRAKIT_PLUGINS_DIR` set, waits until each of its sockets answers `probe`, joins its stdout and
 * stderr to the runtime's log (tagged `actor: <name>`), probes it periodically, and restarts it with
 * the actors' backoff and intensity (restart-policy.ts) when it exits or stops answering. Stopping
 * sends TERM to its process group, then KILL, and removes the sockets and pid files it left behind.
 *
 * This module knows no wire: the probe is injected (sockets/external-probe.ts speaks the handshake;
 * without one, a socket that accepts a connection counts as answering). docs/embedding.md#external-plugins.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { lstat, unlink } from 'node:fs/promises';
import { connect } from 'node:net';
import { join } from 'node:path';
import type { Logger } from 'pino';
import type { ActorStatus } from './actor-info.js';
import { mkdirPrivate, readPidFile, writeFileAtomic } from './atomic-file.js';
import type { RestartPolicy } from './declaration.js';
import { ActorStartError, SocketInUseError } from './errors.js';
import type { RuntimeEvents } from './events.js';
import { externalStatusPath, type ExternalStatusRecord } from './external-status.js';
import { RestartTracker } from './restart-policy.js';

/** An executable the runtime runs and supervises as a plugin. */
export interface ExternalDeclaration {
  /** The plugin's name (in logs, events, `plugin ls`); also its socket's name unless `sockets` says otherwise. No `/`. */
  readonly name: string;
  /** The program and its arguments; the program is looked up in `PATH` unless it has a `/`. */
  readonly exec: readonly string[];
  /** The socket names it serves in the plugins dir; each must answer a handshake before it counts as started. Default `[name]`. */
  readonly sockets?: readonly string[];
  /** Extra environment (over the runtime's own); `INFRAKIT_HOME` and `INFRAKIT_PLUGINS_DIR` are always the runtime's. */
  readonly env?: Readonly<Record<string, string>>;
  /** Working directory. Default the runtime process's. */
  readonly cwd?: string;
  readonly restart?: RestartPolicy;
  /** How long a (re)start may take until every socket answers. Default 30 000 ms. */
  readonly startTimeoutMs?: number;
  /** Time between two probes of a running plugin. Default 5000 ms. */
  readonly probeIntervalMs?: number;
  /** Deadline of one probe. Default 10 000 ms. */
  readonly probeTimeoutMs?: number;
  /** Consecutive failed probes after which the plugin counts as hung and is restarted. Default 3. */
  readonly probeFailures?: number;
  /** Grace between TERM and KILL when stopping it. Default the runtime's `stopTimeoutMs`. */
  readonly stopTimeoutMs?: number;
}

/**
 * Does the plugin answer on `socketPath` within `timeoutMs`? Rejects if not; may resolve with the
 * interfaces it named (`Instance/0.6.1`, …) for `info().interfaces`.
 */
export type ExternalProbe = (socketPath: string, timeoutMs: number) => Promise<readonly string[] | void>;

/** What the runtime tells about an external plugin (`runtime.externals()`, `plugin ls`). */
export interface ExternalInfo {
  readonly name: string;
  readonly kind: 'external';
  readonly status: ActorStatus;
  /** The running process's pid (also while it is being stopped); undefined between two processes. */
  readonly pid: number | undefined;
  /** Restarts since the runtime started it. */
  readonly restarts: number;
  readonly exec: readonly string[];
  /** Socket names, and their paths in the plugins dir. */
  readonly sockets: readonly string[];
  readonly socketPaths: readonly string[];
  /** What the probe last reported (`Instance/0.6.1`, …), when it reports anything. */
  readonly interfaces: readonly string[];
  /** Why it failed, when `status === 'failed'`. */
  readonly failure?: string;
}

/** The bounds on a declaration (docs/limits.md). */
export const EXTERNAL_LIMITS = {
  /** Words of `exec`, program included. */
  maxExecArgs: 256,
  /** Characters of one word of `exec`, of an `env` value, of `cwd`. */
  maxArgChars: 4096,
  /** Sockets of one plugin. */
  maxSockets: 32,
  /** Entries of `env`. */
  maxEnv: 256,
  /** Any of the `…Ms` settings. */
  maxMs: 3_600_000,
  /** Bytes of one line of its output in the log; the rest of a longer line is dropped (the record says so). */
  maxLineBytes: 8192,
} as const;

const SOCKET_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** Lines of stderr kept to say why a plugin died before answering. */
const TAIL_LINES = 5;

/** Refuses a declaration that is malformed or over a limit, with `ActorStartError` naming the field. */
export function checkExternalDeclaration(decl: ExternalDeclaration): void {
  const name = typeof decl?.name === 'string' ? decl.name : String(decl?.name);
  const bad = (why: string): ActorStartError => new ActorStartError(name, why);
  if (typeof decl.name !== 'string' || !SOCKET_NAME.test(decl.name)) throw bad('a plugin name must be letters, digits, . _ - (no "/")');
  const L = EXTERNAL_LIMITS;
  if (!Array.isArray(decl.exec) || decl.exec.length === 0) throw bad('exec must be a non-empty list: the program, then its arguments');
  if (decl.exec.length > L.maxExecArgs) throw bad(`exec has ${decl.exec.length} words, over the limit of ${L.maxExecArgs}`);
  for (const [i, w] of decl.exec.entries()) {
    if (typeof w !== 'string' || w.includes('\0')) throw bad(`exec[${i}] must be a string without NUL`);
    if (w.length > L.maxArgChars) throw bad(`exec[${i}] is ${w.length} characters, over the limit of ${L.maxArgChars}`);
  }
  if (decl.exec[0] === '') throw bad('exec[0] (the program) is empty');
  if (decl.sockets !== undefined) {
    if (!Array.isArray(decl.sockets) || decl.sockets.length === 0) throw bad('sockets must be a non-empty list of socket names');
    if (decl.sockets.length > L.maxSockets) throw bad(`sockets has ${decl.sockets.length} names, over the limit of ${L.maxSockets}`);
    const seen = new Set<string>();
    for (const s of decl.sockets as readonly unknown[]) {
      if (typeof s !== 'string' || !SOCKET_NAME.test(s)) throw bad(`socket name '${String(s)}' must be letters, digits, . _ - (no "/")`);
      if (seen.has(s)) throw bad(`socket '${s}' is listed twice`);
      seen.add(s);
    }
  }
  if (decl.env !== undefined) {
    if (typeof decl.env !== 'object' || decl.env === null || Array.isArray(decl.env)) throw bad('env must be an object of strings');
    const entries = Object.entries(decl.env);
    if (entries.length > L.maxEnv) throw bad(`env has ${entries.length} entries, over the limit of ${L.maxEnv}`);
    for (const [k, v] of entries) {
      if (!ENV_NAME.test(k)) throw bad(`env: '${k}' is not a variable name`);
      if (typeof v !== 'string' || v.includes('\0') || v.length > L.maxArgChars)
        throw bad(`env.${k} must be a string without NUL, at most ${L.maxArgChars} characters`);
    }
  }
  if (decl.cwd !== undefined && (typeof decl.cwd !== 'string' || decl.cwd === '' || decl.cwd.length > L.maxArgChars))
    throw bad('cwd must be a directory path');
  for (const key of ['startTimeoutMs', 'probeIntervalMs', 'probeTimeoutMs', 'stopTimeoutMs'] as const) {
    const v = decl[key];
    if (v !== undefined && (typeof v !== 'number' || !(v > 0) || v > L.maxMs))
      throw bad(`${key} must be a number of ms in (0, ${L.maxMs}]`);
  }
  const f = decl.probeFailures;
  if (f !== undefined && (!Number.isInteger(f) || f < 1 || f > 1000)) throw bad('probeFailures must be a whole number from 1 to 1000');
}

/** The default probe: the socket accepts a connection (no wire spoken). */
export function connectProbe(socketPath: string, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const s = connect({ path: socketPath });
    const timer = setTimeout(() => {
      s.destroy();
      reject(new Error(`no connection to ${socketPath} within ${timeoutMs} ms`));
    }, timeoutMs);
    s.once('connect', () => {
      clearTimeout(timer);
      s.destroy();
      resolve();
    });
    s.once('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
  });
}

/** What an external plugin needs from the runtime that owns it. */
export interface ExternalHost {
  readonly home: string;
  readonly log: Logger;
  emit<E extends keyof RuntimeEvents>(event: E, ...args: Parameters<RuntimeEvents[E]>): void;
}

export interface ExternalPluginOptions {
  readonly pluginsDir: string;
  readonly probe: ExternalProbe;
  /** Policies merged under the declaration's (the runtime's default). */
  readonly restart?: RestartPolicy;
  /** Default grace between TERM and KILL. */
  readonly stopTimeoutMs: number;
}

interface Exit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly error?: Error;
}

/** One process generation. */
interface Generation {
  readonly child: ChildProcess;
  readonly pid: number | undefined;
  readonly exited: Promise<Exit>;
  exit: Exit | undefined;
}

class Aborted extends Error {}

function describeExit(e: Exit): string {
  if (e.error !== undefined) return e.error.message;
  return e.signal !== null ? `was killed by ${e.signal}` : `exited with code ${e.code}`;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Is any process left in process group `pgid`? */
function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function signalGroup(pgid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(-pgid, sig);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ESRCH') throw err;
  }
}

/**
 * Process groups of external plugins now running. If this process exits without stopping them (an
 * uncaught exception, `process.exit`), each gets SIGTERM on the way out rather than living on as an
 * orphan that holds its socket. (SIGKILL of this process cannot be caught: see docs/embedding.md.)
 */
const liveGroups = new Set<number>();
let exitHookInstalled = false;
function trackGroup(pgid: number): void {
  liveGroups.add(pgid);
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    for (const g of liveGroups) {
      try {
        process.kill(-g, 'SIGTERM');
      } catch {
        // already gone
      }
    }
  });
}

/** Polls `cond` every 20 ms until it holds or `ms` pass; true if it held. */
async function until(cond: () => boolean, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() >= end) return false;
    await sleep(20);
  }
  return true;
}

/** Splits a stream into lines of at most `max` bytes (the rest of a longer line is counted, not kept). */
class LineSplitter {
  #buf = '';
  #dropped = 0;
  constructor(
    private readonly max: number,
    private readonly onLine: (line: string, droppedBytes: number) => void,
  ) {}
  push(chunk: string): void {
    let start = 0;
    for (;;) {
      const nl = chunk.indexOf('\n', start);
      const piece = nl < 0 ? chunk.slice(start) : chunk.slice(start, nl);
      const room = this.max - this.#buf.length;
      if (piece.length <= room) this.#buf += piece;
      else {
        this.#buf += piece.slice(0, Math.max(0, room));
        this.#dropped += piece.length - Math.max(0, room);
      }
      if (nl < 0) return;
      this.#flushLine();
      start = nl + 1;
    }
  }
  end(): void {
    if (this.#buf !== '' || this.#dropped > 0) this.#flushLine();
  }
  #flushLine(): void {
    const line = this.#buf.endsWith('\r') ? this.#buf.slice(0, -1) : this.#buf;
    const dropped = this.#dropped;
    this.#buf = '';
    this.#dropped = 0;
    this.onLine(line, dropped);
  }
}

/** The main-thread supervisor of one external plugin. */
export class ExternalPlugin {
  readonly name: string;
  readonly sockets: readonly string[];
  readonly socketPaths: readonly string[];
  readonly #decl: ExternalDeclaration;
  readonly #host: ExternalHost;
  readonly #opts: ExternalPluginOptions;
  readonly #tracker: RestartTracker;
  readonly #log: Logger;
  readonly #statusFile: string;
  #status: ActorStatus = 'starting';
  #gen: Generation | undefined;
  #restarts = 0;
  #failure: string | undefined;
  #interfaces: readonly string[] = [];
  #tail: string[] = [];
  #probeTimer: NodeJS.Timeout | undefined;
  #restartTimer: NodeJS.Timeout | undefined;
  #probeFailures = 0;
  readonly #stop = new AbortController();
  #stopping: Promise<void> | undefined;
  #writes: Promise<void> = Promise.resolve();

  constructor(host: ExternalHost, decl: ExternalDeclaration, opts: ExternalPluginOptions) {
    checkExternalDeclaration(decl);
    this.name = decl.name;
    this.sockets = [...(decl.sockets ?? [decl.name])];
    this.socketPaths = this.sockets.map((s) => join(opts.pluginsDir, s));
    this.#decl = decl;
    this.#host = host;
    this.#opts = opts;
    this.#tracker = new RestartTracker(opts.restart, decl.restart);
    this.#log = host.log.child({ actor: decl.name, external: true });
    this.#statusFile = externalStatusPath(opts.pluginsDir, decl.name);
  }

  get status(): ActorStatus {
    return this.#status;
  }

  info(): ExternalInfo {
    return {
      name: this.name,
      kind: 'external',
      status: this.#status,
      pid: this.#gen?.exit === undefined ? this.#gen?.pid : undefined,
      restarts: this.#restarts,
      exec: [...this.#decl.exec],
      sockets: this.sockets,
      socketPaths: this.socketPaths,
      interfaces: this.#interfaces,
      ...(this.#failure === undefined ? {} : { failure: this.#failure }),
    };
  }

  /** The first start: resolves once every socket answers; rejects `ActorStartError` (nothing left running) if not. */
  async start(): Promise<void> {
    try {
      await this.#launch();
    } catch (err) {
      await this.#reap();
      this.#status = 'stopped';
      await this.#removeStatus();
      if (err instanceof Aborted) throw new ActorStartError(this.name, 'stopped while starting');
      if (err instanceof ActorStartError || err instanceof SocketInUseError) throw err;
      throw new ActorStartError(this.name, (err as Error).message, { cause: err });
    }
    // Resolve once `plugin ls` can see it running too.
    await this.#running();
  }

  /** TERM to its process group, KILL after `timeoutMs`; its sockets, pid files and status file removed. Idempotent. */
  stop(timeoutMs = this.#decl.stopTimeoutMs ?? this.#opts.stopTimeoutMs): Promise<void> {
    this.#stopping ??= (async () => {
      const wasFailed = this.#status === 'failed';
      this.#status = 'stopping';
      this.#stop.abort();
      clearTimeout(this.#probeTimer);
      clearTimeout(this.#restartTimer);
      if (!wasFailed) void this.#publish();
      await this.#reap(timeoutMs);
      this.#status = 'stopped';
      await this.#removeStatus();
      this.#log.info('external plugin stopped');
    })();
    return this.#stopping;
  }

  /** Spawn a process and wait until every socket answers. */
  async #launch(): Promise<void> {
    const signal = this.#stop.signal;
    if (signal.aborted) throw new Aborted();
    await mkdirPrivate(this.#opts.pluginsDir);
    for (const path of this.socketPaths) await this.#clearStaleSocket(path);
    this.#tail = [];
    this.#interfaces = [];
    const gen = this.#spawn();
    this.#gen = gen;
    void this.#publish();
    const startTimeoutMs = this.#decl.startTimeoutMs ?? 30_000;
    const probeTimeoutMs = this.#decl.probeTimeoutMs ?? 10_000;
    const deadline = Date.now() + startTimeoutMs;
    const ended = new Promise<'ended'>((resolve) => {
      void gen.exited.then(() => resolve('ended'));
      signal.addEventListener('abort', () => resolve('ended'), { once: true });
    });
    let delay = 25;
    let last: unknown;
    for (;;) {
      if (signal.aborted) throw new Aborted();
      if (gen.exit !== undefined)
        throw new Error(`${this.#describe(gen.exit)} before answering on ${this.#pending(last)}${this.#tailText()}`);
      const left = deadline - Date.now();
      try {
        const answers = await Promise.all(this.socketPaths.map((p) => this.#opts.probe(p, Math.max(1, Math.min(probeTimeoutMs, left)))));
        this.#interfaces = [...new Set(answers.flatMap((a) => (a === undefined ? [] : [...a])))];
        break;
      } catch (err) {
        last = err;
      }
      if (Date.now() >= deadline) {
        throw new Error(`did not answer on ${this.#pending(last)} within ${startTimeoutMs} ms${this.#tailText()}`);
      }
      await Promise.race([sleep(Math.min(delay, Math.max(1, deadline - Date.now()))), ended]);
      delay = Math.min(delay * 2, 500);
    }
    if (gen.exit !== undefined) throw new Error(`${this.#describe(gen.exit)} right after answering${this.#tailText()}`);
    if (signal.aborted) throw new Aborted();
    if (gen.pid !== undefined) {
      for (const s of this.sockets) {
        await writeFileAtomic(join(this.#opts.pluginsDir, `${s}.pid`), String(gen.pid)).catch((err: unknown) =>
          this.#log.warn({ err, socket: s }, 'could not write the pid file'),
        );
      }
    }
  }

  #pending(err: unknown): string {
    const why = err instanceof Error ? err.message : err === undefined ? 'no answer yet' : String(err);
    return `${this.socketPaths.join(', ')} (${why})`;
  }

  #tailText(): string {
    return this.#tail.length === 0 ? '' : `; its last output: ${this.#tail.join(' | ')}`;
  }

  #describe(e: Exit): string {
    const program = this.#decl.exec[0] ?? '';
    return e.error !== undefined ? `could not run ${program}: ${e.error.message}` : `${program} ${describeExit(e)}`;
  }

  /** A socket file nobody answers on (a dead process left it) is removed; a live one is someone's: refused. */
  async #clearStaleSocket(path: string): Promise<void> {
    const st = await lstat(path).catch(() => undefined);
    if (st === undefined) return;
    if (!st.isSocket()) throw new ActorStartError(this.name, `${path} exists and is not a socket; remove it and try again`);
    const live = await connectProbe(path, 1000).then(
      () => true,
      (err: NodeJS.ErrnoException) => err.code !== 'ECONNREFUSED' && err.code !== 'ENOENT',
    );
    if (live) throw new SocketInUseError(path);
    await unlink(path).catch(() => undefined);
  }

  #spawn(): Generation {
    const [program, ...args] = this.#decl.exec as [string, ...string[]];
    const env = {
      ...process.env,
      ...this.#decl.env,
      INFRAKIT_HOME: this.#host.home,
      INFRAKIT_PLUGINS_DIR: this.#opts.pluginsDir,
    };
    const child = spawn(program, args, {
      cwd: this.#decl.cwd ?? process.cwd(),
      env,
      detached: true, // its own session and process group: signalled as a whole, and out of reach of the terminal's Ctrl-C
      stdio: ['ignore', 'pipe', 'pipe'],
      windowsHide: true,
    });
    let gen: Generation;
    const exited = new Promise<Exit>((resolve) => {
      child.once('exit', (code, sig) => resolve({ code, signal: sig }));
      child.once('error', (error) => resolve({ code: null, signal: null, error }));
    }).then((e) => {
      gen.exit = e;
      if (child.pid !== undefined) liveGroups.delete(child.pid);
      this.#onExit(gen, e);
      return e;
    });
    gen = { child, pid: child.pid, exited, exit: undefined };
    if (child.pid !== undefined) trackGroup(child.pid);
    for (const stream of ['stdout', 'stderr'] as const) {
      const pipe = child[stream];
      if (pipe === null) continue;
      pipe.setEncoding('utf8');
      const lines = new LineSplitter(EXTERNAL_LIMITS.maxLineBytes, (line, dropped) => this.#onLine(gen, stream, line, dropped));
      pipe.on('data', (d: string) => lines.push(d));
      pipe.on('end', () => lines.end());
      pipe.on('error', () => undefined);
    }
    if (child.pid !== undefined) this.#log.info({ childPid: child.pid, exec: this.#decl.exec }, 'external plugin process started');
    return gen;
  }

  #onLine(gen: Generation, stream: 'stdout' | 'stderr', line: string, dropped: number): void {
    if (line === '' && dropped === 0) return;
    if (stream === 'stderr') {
      this.#tail.push(line.slice(0, 200));
      if (this.#tail.length > TAIL_LINES) this.#tail.shift();
    }
    this.#log.info({ stream, childPid: gen.pid, ...(dropped > 0 ? { droppedBytes: dropped } : {}) }, line);
  }

  #onExit(gen: Generation, e: Exit): void {
    if (this.#gen !== gen) return;
    const reason = describeExit(e);
    this.#host.emit('external:exited', { name: this.name, pid: gen.pid, reason, exitCode: e.code, signal: e.signal });
    if (this.#status === 'running') {
      this.#log.warn({ childPid: gen.pid, reason }, 'external plugin exited');
      void this.#crashed(`${this.#describe(e)}${this.#tailText()}`);
    }
  }

  #running(): Promise<void> {
    this.#status = 'running';
    this.#probeFailures = 0;
    const pid = this.#gen?.pid ?? 0;
    this.#log.info({ childPid: pid, sockets: this.socketPaths, restarts: this.#restarts }, 'external plugin answers on its sockets');
    this.#host.emit('external:started', { name: this.name, pid, restarts: this.#restarts });
    this.#scheduleProbe();
    return this.#publish();
  }

  #scheduleProbe(): void {
    clearTimeout(this.#probeTimer);
    this.#probeTimer = setTimeout(() => void this.#probeOnce(), this.#decl.probeIntervalMs ?? 5000);
  }

  async #probeOnce(): Promise<void> {
    if (this.#status !== 'running') return;
    const gen = this.#gen;
    const timeoutMs = this.#decl.probeTimeoutMs ?? 10_000;
    try {
      await Promise.all(this.socketPaths.map((p) => this.#opts.probe(p, timeoutMs)));
      this.#probeFailures = 0;
    } catch (err) {
      if (this.#status !== 'running' || this.#gen !== gen) return;
      this.#probeFailures++;
      const limit = this.#decl.probeFailures ?? 3;
      this.#log.warn({ err: (err as Error).message, failures: this.#probeFailures, limit }, 'external plugin did not answer its probe');
      if (this.#probeFailures >= limit) {
        void this.#crashed(`stopped answering: ${this.#probeFailures} probes in a row failed (${(err as Error).message})`);
        return;
      }
    }
    if (this.#status === 'running' && this.#gen === gen) this.#scheduleProbe();
  }

  /** It exited or stopped answering while running: clean up, then restart or give up. */
  async #crashed(reason: string): Promise<void> {
    if (this.#status !== 'running') return;
    this.#status = 'restarting';
    clearTimeout(this.#probeTimer);
    void this.#publish();
    await this.#reap();
    if (this.#stop.signal.aborted) return;
    this.#supervise(reason);
  }

  #supervise(reason: string): void {
    const d = this.#tracker.next();
    if (!d.restart) {
      const { maxRestarts, withinMs } = this.#tracker.policy;
      this.#status = 'failed';
      this.#failure = `${reason} (more than ${maxRestarts} restarts within ${withinMs} ms)`;
      this.#log.error({ reason: this.#failure }, 'external plugin failed: restart intensity exceeded; giving up');
      this.#host.emit('external:failed', { name: this.name, reason: this.#failure });
      void this.#publish();
      return;
    }
    this.#status = 'restarting';
    this.#restarts++;
    this.#log.warn({ attempt: d.attempt, delayMs: d.delayMs, reason }, 'restarting external plugin');
    this.#host.emit('external:restarted', { name: this.name, attempt: d.attempt, delayMs: d.delayMs });
    void this.#publish();
    this.#restartTimer = setTimeout(() => void this.#relaunch(), d.delayMs);
  }

  async #relaunch(): Promise<void> {
    if (this.#stop.signal.aborted) return;
    try {
      await this.#launch();
    } catch (err) {
      if (this.#stop.signal.aborted || err instanceof Aborted) return;
      await this.#reap();
      if (this.#stop.signal.aborted) return;
      this.#supervise((err as Error).message);
      return;
    }
    await this.#running();
  }

  /**
   * End the current process group: TERM, up to `graceMs` for every member to be gone, then KILL. Then
   * remove its sockets and the pid files that name it.
   */
  async #reap(graceMs = this.#decl.stopTimeoutMs ?? this.#opts.stopTimeoutMs): Promise<void> {
    const gen = this.#gen;
    const pgid = gen?.pid;
    if (gen !== undefined && pgid !== undefined) {
      const gone = (): boolean => gen.exit !== undefined && !groupAlive(pgid);
      if (!gone()) {
        signalGroup(pgid, 'SIGTERM');
        if (!(await until(gone, graceMs))) {
          this.#log.warn({ childPid: pgid, graceMs }, 'external plugin still running after TERM; sending KILL to its process group');
          signalGroup(pgid, 'SIGKILL');
          if (!(await until(gone, 10_000))) this.#log.error({ childPid: pgid }, 'external plugin process group survived KILL');
        }
      }
    }
    for (const [i, path] of this.socketPaths.entries()) {
      const st = await lstat(path).catch(() => undefined);
      if (st?.isSocket() === true) await unlink(path).catch(() => undefined);
      const pidFile = join(this.#opts.pluginsDir, `${this.sockets[i] ?? ''}.pid`);
      const pid = await readPidFile(pidFile).catch(() => undefined);
      if (pid !== undefined && pid === pgid) await unlink(pidFile).catch(() => undefined);
    }
  }

  /** Write the status file `plugin ls` reads (serialised, last state wins). */
  #publish(): Promise<void> {
    const info = this.info();
    const record: ExternalStatusRecord = {
      name: info.name,
      supervisor: process.pid,
      status: info.status,
      pid: info.pid ?? null,
      restarts: info.restarts,
      sockets: [...info.sockets],
      exec: [...info.exec],
      ...(info.failure === undefined ? {} : { failure: info.failure }),
    };
    this.#writes = this.#writes
      .then(() => (this.#status === 'stopped' ? undefined : writeFileAtomic(this.#statusFile, `${JSON.stringify(record)}\n`)))
      .catch((err: unknown) => this.#log.warn({ err }, 'could not write the external plugin status file'));
    return this.#writes;
  }

  async #removeStatus(): Promise<void> {
    await this.#writes;
    await unlink(this.#statusFile).catch(() => undefined);
  }
}
