/**
 * The supervisor: declares actors, routes calls to their mailboxes, hands workers direct ports to
 * each other, restarts crashed actors, and stops everything gracefully (docs/architecture.md).
 * `const rt = await Runtime.start({ actors: [{ name: 'instance-file', module: 'file' }] }); … await rt.stop();`
 */
import { join } from 'node:path';
import { EventEmitter } from 'eventemitter3';
import type { Logger } from 'pino';
import type { ActorInfo, ReloadResult, Resolver } from './actor-info.js';
import type { ActorDeclaration, RestartPolicy } from './declaration.js';
import { DEFAULT_CALL_TIMEOUT_MS } from './call-chain.js';
import { loadDefinition } from './definition.js';
import {
  ActorFailedError,
  ActorNotFoundError,
  ActorRestartingError,
  ActorStartError,
  ActorStartingError,
  CallTimeoutError,
  DuplicateActorError,
  InfrakitError,
  RuntimeStoppedError,
  serializeError,
} from './errors.js';
import type { RuntimeEvents } from './events.js';
import { ExternalPlugin, connectProbe, type ExternalDeclaration, type ExternalInfo, type ExternalProbe } from './external-plugin.js';
import { infrakitHome } from './home-dirs.js';
import { createLogger, defaultLogLevel, logFormat, type LogFormat } from './logging.js';
import { builtinStateless, resolveActorModule } from './module-resolver.js';
import type { ConnectResult } from './protocol.js';
import { RestartTracker } from './restart-policy.js';
import { StatefulActor } from './stateful-actor.js';
import { StatelessActor } from './stateless-actor.js';
import { LATENCY_BUCKETS_MS, type RuntimeStats } from './stats.js';
import type { ActorCell, Supervisor } from './supervisor.js';
import { actorOf } from './util.js';

export interface RuntimeOptions {
  /** `INFRAKIT_HOME`; default env `INFRAKIT_HOME` or `~/.infrakit`. */
  readonly home?: string;
  /** Root logger; default pino to stderr at `logLevel`. */
  readonly logger?: Logger;
  /** Level for the default logger and for the actors' `ctx.log` (written by `logger`). Default `info` (`trace` with INFRAKIT_TRACE=1). */
  readonly logLevel?: string;
  /** Format of the default logger (which also writes the actors' records): `json` or `term`. Default env `INFRAKIT_LOG_FORMAT`, else `json`. */
  readonly logFormat?: LogFormat;
  /** Default mailbox capacity. Default 1024. */
  readonly mailbox?: number;
  /** Default restart policy, overridden per declaration. */
  readonly restart?: RestartPolicy;
  /** Graceful stop deadline per actor. Default 5000 ms. */
  readonly stopTimeoutMs?: number;
  /** Emit `call` events and debug-log every call made through the runtime. */
  readonly logCalls?: boolean;
  /**
   * Deadline of an actor's `ctx.call` when neither the call nor the actor's declaration
   * (`callTimeoutMs`) names one. Default 60 000 ms.
   */
  readonly callTimeoutMs?: number;
  /**
   * How long a hot reload (`reload(name)`) may take to load the new code, let the old code finish its
   * calls and run the new `create`/`restore`, before it is abandoned and the old code kept. Default 30 000 ms.
   */
  readonly reloadTimeoutMs?: number;
  /** Where external plugins serve their sockets (their `INFRAKIT_PLUGINS_DIR`). Default `$INFRAKIT_PLUGINS_DIR`, else `<home>/plugins`. */
  readonly pluginsDir?: string;
  /**
   * How an external plugin is asked whether it answers (at start and periodically). Default: its socket
   * accepts a connection; `startHost` passes the wire handshake (`handshakeProbe` from the sockets room).
   */
  readonly externalProbe?: ExternalProbe;
  /**
   * Count calls per actor (by method and outcome, with a latency histogram) where they enter and
   * leave the main thread, and have workers report their heap: what `stats()` and the observer show.
   * Default true.
   */
  readonly stats?: boolean;
}

export interface CallOptions {
  /** Reject with `CallTimeoutError` after this long (the actor still finishes the call). */
  readonly timeoutMs?: number;
  /**
   * The caller only wants the result's JSON: a stateful actor's worker may answer with a `JsonText`
   * (the result as `JSON.stringify` would write it) instead of the value. The socket front end uses it.
   */
  readonly jsonText?: boolean;
}

const NAME = /^[^/\s]+$/;

