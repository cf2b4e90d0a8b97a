/**
 * The process instance plugin's logic, usable without a runtime (`index.ts` wraps it as an actor):
 * each instance is a detached child `/bin/sh -c <Init>` in its own session and process group, its
 * output going straight to a capped log file. Instances outlive the runtime; a new actor on the same
 * dir finds them again from the state files. Only `Destroy` ends one (SIGTERM to the group, then
 * SIGKILL). Handlers may run at once: changes to one instance take its lock, Describe never waits.
 * Lifecycle and identity: actors/process/README.md.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { open, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { randomBytes } from '../../runtime/random.js';
import type { ActorLogger } from '../../runtime/worker-log.js';
import { ApplicationError } from '../../runtime/errors.js';
import type { Description, InstanceSpec, Tags } from '../spi/common.js';
import type {
  DescribeInstancesRequest,
  DescribeInstancesResult,
  DestroyRequest,
  LabelRequest,
  OkResult,
  ProvisionRequest,
  ProvisionResult,
  ValidateInstanceRequest,
} from '../spi/instance.js';
import { childEnv } from './child-env.js';
import {
  isInstanceAlive,
  isSameProcessAlive,
  processGroupAlive,
  processStartTime,
  ProcTable,
  signalGroup,
  type GroupIdentity,
} from './proc-identity.js';
import { LogCapper, removeLog } from './log-cap.js';
import { pickPort } from './port-picker.js';
import { parseProperties, type ProcessProperties } from './properties.js';
import { StateStore, type InstanceRecord } from './state-store.js';

/** `options` of a `process` actor declaration. Every field is optional. */
export interface ProcessPluginOptions {
  /** Where state files and logs live. Default `<home>/process/<actor name>`. */
  readonly dir?: string;
  /** Shell running `Init` as `<shell> -c <Init>`. Default `/bin/sh`. Per instance: `Properties.Shell`. */
  readonly shell?: string;
  /** Working directory of new instances. Default: the runtime's cwd. Per instance: `Properties.Cwd`. */
  readonly cwd?: string;
  /** Destroy: time between SIGTERM and SIGKILL. Default 5000. Per instance: `Properties.GracePeriodMs`. */
  readonly gracePeriodMs?: number;
  /**
   * Provision: how long to watch a new process before answering. If it exits with a non-zero code
   * (or a signal) within this window, Provision fails with the log tail. Default 150.
   */
  readonly settleMs?: number;
  /**
   * Destroy (and the cleanup of an instance found dead) also deletes the instance's log and its
   * rotation. Default true: logs leave with their instance (a dead one's tail goes to our log).
   */
  readonly removeLogsOnDestroy?: boolean;
  /** Cap of an instance's log in bytes; past it the log is rotated to `<log>.1`. Default 10 MiB. */
  readonly logMaxBytes?: number;
  /** Backstop interval of the log-size check, in ms (changes are also watched). Default 1000. */
  readonly logCheckMs?: number;
}

export const DEFAULTS = { shell: '/bin/sh', gracePeriodMs: 5000, settleMs: 150, logMaxBytes: 10 * 1024 * 1024, logCheckMs: 1000 } as const;
/** After SIGKILL, how long to wait for the kernel to take the process away before giving up. */
const KILL_WAIT_MS = 3000;
/** Polling while waiting for a process to die: starts at the first, doubles up to the second. */
const POLL_MS = [10, 200] as const;
/** Log tail quoted in a failed Provision: at most this many lines of the last 4 KiB. */
const TAIL_LINES = 15;

export interface ProcessPluginConfig {
  /** Actor name; names the default directory. */
  readonly name: string;
  /** `INFRAKIT_HOME` of the runtime. */
  readonly home: string;
  readonly options?: ProcessPluginOptions;
  readonly log: ActorLogger;
  /** Aborted when the actor stops: waits end early (a Destroy in progress escalates to SIGKILL). */
  readonly signal?: AbortSignal;
  /** Publishes lifecycle events (`instance-exited`) on the runtime's emitter. */
  readonly emit?: (type: string, payload?: unknown) => void;
}