export class Runtime extends EventEmitter<RuntimeEvents> {
  readonly home: string;
  readonly log: Logger;
  readonly #logLevel: string;
  readonly #mailbox: number;
  readonly #restart: RestartPolicy | undefined;
  readonly #stopTimeoutMs: number;
  readonly #logCalls: boolean;
  readonly #stats: boolean;
  readonly #callTimeoutMs: number;
  readonly #cells = new Map<string, ActorCell>();
  readonly #externals = new Map<string, ExternalPlugin>();
  readonly #pluginsDir: string;
  readonly #probe: ExternalProbe;
  #resolver: Resolver | undefined;
  #stopping: Promise<void> | undefined;
  #relayed = 0;
  readonly #sup: Supervisor;

  constructor(opts: RuntimeOptions = {}) {
    super();
    this.home = opts.home ?? infrakitHome();
    this.#logLevel = opts.logLevel ?? opts.logger?.level ?? defaultLogLevel();
    const format = opts.logFormat ?? logFormat();
    this.log = opts.logger ?? createLogger(this.#logLevel, format);
    this.#mailbox = opts.mailbox ?? 1024;
    this.#restart = opts.restart;
    this.#stopTimeoutMs = opts.stopTimeoutMs ?? 5000;
    this.#logCalls = opts.logCalls ?? false;
    this.#stats = opts.stats ?? true;
    this.#callTimeoutMs = opts.callTimeoutMs ?? DEFAULT_CALL_TIMEOUT_MS;
    this.#pluginsDir = opts.pluginsDir ?? process.env['INFRAKIT_PLUGINS_DIR'] ?? join(this.home, 'plugins');
    this.#probe = opts.externalProbe ?? connectProbe;
    // eslint-disable-next-line @typescript-eslint/no-this-alias
    const rt = this;
    this.#sup = {
      home: this.home,
      log: this.log,
      logLevel: this.#logLevel,
      logCalls: this.#logCalls,
      stats: this.#stats,
      callTimeoutMs: this.#callTimeoutMs,
      reloadTimeoutMs: opts.reloadTimeoutMs ?? 30_000,
      emit: (event, ...args) => {
        (rt.emit as (e: string, ...a: unknown[]) => boolean)(event, ...args);
      },
      connect: (from, target) => rt.#connect(from, target),
      relay: (_from, target, method, params, chain, timeoutMs) => {
        rt.#relayed++;
        return rt.#call(target, method, params, timeoutMs, chain);
      },
      peerExited: (name, incarnation, reason) => {
        for (const cell of rt.#cells.values()) {
          if (cell instanceof StatefulActor && cell.name !== name) cell.notifyPeerExited(name, incarnation, reason);
        }
      },
      peerMoved: (name) => {
        for (const cell of rt.#cells.values()) if (cell instanceof StatefulActor) cell.notifyPeerMoved(name);
      },
    };
  }

  /**
   * A runtime with `actors`: every name is declared first, then all start at once (`addAll`), so an
   * actor that calls another while starting (the group resuming its groups) waits for it instead of
   * missing it. If one fails to start, the others are stopped.
   */
  static async start(opts: RuntimeOptions & { actors: ActorDeclaration[]; externals?: readonly ExternalDeclaration[] }): Promise<Runtime> {
    const rt = new Runtime(opts);
    const externals = opts.externals ?? [];
    try {
      // Declared first, so neither list can take a name of the other; then both start at once (the
      // group resuming its groups waits for a plugin that is still starting).
      rt.#checkExternalNames(externals, opts.actors);
      const [actors, started] = await Promise.allSettled([rt.addAll(opts.actors), rt.addExternals(externals)]);
      if (actors.status === 'rejected') throw actors.reason;
      if (started.status === 'rejected') throw started.reason;
    } catch (err) {
      await rt.stop();
      throw err;
    }
    return rt;
  }

  /**
   * Calls that went through the main thread on behalf of a worker (to the resolver, or `ctx.call`
   * from a pool thread). Direct actor-to-actor calls never add to it. For tests and diagnostics.
   */
  get relayedCalls(): number {
    return this.#relayed;
  }

  /** Declare and start an actor; resolves once it serves calls. */
  async add(decl: ActorDeclaration): Promise<ActorInfo> {
    const [info] = await this.addAll([decl]);
    return info as ActorInfo;
  }

  /**
   * Declare several actors, then start them all at once; resolves once every one serves calls.
   * From the moment they are declared, a call to one of them (from main or from another actor)
   * waits until it is ready instead of going to the resolver. If any fails to start, those that
   * failed are forgotten and this rejects with the first failure (in declaration order); the
   * others keep running.
   */
  async addAll(decls: readonly ActorDeclaration[]): Promise<ActorInfo[]> {
    if (this.#stopping) throw new RuntimeStoppedError();
    const seen = new Set<string>();
    for (const decl of decls) {
      if (typeof decl.name !== 'string' || !NAME.test(decl.name)) {
        throw new ActorStartError(String(decl.name), 'an actor name must be non-empty, without "/" or spaces');
      }
      if (this.#cells.has(decl.name) || seen.has(decl.name) || this.#externalNamed(decl.name)) throw new DuplicateActorError(decl.name);
      seen.add(decl.name);
    }
    // Whether a definition asks for a pool is only known from the module itself (for built-in kinds,
    // from module-resolver.ts, so their workers start without main importing them first). Actor
    // modules have no top-level side effects by contract, so importing one here is harmless.
    const kinds = await Promise.all(
      decls.map(async (decl) => {
        try {
          const moduleUrl = resolveActorModule(decl.module);
          const stateless =
            decl.kind !== undefined
              ? decl.kind === 'stateless'
              : (builtinStateless(decl.module) ?? (await loadDefinition(moduleUrl)).stateless === true);
          return { moduleUrl, stateless };
        } catch (err) {
          throw new ActorStartError(decl.name, err instanceof Error ? err.message : String(err), { cause: err });
        }
      }),
    );
    for (const decl of decls) if (this.#cells.has(decl.name)) throw new DuplicateActorError(decl.name);
    if (this.#stopping) throw new RuntimeStoppedError();
    // Declare every name (cells in `starting`), tell the running workers (a relay they cached for one
    // of these names is stale), then start them all.
    const cells = decls.map((decl, i) => {
      const { moduleUrl, stateless } = kinds[i] as { moduleUrl: string; stateless: boolean };
      const capacity = Math.max(1, decl.mailbox ?? this.#mailbox);
      const tracker = new RestartTracker(this.#restart, decl.restart);
      const cell: ActorCell = stateless
        ? new StatelessActor(this.#sup, decl, moduleUrl, capacity, tracker)
        : new StatefulActor(this.#sup, decl, moduleUrl, capacity, tracker);
      this.#cells.set(decl.name, cell);
      return cell;
    });
    for (const cell of cells) for (const other of this.#cells.values()) if (other !== cell) other.notifyPeerAdded(cell.name);
    const results = await Promise.allSettled(cells.map((cell) => cell.start()));
    let first: InfrakitError | undefined;
    await Promise.all(
      results.map(async (r, i) => {
        if (r.status === 'fulfilled') return;
        const cell = cells[i] as ActorCell;
        if (this.#cells.get(cell.name) === cell) this.#cells.delete(cell.name);
        await cell.stop(0).catch(() => undefined);
      }),
    );
    for (const [i, r] of results.entries()) {
      if (r.status === 'rejected' && first === undefined) {
        const name = (cells[i] as ActorCell).name;
        first = r.reason instanceof InfrakitError ? r.reason : new ActorStartError(name, String(r.reason), { cause: r.reason });
      }
    }
    if (first !== undefined) throw first;
    return cells.map((c) => c.info());
  }

  /**
   * Start an external plugin (an executable serving InfraKit sockets, in any language) and supervise
   * it like an actor: resolves once each of its sockets answers the probe; rejects `ActorStartError`
   * (nothing left running) if it exits first or does not answer within `startTimeoutMs`.
   */
  async addExternal(decl: ExternalDeclaration): Promise<ExternalInfo> {
    const [info] = await this.addExternals([decl]);
    return info as ExternalInfo;
  }

  /** Start several external plugins at once; if one fails, the others started by this call are stopped and the first failure rejects. */
  async addExternals(decls: readonly ExternalDeclaration[]): Promise<ExternalInfo[]> {
    if (this.#stopping) throw new RuntimeStoppedError();
    this.#checkExternalNames(decls, []);
    const plugins = decls.map(
      (decl) =>
        new ExternalPlugin(this.#sup, decl, {
          pluginsDir: this.#pluginsDir,
          probe: this.#probe,
          stopTimeoutMs: this.#stopTimeoutMs,
          ...(this.#restart === undefined ? {} : { restart: this.#restart }),
        }),
    );
    for (const p of plugins) this.#externals.set(p.name, p);
    const results = await Promise.allSettled(plugins.map((p) => p.start()));
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed !== undefined) {
      await Promise.all(
        plugins.map(async (p) => {
          if (this.#externals.get(p.name) === p) this.#externals.delete(p.name);
          await p.stop();
        }),
      );
      throw failed.reason;
    }
    return plugins.map((p) => p.info());
  }

  /** Stop an external plugin (TERM, then KILL; its sockets removed) and forget it. */
  async removeExternal(name: string): Promise<void> {
    const p = this.#externals.get(name);
    if (p === undefined) throw new ActorNotFoundError(name);
    this.#externals.delete(name);
    await p.stop();
  }

  /** The external plugins: status, pid, restarts, sockets. */
  externals(): ExternalInfo[] {
    return [...this.#externals.values()].map((p) => p.info());
  }

  externalInfo(name: string): ExternalInfo | undefined {
    return this.#externals.get(name)?.info();
  }

  /** The external plugin named `name` or serving socket `name`. */
  #externalNamed(name: string): ExternalPlugin | undefined {
    for (const p of this.#externals.values()) if (p.name === name || p.sockets.includes(name)) return p;
    return undefined;
  }

  /** Refuses external plugins whose name or sockets another actor or external plugin already takes. */
  #checkExternalNames(decls: readonly ExternalDeclaration[], actors: readonly ActorDeclaration[]): void {
    const taken = new Set<string>([...this.#cells.keys(), ...actors.map((a) => a.name)]);
    for (const p of this.#externals.values()) for (const n of [p.name, ...p.sockets]) taken.add(n);
    for (const decl of decls) {
      const names = new Set<unknown>([decl?.name, ...(Array.isArray(decl?.sockets) ? (decl.sockets as readonly unknown[]) : [])]);
      for (const n of names) {
        if (typeof n !== 'string') continue;
        if (taken.has(n)) throw new DuplicateActorError(n);
      }
      for (const n of names) if (typeof n === 'string') taken.add(n);
    }
  }

  /** Stop an actor gracefully and forget it. */
  async remove(name: string): Promise<void> {
    const cell = this.#cells.get(name);
    if (cell === undefined) throw new ActorNotFoundError(name);
    this.#cells.delete(name);
    await cell.stop(this.#stopTimeoutMs);
  }

  /**
   * Call `method` on actor `name`. Only the part of `name` before the first `/` picks the actor
   * (`'simulator/compute'` → actor `simulator`); `params` go untouched. Names with no local actor
   * go to the resolver (called with that first part).
   */
  call<R = unknown>(name: string, method: string, params?: unknown, opts?: CallOptions): Promise<R> {
    return this.#call(name, method, params, opts?.timeoutMs, undefined, opts?.jsonText) as Promise<R>;
  }

  /** `chain`: the actors a relayed call passed through (a call to the resolver leaves the process and drops it). */
  #call(
    name: string,
    method: string,
    params: unknown,
    timeoutMs: number | undefined,
    chain: readonly string[] | undefined,
    jsonText?: boolean,
  ): Promise<unknown> {
    if (this.#stopping) return Promise.reject(new RuntimeStoppedError());
    const base = actorOf(name);
    const cell = this.#cells.get(base);
    if (cell !== undefined) return cell.call(method, params, timeoutMs, chain, jsonText);
    return this.#callRemote(base, method, params, timeoutMs);
  }

  async #callRemote(name: string, method: string, params: unknown, timeoutMs: number | undefined): Promise<unknown> {
    // A socket of an external plugin that is not serving: say so, as for an actor, instead of "not found".
    const ext = this.#externalNamed(name);
    if (ext !== undefined && ext.sockets.includes(name)) {
      switch (ext.status) {
        case 'starting':
          throw new ActorStartingError(name);
        case 'restarting':
          throw new ActorRestartingError(name);
        case 'failed':
          throw new ActorFailedError(name, ext.info().failure ?? 'restart intensity exceeded');
        default:
          break;
      }
    }
    const target = this.#resolver ? await this.#resolver(name) : undefined;
    if (target === undefined) throw new ActorNotFoundError(name);
    if (timeoutMs === undefined) return target.call(method, params);
    let timer: NodeJS.Timeout | undefined;
    try {
      return await Promise.race([
        target.call(method, params),
        new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new CallTimeoutError(name, method, timeoutMs)), timeoutMs))),
      ]);
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * A typed proxy: `rt.actor<Instance>('sim', 'Instance').Provision(spec)` calls
   * `Instance.Provision` on `sim`. Without `service`, the property name is the method name.
   */
  actor<T extends object>(name: string, service?: string): T {
    return new Proxy({} as T, {
      get: (_target, prop) => {
        // Not thenable, so `await rt.actor(...)` does not turn into a call.
        if (typeof prop !== 'string' || prop === 'then') return undefined;
        const method = service ? `${service}.${prop}` : prop;
        return (params?: unknown) => this.call(name, method, params);
      },
    });
  }

  /**
   * Hot reload: load actor `name`'s module (and every file it imports) afresh in new worker(s), and
   * switch to it without dropping a call: calls in flight finish on the old code, new ones wait (in the
   * mailbox's bound) and then run on the new code; the socket stays bound. State carries over when the
   * actor defines `snapshot()` and `restore(state)`; without them the new code starts fresh. A reload
   * that fails (syntax error, `create` throws, no definition) rejects `ReloadFailedError` and leaves the
   * old code serving. Events: `actor:reloading`, then `actor:reloaded` or `actor:reload-failed`; the
   * last one is also in `info(name).reload`. A reload asked for during one runs once after it.
   */
  reload(name: string): Promise<ReloadResult> {
    if (this.#stopping) return Promise.reject(new RuntimeStoppedError());
    const cell = this.#cells.get(name);
    if (cell === undefined) return Promise.reject(new ActorNotFoundError(name));
    return cell.reload();
  }

  info(name: string): ActorInfo | undefined {
    return this.#cells.get(name)?.info();
  }

  list(): ActorInfo[] {
    return [...this.#cells.values()].map((c) => c.info());
  }

  /**
   * Every actor's figures now: status, mailbox depth and bound, calls by method and outcome with a
   * latency histogram (`LATENCY_BUCKETS_MS`), restarts, and each worker's heap as last reported.
   * Counts are cumulative since the runtime started (across restarts). Cheap: no hop to a worker.
   */
  stats(): RuntimeStats {
    return {
      collecting: this.#stats,
      at: Date.now(),
      latencyBucketsMs: LATENCY_BUCKETS_MS,
      actors: [...this.#cells.values()].map((c) => c.stats()),
    };
  }

  /**
   * FOR TESTS ONLY (fault injection): `worker.terminate()` the current worker of the stateful actor
   * `name`, as if it were killed from outside; supervision then runs as for any crash. Resolves once
   * the worker is gone. Not part of the public contract.
   */
  terminateWorkerForTest(name: string): Promise<void> {
    const cell = this.#cells.get(name);
    if (!(cell instanceof StatefulActor)) return Promise.reject(new ActorNotFoundError(name));
    return cell.terminateWorker();
  }

  /** Where names with no local actor go (plugins in other processes). */
  setResolver(r: Resolver): void {
    this.#resolver = r;
  }

  /**
   * Stop: refuse new calls (`RuntimeStoppedError`), let running calls finish within the deadline,
   * abort each actor's signal and run its `stop()`, then terminate the workers. Idempotent.
   */
  stop(opts: { timeoutMs?: number } = {}): Promise<void> {
    this.#stopping ??= (async () => {
      const timeoutMs = opts.timeoutMs ?? this.#stopTimeoutMs;
      const cells = [...this.#cells.values()];
      await Promise.all(cells.map((c) => c.stop(timeoutMs).catch((err: unknown) => this.log.warn({ err, actor: c.name }, 'stop failed'))));
      // External plugins last: actors may still call them while they stop.
      const externals = [...this.#externals.values()];
      await Promise.all(externals.map((p) => p.stop().catch((err: unknown) => this.log.warn({ err, actor: p.name }, 'stop failed'))));
      this.log.debug('runtime stopped');
    })();
    return this.#stopping;
  }

  #connect(from: string, target: string): ConnectResult | Promise<ConnectResult> {
    const cell = this.#cells.get(target);
    if (this.#stopping) return { mode: 'error', error: serializeError(new RuntimeStoppedError()) };
    // Stateful targets and stateless pools alike get a direct port; only names with no local actor
    // (the resolver: plugins in other processes) are relayed through main.
    if (cell !== undefined) return cell.openPeer(from);
    return { mode: 'relay' };
  }
}