type Exit = { readonly code: number | null; readonly signal: NodeJS.Signals | null } | { readonly error: Error };

/** `proc-<ms since epoch, base 36>-<8 hex>`: sortable by creation, unique enough for one machine. */
export function newInstanceId(): string {
  return `proc-${Date.now().toString(36)}-${randomBytes(4).toString('hex')}`;
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const t = setTimeout(done, ms);
    function done(): void {
      clearTimeout(t);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}

/** Poll `cond` until true or `ms` elapse (or `signal` aborts); returns the last value of `cond`. */
async function waitUntil(cond: () => boolean, ms: number, signal?: AbortSignal): Promise<boolean> {
  const deadline = Date.now() + ms;
  let step: number = POLL_MS[0];
  while (!cond()) {
    if (Date.now() >= deadline || signal?.aborted) return cond();
    await sleep(Math.min(step, Math.max(1, deadline - Date.now())), signal);
    step = Math.min(step * 2, POLL_MS[1]);
  }
  return true;
}

/** The last lines of a log file, or `''`. */
export async function logTail(path: string, lines = TAIL_LINES, bytes = 4096): Promise<string> {
  try {
    const fh = await open(path, 'r');
    try {
      const { size } = await fh.stat();
      const len = Math.min(size, bytes);
      const buf = Buffer.alloc(len);
      await fh.read(buf, 0, len, size - len);
      return buf.toString('utf8').trimEnd().split('\n').slice(-lines).join('\n');
    } finally {
      await fh.close();
    }
  } catch {
    return '';
  }
}

function identityOf(rec: InstanceRecord): GroupIdentity {
  return { pgid: rec.Process.PID, startTime: rec.Process.StartTime, instanceId: rec.ID };
}

/** Strict AND match: every filter tag present with the same value. */
function matchesTags(tags: Tags, filter: Tags | null | undefined): boolean {
  if (!filter) return true;
  return Object.entries(filter).every(([k, v]) => tags[k] === v);
}

function describeExit(e: Exit): string {
  if ('error' in e) return `could not be started: ${e.error.message}`;
  return e.signal !== null ? `was killed by ${e.signal}` : `exited with code ${e.code}`;
}

export class ProcessInstancePlugin {
  readonly store: StateStore;
  private readonly shell: string;
  private readonly cwd: string;
  private readonly gracePeriodMs: number;
  private readonly settleMs: number;
  private readonly removeLogsOnDestroy: boolean;
  private readonly log: ActorLogger;
  private readonly home: string;
  private readonly signal: AbortSignal | undefined;
  private readonly emit: (type: string, payload?: unknown) => void;
  /** Children spawned by this plugin object that have not exited yet (their 'exit' reaps them). */
  private readonly children = new Map<string, ChildProcess>();
  /** Per-instance lock: a chain of promises, one link per operation. */
  private readonly locks = new Map<string, Promise<void>>();
  /** Ports picked for instances still being provisioned (not yet in a state file). */
  private readonly portsInFlight = new Set<number>();
  private readonly logCapper: LogCapper;
  private dirsReady: Promise<void> | undefined;

  constructor(config: ProcessPluginConfig) {
    const o = config.options ?? {};
    this.home = config.home;
    this.store = new StateStore(o.dir ?? join(config.home, 'process', config.name));
    this.shell = o.shell ?? DEFAULTS.shell;
    this.cwd = o.cwd ?? process.cwd();
    this.gracePeriodMs = o.gracePeriodMs ?? DEFAULTS.gracePeriodMs;
    this.settleMs = o.settleMs ?? DEFAULTS.settleMs;
    this.removeLogsOnDestroy = o.removeLogsOnDestroy ?? true;
    this.log = config.log;
    this.logCapper = new LogCapper(
      this.store.logDir,
      o.logMaxBytes ?? DEFAULTS.logMaxBytes,
      o.logCheckMs ?? DEFAULTS.logCheckMs,
      config.log,
    );
    this.signal = config.signal;
    this.emit = config.emit ?? (() => undefined);
  }

  /** Check the options (thrown from the actor's `create`, so a bad declaration fails at start). */
  static checkOptions(o: ProcessPluginOptions | undefined): void {
    if (o === undefined || o === null) return;
    if (typeof o !== 'object') throw new Error('process plugin options must be an object');
    for (const k of ['dir', 'shell', 'cwd'] as const) {
      const v = o[k];
      if (v !== undefined && (typeof v !== 'string' || v === ''))
        throw new Error(`process plugin option '${k}' must be a non-empty string`);
    }
    for (const k of ['gracePeriodMs', 'settleMs'] as const) {
      const v = o[k];
      if (v !== undefined && !(typeof v === 'number' && Number.isInteger(v) && v >= 0)) {
        throw new Error(`process plugin option '${k}' must be a non-negative integer (milliseconds)`);
      }
    }
    if (o.logMaxBytes !== undefined && !(Number.isInteger(o.logMaxBytes) && o.logMaxBytes >= 1024)) {
      throw new Error("process plugin option 'logMaxBytes' must be an integer of at least 1024 (bytes)");
    }
    if (o.logCheckMs !== undefined && !(Number.isInteger(o.logCheckMs) && o.logCheckMs >= 10)) {
      throw new Error("process plugin option 'logCheckMs' must be an integer of at least 10 (milliseconds)");
    }
    if (o.removeLogsOnDestroy !== undefined && typeof o.removeLogsOnDestroy !== 'boolean') {
      throw new Error("process plugin option 'removeLogsOnDestroy' must be a boolean");
    }
  }

  /** Instances found on disk at start: logs what survived, cleans what did not. */
  async recover(): Promise<{ live: string[]; gone: string[] }> {
    await this.ready();
    const live: string[] = [];
    const gone: string[] = [];
    const table = new ProcTable();
    for (const rec of await this.store.list()) {
      if (isInstanceAlive(identityOf(rec), table)) {
        live.push(rec.ID);
        this.logCapper.add(rec.ID, this.store.logPath(rec.ID));
      } else if (await this.cleanUpIfDead(rec.ID)) gone.push(rec.ID);
    }
    await this.logCapper.check();
    this.log.info({ dir: this.store.dir, live: live.length, gone: gone.length }, 'process plugin ready');
    if (gone.length > 0) this.log.info({ instances: gone }, 'instances that died while nobody watched were removed');
    return { live, gone };
  }

  // ── Instance SPI ────────────────────────────────────────────────────────────────────────────

  validate(req: ValidateInstanceRequest): OkResult {
    const Type = this.checkType(req.Type);
    this.properties(req.Properties);
    return { Type, OK: true };
  }

  async provision(req: ProvisionRequest): Promise<ProvisionResult> {
    const Type = this.checkType(req.Type);
    const spec = req.Spec ?? {};
    const init = spec.Init ?? '';
    if (init.trim() === '') {
      throw new ApplicationError('Spec.Init must not be empty: the process plugin runs it as a shell script (<Shell> -c <Init>)');
    }
    const props = this.properties(spec.Properties);
    const port = props.Port === undefined ? null : await this.reservePort(props);
    try {
      return await this.spawnInstance(Type, spec, props, port);
    } finally {
      if (port !== null) this.portsInFlight.delete(port);
    }
  }

  private async spawnInstance(Type: string, spec: InstanceSpec, props: ProcessProperties, port: number | null): Promise<ProvisionResult> {
    const id = newInstanceId();
    const logicalId = spec.LogicalID ?? null;
    const tags: Tags = { ...(spec.Tags ?? {}), ...(port !== null ? { port: String(port) } : {}) };
    const logPath = this.store.logPath(id);
    const shell = props.Shell ?? this.shell;
    const cwd = props.Cwd ?? this.cwd;
    const env = childEnv(process.env, props.Env, { home: this.home, id, logicalId, tags, log: logPath, port });

    await this.ready();
    // The child writes its output through its own copies of this descriptor: we hold no pipe, so
    // it neither blocks on us nor dies of SIGPIPE when the runtime goes away (log-cap.ts caps it).
    const fd = openSync(logPath, 'a', 0o600);
    let child: ChildProcess;
    try {
      child = spawn(shell, ['-c', spec.Init ?? ''], { cwd, env, detached: true, stdio: ['ignore', fd, fd], windowsHide: true });
    } catch (err) {
      await rm(logPath, { force: true });
      throw new ApplicationError(`Init could not be started with ${shell}: ${(err as Error).message}`, { cause: err });
    } finally {
      closeSync(fd);
    }

    const exited = new Promise<Exit>((resolve) => {
      child.once('exit', (code, signal) => resolve({ code, signal }));
      child.once('error', (error) => resolve({ error }));
    });
    // A ChildProcess without an 'error' listener would throw (e.g. on a failed kill).
    child.on('error', (err) => this.log.warn({ instance: id, err }, 'child process error'));

    const pid = child.pid;
    if (pid === undefined) {
      const e = await exited; // spawn failed (bad Shell, missing Cwd): 'error' is on its way
      await rm(logPath, { force: true });
      throw new ApplicationError(`Init ${describeExit(e)} (shell ${shell}, cwd ${cwd})`);
    }

    const rec: InstanceRecord = {
      ID: id,
      LogicalID: logicalId,
      Tags: tags,
      Spec: spec,
      Process: {
        PID: pid,
        StartTime: processStartTime(pid),
        StartedAt: new Date().toISOString(),
        Log: logPath,
        Shell: shell,
        Cwd: cwd,
        Port: port,
      },
    };
    this.track(id, child, exited);

    return this.withLock(id, async () => {
      try {
        // Written before the settle window: if the runtime dies now, the instance is still known.
        await this.store.write(rec);
      } catch (err) {
        signalGroup(pid, 'SIGKILL');
        await rm(logPath, { force: true });
        throw new ApplicationError(`cannot write the state of instance ${id}: ${(err as Error).message}`, { cause: err });
      }

      const early = await Promise.race([exited, sleep(this.settleMs, this.signal).then(() => undefined)]);
      if (early !== undefined && !('code' in early && early.code === 0)) {
        const tail = await logTail(logPath);
        // Init may have left background jobs in its group: nothing of a failed instance stays.
        if (processGroupAlive(pid)) signalGroup(pid, 'SIGKILL');
        await this.store.remove(id);
        await rm(logPath, { force: true }); // the ID was never handed out; the tail is in the error
        this.log.warn({ instance: id, pid, exit: early }, 'instance failed to start');
        throw new ApplicationError(
          `Init failed: ${shell} ${describeExit(early)} right after start; log tail:\n${tail === '' ? '(empty)' : tail}`,
        );
      }
      if (early !== undefined && !isInstanceAlive(identityOf(rec))) {
        this.log.warn({ instance: id, pid }, 'Init exited with code 0 at once; the instance is already gone');
      } else if (early !== undefined) {
        this.log.info({ instance: id, pid }, 'Init exited with code 0; what it started lives on in its process group');
      }
      this.logCapper.add(id, logPath);
      this.log.info({ instance: id, pid, logicalId, port, log: logPath }, 'instance provisioned');
      return { Type, ID: id };
    });
  }

  async label(req: LabelRequest): Promise<OkResult> {
    const Type = this.checkType(req.Type);
    const id = req.Instance;
    await this.withLock(id, async () => {
      const rec = await this.liveRecord(id);
      if (!req.Labels || Object.keys(req.Labels).length === 0) return;
      await this.store.write({ ...rec, Tags: { ...rec.Tags, ...req.Labels } });
    });
    return { Type, OK: true };
  }

  async destroy(req: DestroyRequest): Promise<OkResult> {
    const Type = this.checkType(req.Type);
    const id = req.Instance;
    const reason = req.Context?.Reason ?? 'unspecified';
    await this.withLock(id, async () => {
      const rec = await this.store.read(id);
      if (rec === undefined) throw new ApplicationError(`not found ${id}`);
      const { PID } = rec.Process;
      const grace = this.gracePeriodOf(rec);
      this.log.info({ instance: id, pid: PID, reason, graceMs: grace }, 'destroying instance');
      const how = await this.terminate(identityOf(rec), grace);
      await this.store.remove(id);
      this.logCapper.delete(id);
      if (this.removeLogsOnDestroy) await removeLog(this.store.logPath(rec.ID));
      this.log.info({ instance: id, pid: PID, reason, how }, 'instance destroyed');
    });
    return { Type, OK: true };
  }

  async describeInstances(req: DescribeInstancesRequest): Promise<DescribeInstancesResult> {
    const Type = this.checkType(req.Type);
    const out: Description[] = [];
    const table = new ProcTable(); // read only if some leader has exited
    for (const rec of await this.store.list()) {
      if (!isInstanceAlive(identityOf(rec), table)) {
        // The group replaces instances that disappear, so a dead process must disappear here.
        await this.cleanUpIfDead(rec.ID);
        continue;
      }
      if (!matchesTags(rec.Tags, req.Tags)) continue;
      const d: Description = { ID: rec.ID, LogicalID: rec.LogicalID, Tags: Object.keys(rec.Tags).length > 0 ? { ...rec.Tags } : null };
      if (req.Properties === true) d.Properties = this.describeProperties(rec);
      out.push(d);
    }
    return { Type, Descriptions: out.length > 0 ? out : null };
  }

  /** Forget the ChildProcess handles (the processes keep running). */
  stop(): void {
    this.logCapper.stop();
    for (const child of this.children.values()) child.unref();
    this.children.clear();
  }

  // ── internals ───────────────────────────────────────────────────────────────────────────────

  /** The plugin's directories exist and are private; the log capper runs. Once per object. */
  private ready(): Promise<void> {
    this.dirsReady ??= this.store.ensureDirs().then(
      () => this.logCapper.start(),
      (err: unknown) => {
        this.dirsReady = undefined;
        throw err;
      },
    );
    return this.dirsReady;
  }

  /** Only the default object: `""` (or `"."`). Anything else is InfraKit's `no-plugin:<type>`. */
  private checkType(type: string | undefined): string {
    const t = type ?? '';
    if (t !== '' && t !== '.') throw new ApplicationError(`no-plugin:${t}`);
    return t;
  }

  private properties(raw: unknown): ProcessProperties {
    try {
      return parseProperties(raw);
    } catch (err) {
      throw new ApplicationError((err as Error).message);
    }
  }

  /** Pick a port for `props.Port`, one Provision at a time, avoiding ports of live and starting instances. */
  private reservePort(props: ProcessProperties): Promise<number> {
    const spec = props.Port;
    if (spec === undefined) throw new Error('reservePort without Properties.Port');
    // ':ports' can never be an instance ID (isSafeId), so this lock is private to port picking.
    return this.withLock(':ports', async () => {
      const taken = new Set(this.portsInFlight);
      for (const rec of await this.store.list()) {
        const p = rec.Process.Port;
        if (typeof p === 'number' && isInstanceAlive(identityOf(rec))) taken.add(p);
      }
      let port: number;
      try {
        port = await pickPort(spec, taken);
      } catch (err) {
        throw new ApplicationError(`Properties.Port: ${(err as Error).message}`);
      }
      this.portsInFlight.add(port);
      return port;
    });
  }

  private gracePeriodOf(rec: InstanceRecord): number {
    try {
      return parseProperties(rec.Spec.Properties).GracePeriodMs ?? this.gracePeriodMs;
    } catch {
      return this.gracePeriodMs;
    }
  }

  private describeProperties(rec: InstanceRecord): Record<string, unknown> {
    const p = rec.Spec.Properties;
    const base = typeof p === 'object' && p !== null && !Array.isArray(p) ? (p as Record<string, unknown>) : {};
    const port = rec.Process.Port ?? null;
    return {
      ...base,
      ...(port !== null ? { Port: port } : {}),
      Process: { PID: rec.Process.PID, StartedAt: rec.Process.StartedAt, Log: rec.Process.Log },
    };
  }

  /** The record of a live instance; a dead one is cleaned up and reported as not found. */
  private async liveRecord(id: string): Promise<InstanceRecord> {
    const rec = await this.store.read(id);
    if (rec === undefined) throw new ApplicationError(`not found ${id}`);
    if (!isInstanceAlive(identityOf(rec))) {
      await this.forget(rec);
      throw new ApplicationError(`not found ${id}`);
    }
    return rec;
  }

  /**
   * Remove the state of a dead instance, unless someone is working on it right now (a Destroy or
   * Provision in progress owns its state; Describe must not wait for a grace period).
   */
  private async cleanUpIfDead(id: string): Promise<boolean> {
    if (this.locks.has(id)) return false;
    return this.withLock(id, async () => {
      const rec = await this.store.read(id);
      if (rec === undefined || isInstanceAlive(identityOf(rec))) return false;
      await this.forget(rec);
      return true;
    });
  }

  /**
   * Drop a dead instance: state file, log watch, and (by default) its logs, whose tail we log.
   * Logs are always named from the ID in our own logs dir, never from the path in a state file:
   * a state file is data, and deleting or truncating what it names could hit any file.
   */
  private async forget(rec: InstanceRecord): Promise<void> {
    await this.store.remove(rec.ID);
    this.logCapper.delete(rec.ID);
    const tail = this.removeLogsOnDestroy ? await logTail(this.store.logPath(rec.ID)) : undefined;
    if (this.removeLogsOnDestroy) await removeLog(this.store.logPath(rec.ID));
    this.log.info(
      { instance: rec.ID, pid: rec.Process.PID, ...(tail !== undefined ? { logTail: tail } : {}) },
      'instance process group is gone; state removed',
    );
  }

  /**
   * SIGTERM the instance's process group, wait up to `graceMs` for every member to be gone, then
   * SIGKILL the group. The leader may be long gone: members are found by `liveGroupMembers`, which
   * also makes sure a pgid handed to someone else is never signalled.
   */
  private async terminate(ident: GroupIdentity, graceMs: number): Promise<'already-gone' | 'terminated' | 'killed'> {
    const alive = (): boolean => isInstanceAlive(ident);
    if (!alive()) return 'already-gone';
    this.signalInstance(ident, 'SIGTERM');
    if (await waitUntil(() => !alive(), graceMs, this.signal)) return 'terminated';
    if (alive()) this.signalInstance(ident, 'SIGKILL');
    if (!(await waitUntil(() => !alive(), KILL_WAIT_MS))) {
      throw new ApplicationError(`process group ${ident.pgid} survived SIGKILL for ${KILL_WAIT_MS} ms`);
    }
    return 'killed';
  }

  /** Signal the group; only a leader that is still ours may be signalled alone (it left its group). */
  private signalInstance(ident: GroupIdentity, sig: NodeJS.Signals): void {
    if (isSameProcessAlive(ident.pgid, ident.startTime)) {
      signalGroup(ident.pgid, sig);
      return;
    }
    try {
      process.kill(-ident.pgid, sig);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ESRCH') throw err;
    }
  }

  private track(id: string, child: ChildProcess, exited: Promise<Exit>): void {
    this.children.set(id, child);
    // Our 'exit' listener makes libuv reap the child (no zombie while the runtime lives); unref so
    // the child does not keep the actor's event loop alive.
    child.unref();
    void exited.then((e) => {
      this.children.delete(id);
      const payload =
        'error' in e ? { instance: id, error: e.error.message } : { instance: id, pid: child.pid, code: e.code, signal: e.signal };
      this.log.info(payload, 'instance process exited');
      this.emit('instance-exited', payload);
    });
  }

  private async withLock<T>(id: string, fn: () => Promise<T>): Promise<T> {
    const prev = this.locks.get(id) ?? Promise.resolve();
    let release!: () => void;
    const mine = new Promise<void>((r) => (release = r));
    const tail = prev.then(() => mine);
    this.locks.set(id, tail);
    await prev;
    try {
      return await fn();
    } finally {
      release();
      if (this.locks.get(id) === tail) this.locks.delete(id);
    }
  }
}
