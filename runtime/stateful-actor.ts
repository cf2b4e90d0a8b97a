/**
 * Main-thread side of a stateful actor: one dedicated worker (runtime/actor-host.ts), its control
 * channel, the shared mailbox counter, the pending-call map, and supervision (starting → running →
 * restarting → … → failed / stopped; diagram in docs/architecture.md, "Supervision"). Calls during
 * the first start wait (bounded, each within its deadline); during a restart they are refused with
 * `ActorRestartingError`; once failed, `ActorFailedError`.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { MessageChannel, Worker, receiveMessageOnPort, type MessagePort } from 'node:worker_threads';
import type { Logger } from 'pino';
import type { ActorManifest } from './actor.js';
import type { ActorInfo, ActorStatus, MethodDoc, ReloadResult, ReloadStatus } from './actor-info.js';
import { assertNever } from './assert-never.js';
import { BatchPort, eachMessage } from './batch-port.js';
import { resourceLimitsOf, type ActorDeclaration } from './declaration.js';
import {
  ActorExitedError,
  ActorFailedError,
  ActorRestartingError,
  ActorStartError,
  ActorStartingError,
  CallTimeoutError,
  type InfrakitError,
  InvalidParamsError,
  MailboxFullError,
  ReloadFailedError,
  RuntimeStoppedError,
  reviveError,
  serializeError,
} from './errors.js';
import type { ConnectResult, FromWorker, StartMessage, ToWorker } from './protocol.js';
import { workerRecordLogger, writeWorkerRecord } from './logging.js';
import { Mailbox } from './mailbox.js';
import { JsonText, postReply } from './reply.js';
import type { RestartTracker } from './restart-policy.js';
import { StartWaiters } from './start-waiters.js';
import { CallCounters, HEAP_REPORT_MS, type ActorStats } from './stats.js';
import type { ActorCell, Supervisor } from './supervisor.js';
import { RerunAfter } from './util.js';

const HOST_URL = new URL('./actor-host.js', import.meta.url);

interface Pending {
  resolve(v: unknown): void;
  reject(e: unknown): void;
  readonly method: string;
  readonly t0: number;
  timer: NodeJS.Timeout | undefined;
}

/** A message a hot reload waits for, or the exit of the worker it waits on. */
type ReloadSignal = FromWorker | { readonly type: 'exit'; readonly reason: string };

/** A call from main that arrived during a hot reload: it waits (bounded) for the new code. */
interface Held {
  readonly method: string;
  readonly params: unknown;
  readonly chain: readonly string[] | undefined;
  readonly jsonText: boolean | undefined;
  /** Absolute deadline (ms since epoch), when the call has one. */
  readonly deadline: number | undefined;
  readonly timeoutMs: number | undefined;
  resolve(v: unknown): void;
  reject(e: unknown): void;
  timer: NodeJS.Timeout | undefined;
}

/** One incarnation: a worker, its control port and its mailbox counter. */
interface Incarnation {
  readonly n: number;
  /** `current` serves; `candidate` is a reload's new worker, not serving yet; `retired` is the old code, leaving. */
  role: 'current' | 'candidate' | 'retired';
  exited: boolean;
  /** What a reload in progress waits for from this worker. */
  onReload: ((m: ReloadSignal) => void) | undefined;
  readonly worker: Worker;
  readonly port: MessagePort;
  /** Everything main posts on `port`: calls batched per turn, other messages after them (batch-port.ts). */
  readonly out: BatchPort<ToWorker>;
  readonly mailbox: Mailbox;
  ready: boolean;
  /** Posted `crash`: its exit is imminent, so take no new calls and hand out no ports. */
  dying: boolean;
  threadId: number;
  /** Why it is going away, as reported by the worker before it exits. */
  reason: string | undefined;
  stopped: (() => void) | undefined;
  /** Writes the worker's `ctx.log` records (made on the first one). */
  log: Logger | undefined;
}

export class StatefulActor implements ActorCell {
  readonly kind = 'stateful' as const;
  readonly #sup: Supervisor;
  readonly #decl: ActorDeclaration;
  readonly #moduleUrl: string;
  readonly #capacity: number;
  readonly #tracker: RestartTracker;
  readonly #log: Logger;
  readonly #pending = new Map<number, Pending>();
  readonly #counters = new CallCounters();
  #nextId = 1;
  #status: ActorStatus = 'starting';
  #inc: Incarnation | undefined;
  #incarnations = 0;
  #manifest: ActorManifest | undefined;
  #methods: MethodDoc[] = [];
  #restarts = 0;
  #failure: string | undefined;
  #restartTimer: NodeJS.Timeout | undefined;
  #firstStart: { resolve(): void; reject(e: unknown): void } | undefined;
  /** The first start, for calls and connects that wait on it; undefined before start(). */
  #started: Promise<void> | undefined;
  readonly #startWaiters: StartWaiters;
  /** Calls waiting for the first start (at most `capacity`). */
  #stopping: Promise<void> | undefined;
  /** Code version: 1 at the first start, one more per successful reload. */
  #version = 1;
  #reloadStatus: ReloadStatus | undefined;
  /** The reload under way, and one asked for meanwhile (runs after it, once, whoever asked). */
  readonly #reloads = new RerunAfter<ReloadResult>(() => this.#reloadOnce());
  /** While true, calls from main wait in `#held` instead of going to a worker. */
  #holding = false;
  #held: Held[] = [];
  /** Fails the step a reload is waiting on (the old worker crashed, the actor is stopping). */
  #abortReload: ((reason: string) => void) | undefined;
  /** A reload's new worker, and old workers still leaving. */
  #candidate: Incarnation | undefined;
  readonly #retired = new Set<Incarnation>();

  constructor(sup: Supervisor, decl: ActorDeclaration, moduleUrl: string, capacity: number, tracker: RestartTracker) {
    this.#sup = sup;
    this.#decl = decl;
    this.#moduleUrl = moduleUrl;
    this.#capacity = capacity;
    this.#tracker = tracker;
    this.#log = sup.log.child({ actor: decl.name });
    this.#startWaiters = new StartWaiters(decl.name, capacity, sup);
  }

  get name(): string {
    return this.#decl.name;
  }

  get status(): ActorStatus {
    return this.#status;
  }

  start(): Promise<void> {
    this.#started ??= new Promise<void>((resolve, reject) => {
      this.#firstStart = { resolve, reject };
      this.#boot();
    });
    return this.#started;
  }

  get #callTimeoutMs(): number {
    return this.#decl.callTimeoutMs ?? this.#sup.callTimeoutMs;
  }

  #boot(): void {
    this.#inc = this.#spawn(false);
  }

  /** A new worker for the module; `hold`: a reload's, which loads and waits for `create`. */
  #spawn(hold: boolean): Incarnation {
    const n = ++this.#incarnations;
    const mailbox = new Mailbox(this.#capacity);
    const { port1, port2 } = new MessageChannel();
    const worker = new Worker(HOST_URL, { name: `infrakit:${this.name}`, resourceLimits: resourceLimitsOf(this.#decl) });
    const inc: Incarnation = {
      n,
      role: hold ? 'candidate' : 'current',
      exited: false,
      onReload: undefined,
      worker,
      port: port1,
      out: new BatchPort<ToWorker>(port1, (m, err) => this.#unsendable(mailbox, m, err)),
      mailbox,
      ready: false,
      dying: false,
      threadId: worker.threadId,
      reason: undefined,
      stopped: undefined,
      log: undefined,
    };
    const start: StartMessage = {
      type: 'start',
      port: port2,
      name: this.name,
      moduleUrl: this.#moduleUrl,
      options: this.#decl.options ?? {},
      home: this.#sup.home,
      logLevel: this.#sup.logLevel,
      counter: mailbox.buffer,
      callTimeoutMs: this.#callTimeoutMs,
      heapReportMs: this.#sup.stats ? HEAP_REPORT_MS : 0,
      ...(hold ? { hold: true as const } : {}),
    };
    worker.postMessage(start, [port2]);
    port1.on('message', (m: FromWorker | FromWorker[]) => eachMessage(m, (x) => this.#onMessage(inc, x)));
    worker.on('error', (err) => {
      inc.reason ??= err instanceof Error ? err.message : String(err);
    });
    // The worker's last messages (its `crash` report, late replies) may still sit in the control
    // port when 'exit' fires. They are already queued there (a post enqueues at once), so take them
    // synchronously, then handle the exit: the crash report is never overtaken, and nothing waits
    // for the port's 'close' (which a terminated worker's port may never emit).
    worker.once('exit', (code) => {
      for (let m = receiveMessageOnPort(port1); m !== undefined; m = receiveMessageOnPort(port1))
        eachMessage(m.message as FromWorker | FromWorker[], (x) => this.#onMessage(inc, x));
      this.#onExit(inc, code);
    });
    return inc;
  }

  #onMessage(inc: Incarnation, m: FromWorker): void {
    switch (m.type) {
      case 'reply': {
        const p = this.#pending.get(m.id);
        if (p === undefined) return; // timed out, or rejected on exit already
        this.#pending.delete(m.id);
        if (p.timer !== undefined) clearTimeout(p.timer);
        if (this.#sup.stats) this.#counters.record(p.method, m.ok, performance.now() - p.t0);
        if (this.#sup.logCalls) this.#logCall(p, m.ok);
        if (m.ok) p.resolve(m.json === true ? new JsonText(m.value as string | Uint8Array) : m.value);
        else p.reject(reviveError(m.error));
        return;
      }
      case 'loaded':
      case 'paused':
      case 'pause-failed':
        inc.onReload?.(m);
        return;
      case 'ready': {
        if (inc.role === 'candidate') {
          inc.onReload?.(m);
          return;
        }
        inc.ready = true;
        inc.threadId = m.threadId;
        this.#manifest = m.manifest;
        this.#methods = m.methods;
        if (this.#status === 'stopping') return;
        this.#status = 'running';
        this.#log.debug({ threadId: m.threadId }, 'actor started');
        this.#sup.emit('actor:started', { name: this.name, threadId: m.threadId, restarts: this.#restarts });
        const first = this.#firstStart;
        this.#firstStart = undefined;
        first?.resolve();
        return;
      }
      case 'start-failed':
      case 'crash':
        inc.reason = `${m.error.name}: ${m.error.message}`;
        inc.dying = true;
        this.#log.warn({ err: m.error }, m.type === 'crash' ? 'actor crashed' : 'actor failed to start');
        return;
      case 'event':
        this.#sup.emit('actor:event', { actor: this.name, type: m.event, payload: m.payload });
        return;
      case 'log':
        if (inc.log === undefined) inc.log = workerRecordLogger(this.#sup.log, this.name, inc.threadId, this.#sup.logLevel);
        writeWorkerRecord(inc.log, m.record);
        return;
      case 'connect': {
        const result = this.#sup.connect(this.name, m.target);
        if (result instanceof Promise) void result.then((r) => this.#postConnected(inc, m.id, m.target, r));
        else this.#postConnected(inc, m.id, m.target, result);
        return;
      }
      case 'relay-call':
        this.#sup.relay(this.name, m.target, m.method, m.params, m.chain, m.timeoutMs).then(
          (value) => this.#postRelay(inc, { type: 'relay-reply', id: m.id, ok: true, value }),
          (err: unknown) => this.#postRelay(inc, { type: 'relay-reply', id: m.id, ok: false, error: serializeError(err) }),
        );
        return;
      case 'mailbox-full':
        this.#sup.emit('mailbox:full', { name: m.target, capacity: m.capacity });
        return;
      case 'heap':
        this.#counters.addDirect(m.direct);
        if (this.#inc === inc) this.#counters.setHeap(m.heap);
        return;
      case 'stopped':
        inc.stopped?.();
        return;
      default:
        assertNever(m);
    }
  }

  #postConnected(inc: Incarnation, id: number, target: string, result: ConnectResult): void {
    if (inc.exited) {
      // The asking worker is gone (it waited on a starting target): the port would lead nowhere.
      if (result.mode === 'port') result.port.close();
      return;
    }
    inc.out.post({ type: 'connected', id, target, result } satisfies ToWorker, result.mode === 'port' ? [result.port] : []);
  }

  #postRelay(inc: Incarnation, m: Extract<ToWorker, { type: 'relay-reply' }>): void {
    // A retired worker still gets its relayed answers: it may be finishing the call that made them.
    if (inc.exited) return;
    inc.out.flush();
    postReply(inc.port, m);
  }

  /** A queued call whose params structured clone refused: it fails alone, as `InvalidParamsError`. */
  #unsendable(mailbox: Mailbox, m: ToWorker, err: unknown): void {
    if (m.type !== 'call') return;
    const p = this.#pending.get(m.id);
    mailbox.leave();
    if (p === undefined) return;
    this.#pending.delete(m.id);
    if (p.timer !== undefined) clearTimeout(p.timer);
    p.reject(new InvalidParamsError(`params cannot be sent to the actor: ${(err as Error).message}`, { cause: err }));
  }

  #logCall(p: Pending, ok: boolean): void {
    const ms = performance.now() - p.t0;
    this.#sup.emit('call', { actor: this.name, method: p.method, ms, ok });
    this.#log.debug({ method: p.method, ms, ok }, 'call');
  }

  #onExit(inc: Incarnation, code: number): void {
    inc.out.close();
    inc.port.close();
    inc.exited = true;
    if (inc.role !== 'current') {
      // A reload's worker: the new one that did not come up, or the old one leaving. Neither holds calls from main.
      const why = inc.reason ?? (inc.role === 'retired' ? 'reloaded' : `worker exited with code ${code}`);
      this.#retired.delete(inc);
      if (this.#candidate === inc) this.#candidate = undefined;
      this.#counters.dropHeap(inc.threadId);
      this.#sup.peerExited(this.name, inc.n, why);
      inc.stopped?.();
      inc.onReload?.({ type: 'exit', reason: why });
      return;
    }
    const stopping = this.#status === 'stopping' || this.#status === 'stopped';
    const reason = stopping ? 'stopped' : (inc.reason ?? `worker exited with code ${code}`);
    if (this.#inc === inc) this.#inc = undefined;
    // Nothing waits on a dead worker: reject every pending call at once.
    this.#counters.dropHeap(inc.threadId);
    const now = performance.now();
    for (const p of this.#pending.values()) {
      if (p.timer !== undefined) clearTimeout(p.timer);
      if (this.#sup.stats) this.#counters.record(p.method, false, now - p.t0);
      if (this.#sup.logCalls) this.#logCall(p, false);
      p.reject(new ActorExitedError(this.name, reason));
    }
    this.#pending.clear();
    this.#sup.peerExited(this.name, inc.n, reason);
    this.#sup.emit('actor:exited', { name: this.name, threadId: inc.threadId, reason, exitCode: code });
    inc.stopped?.();

    if (stopping) return;
    this.#abortReload?.(`the running worker exited: ${reason}`);
    if (!inc.ready && this.#firstStart) {
      // Died while booting the first time: the caller of add() hears it; no respawn loop.
      const first = this.#firstStart;
      this.#firstStart = undefined;
      this.#status = 'stopped';
      first.reject(new ActorStartError(this.name, reason));
      return;
    }
    const d = this.#tracker.next();
    if (!d.restart) {
      this.#status = 'failed';
      this.#failure = `restarted ${d.restartsInWindow} times within ${this.#tracker.policy.withinMs} ms; last: ${reason}`;
      this.#log.error({ reason }, 'actor failed: restart intensity exceeded');
      this.#sup.emit('actor:failed', { name: this.name, reason: this.#failure });
      return;
    }
    this.#status = 'restarting';
    this.#restarts++;
    this.#log.info({ attempt: d.attempt, delayMs: d.delayMs, reason }, 'restarting actor');
    this.#sup.emit('actor:restarted', { name: this.name, attempt: d.attempt, delayMs: d.delayMs });
    this.#restartTimer = setTimeout(() => {
      this.#restartTimer = undefined;
      if (this.#status === 'restarting') this.#boot();
    }, d.delayMs);
  }

  call(method: string, params: unknown, timeoutMs: number | undefined, chain?: readonly string[], jsonText?: boolean): Promise<unknown> {
    const inc = this.#inc;
    if (this.#holding && this.#status === 'running') return this.#hold(method, params, timeoutMs, chain, jsonText);
    if (this.#status !== 'running' || inc === undefined || !inc.ready || inc.dying) {
      if (this.#status === 'starting' && this.#started !== undefined)
        return this.#callWhenStarted(method, params, timeoutMs, chain, jsonText);
      return Promise.reject(this.#notRunning());
    }
    if (!inc.mailbox.tryEnter()) {
      this.#counters.mailboxFull++;
      this.#sup.emit('mailbox:full', { name: this.name, capacity: this.#capacity });
      return Promise.reject(new MailboxFullError(this.name, this.#capacity));
    }
    const id = this.#nextId++;
    return new Promise((resolve, reject) => {
      const p: Pending = { resolve, reject, method, t0: this.#sup.stats || this.#sup.logCalls ? performance.now() : 0, timer: undefined };
      this.#pending.set(id, p);
      // Posted with the other calls of this turn (batch-port.ts); params that cannot be cloned fail
      // this call alone (`#unsendable`). Calls from main carry no chain field at all.
      inc.out.push(
        chain !== undefined && chain.length > 0
          ? ({ type: 'call', id, method, params, chain } satisfies ToWorker)
          : jsonText === true
            ? ({ type: 'call', id, method, params, json: true } satisfies ToWorker)
            : ({ type: 'call', id, method, params } satisfies ToWorker),
      );
      if (timeoutMs !== undefined) {
        p.timer = setTimeout(() => {
          if (!this.#pending.delete(id)) return;
          if (this.#sup.stats) this.#counters.record(method, false, performance.now() - p.t0);
          reject(new CallTimeoutError(this.name, method, timeoutMs));
        }, timeoutMs);
      }
    });
  }

  /** A call during a reload: it waits for the new code, in the mailbox's bound (with what the old worker still holds). */
  #hold(
    method: string,
    params: unknown,
    timeoutMs: number | undefined,
    chain: readonly string[] | undefined,
    jsonText?: boolean,
  ): Promise<unknown> {
    if (this.#held.length + (this.#inc?.mailbox.depth ?? 0) >= this.#capacity) {
      this.#sup.emit('mailbox:full', { name: this.name, capacity: this.#capacity });
      return Promise.reject(new MailboxFullError(this.name, this.#capacity));
    }
    return new Promise((resolve, reject) => {
      const h: Held = {
        method,
        params,
        chain,
        jsonText,
        timeoutMs,
        deadline: timeoutMs === undefined ? undefined : Date.now() + timeoutMs,
        resolve,
        reject,
        timer: undefined,
      };
      if (timeoutMs !== undefined) {
        h.timer = setTimeout(() => {
          const i = this.#held.indexOf(h);
          if (i >= 0) this.#held.splice(i, 1);
          reject(new CallTimeoutError(this.name, method, timeoutMs));
        }, timeoutMs);
      }
      this.#held.push(h);
    });
  }

  /** The reload is over (either way): the held calls go, in order, to whichever worker now serves. */
  #flushHeld(): void {
    this.#holding = false;
    const held = this.#held;
    this.#held = [];
    for (const h of held) {
      if (h.timer !== undefined) clearTimeout(h.timer);
      const left = h.deadline === undefined ? undefined : Math.max(1, h.deadline - Date.now());
      this.call(h.method, h.params, left, h.chain, h.jsonText).then(
        (v) => h.resolve(v),
        (e: unknown) => h.reject(e),
      );
    }
  }

  /** One reload at a time; asked during one, it loads once more after it (the file may have changed since). */
  reload(): Promise<ReloadResult> {
    return this.#reloads.run();
  }

  /**
   * The new worker loads the module beside the old one; the old one finishes what it took and hands
   * over its `snapshot()`; the new one runs `create` and `restore`; then calls go to it and the old one
   * leaves. Meanwhile calls from main wait in `#held`, and calls from other actors wait in the old
   * worker (answered `ActorReloadedError`, and sent again, if it retires first). Any failure on the way
   * leaves the old worker serving.
   */
  async #reloadOnce(): Promise<ReloadResult> {
    const old = this.#inc;
    if (this.#status !== 'running' || old === undefined || !old.ready || old.dying)
      throw new ReloadFailedError(this.name, `the actor is ${this.#status}, not running`);
    const version = this.#version + 1;
    const t0 = performance.now();
    const at = new Date().toISOString();
    const deadline = Date.now() + this.#sup.reloadTimeoutMs;
    this.#reloadStatus = { state: 'reloading', version, at };
    this.#sup.emit('actor:reloading', { name: this.name, version });
    this.#log.info({ version }, 'reloading actor');
    this.#holding = true;
    const next = this.#spawn(true);
    this.#candidate = next;
    let paused = false;
    let ready: Extract<FromWorker, { type: 'ready' }>;
    let state: Extract<FromWorker, { type: 'paused' }>;
    try {
      await this.#expect(next, 'loaded', deadline);
      // Through the batch port: calls queued this turn reach the old worker before `pause` does.
      old.out.post({ type: 'pause' } satisfies ToWorker);
      paused = true;
      try {
        state = await this.#expect(old, 'paused', deadline);
      } catch (err) {
        if ((err as { pauseFailed?: boolean }).pauseFailed === true) paused = false; // it resumed by itself
        throw err;
      }
      next.out.post({ type: 'create', hasState: state.hasState, state: state.state } satisfies ToWorker);
      ready = await this.#expect(next, 'ready', deadline);
    } catch (err) {
      const reason = err instanceof Error ? err.message : String(err);
      const ms = performance.now() - t0;
      if (this.#candidate === next) this.#candidate = undefined;
      if (!next.exited) void next.worker.terminate();
      if (paused && !old.exited) old.out.post({ type: 'resume' } satisfies ToWorker);
      this.#flushHeld();
      this.#reloadStatus = { state: 'failed', version, at, ms, error: reason };
      this.#log.error({ version, reason }, 'reload failed; the old code keeps serving');
      this.#sup.emit('actor:reload-failed', { name: this.name, version, ms, reason });
      throw new ReloadFailedError(this.name, reason, { cause: err });
    }
    // Hand over: calls go to the new worker; other actors connect to it for their next call.
    next.role = 'current';
    next.ready = true;
    next.threadId = ready.threadId;
    this.#candidate = undefined;
    this.#inc = next;
    this.#manifest = ready.manifest;
    this.#methods = ready.methods;
    this.#version = version;
    old.role = 'retired';
    this.#retired.add(old);
    // Same actor, new worker: the call counters carry on; the heap shown is the new worker's (it reports once ready).
    this.#counters.dropHeap(old.threadId);
    this.#sup.peerMoved(this.name);
    void this.#retire(old);
    this.#flushHeld();
    const ms = performance.now() - t0;
    const stateCarried = ready.restored === true;
    this.#reloadStatus = { state: 'ok', version, at, ms, stateCarried };
    this.#log.info({ version, ms: Math.round(ms), stateCarried, threadId: ready.threadId }, 'actor reloaded');
    this.#sup.emit('actor:reloaded', { name: this.name, version, ms, stateCarried });
    return { name: this.name, version, ms, stateCarried };
  }

  /** Wait for message `type` from `inc` during a reload; fails on its exit, on `pause-failed`, past `deadline`, or on abort. */
  #expect<T extends 'loaded' | 'paused' | 'ready'>(inc: Incarnation, type: T, deadline: number): Promise<Extract<FromWorker, { type: T }>> {
    return new Promise((resolve, reject) => {
      if (inc.exited) {
        reject(new Error(inc.reason ?? 'the worker exited'));
        return;
      }
      const done = (err: Error | undefined, m?: Extract<FromWorker, { type: T }>): void => {
        clearTimeout(timer);
        inc.onReload = undefined;
        this.#abortReload = undefined;
        if (err !== undefined) reject(err);
        else resolve(m as Extract<FromWorker, { type: T }>);
      };
      const what = type === 'paused' ? 'the old code to finish its calls' : type === 'loaded' ? 'the module to load' : 'create()';
      const timer = setTimeout(
        () => done(new Error(`timed out after ${this.#sup.reloadTimeoutMs} ms waiting for ${what}`)),
        Math.max(0, deadline - Date.now()),
      );
      this.#abortReload = (reason) => done(new Error(reason));
      inc.onReload = (m) => {
        if (m.type === type) done(undefined, m as Extract<FromWorker, { type: T }>);
        else if (m.type === 'pause-failed')
          done(Object.assign(new Error(`snapshot() failed: ${m.error.name}: ${m.error.message}`), { pauseFailed: true }));
        else if (m.type === 'exit') done(new Error(m.reason));
      };
    });
  }

  /** The old worker leaves: it answers what it did not run with `ActorReloadedError`, runs `stop()`, and is terminated. */
  async #retire(inc: Incarnation): Promise<void> {
    if (inc.exited) return;
    const timeoutMs = this.#sup.reloadTimeoutMs;
    const acked = new Promise<void>((resolve) => (inc.stopped = resolve));
    inc.out.post({ type: 'stop', timeoutMs, reloaded: true } satisfies ToWorker);
    const margin = new AbortController();
    await Promise.race([acked, sleep(timeoutMs + 500, undefined, { signal: margin.signal }).catch(() => undefined)]);
    margin.abort();
    if (!inc.exited) await inc.worker.terminate();
  }

  /** A call that arrived during the first start: wait for it (bounded), then call with the time left. */
  async #callWhenStarted(
    method: string,
    params: unknown,
    timeoutMs: number | undefined,
    chain: readonly string[] | undefined,
    jsonText: boolean | undefined,
  ): Promise<unknown> {
    const left = await this.#startWaiters.wait(this.#started as Promise<void>, method, timeoutMs);
    return this.call(method, params, left, chain, jsonText);
  }

  #notRunning(): InfrakitError {
    switch (this.#status) {
      case 'failed':
        return new ActorFailedError(this.name, this.#failure ?? 'unknown');
      case 'stopping':
      case 'stopped':
        return new RuntimeStoppedError(`actor '${this.name}' is stopped`);
      case 'starting':
        return new ActorStartingError(this.name);
      case 'restarting':
      case 'running':
        return new ActorRestartingError(this.name);
      default:
        return assertNever(this.#status);
    }
  }

  /** A direct channel from actor `from` to this actor's current worker; waits while the actor first starts. */
  openPeer(from: string): ConnectResult | Promise<ConnectResult> {
    const inc = this.#inc;
    const reloading = this.#reloads.current;
    if (this.#holding && reloading !== undefined && this.#status === 'running') {
      // The reload's own create() calling itself would wait for itself.
      if (from === this.name) return { mode: 'error', error: serializeError(new ActorStartingError(this.name)) };
      const again = (): ConnectResult | Promise<ConnectResult> => this.openPeer(from);
      return reloading.then(again, again);
    }
    if (this.#status === 'starting' && this.#started !== undefined) {
      // Its own create() calling itself would wait for itself: refuse that at once.
      if (from === this.name) return { mode: 'error', error: serializeError(new ActorStartingError(this.name)) };
      return this.#started.then(
        () => this.openPeer(from),
        (err: unknown) => ({ mode: 'error', error: serializeError(err) }),
      );
    }
    if (this.#status !== 'running' || inc === undefined || !inc.ready || inc.dying)
      return { mode: 'error', error: serializeError(this.#notRunning()) };
    const { port1, port2 } = new MessageChannel();
    inc.out.post({ type: 'peer', from, port: port2 } satisfies ToWorker, [port2]);
    return { mode: 'port', port: port1, counter: inc.mailbox.buffer, capacity: this.#capacity, incarnation: inc.n };
  }

  notifyPeerAdded(name: string): void {
    // A worker still in create() gets it too: its port queues the message until it listens.
    if (name === this.name) return;
    for (const inc of [this.#inc, this.#candidate])
      if (inc !== undefined && !inc.dying && !inc.exited) inc.out.post({ type: 'peer-added', target: name } satisfies ToWorker);
  }

  /** Tell this actor's worker that a target's incarnation is gone. */
  notifyPeerExited(target: string, incarnation: number, reason: string): void {
    const inc = this.#inc;
    if (inc !== undefined && inc.ready && !inc.exited)
      inc.out.post({ type: 'peer-exited', target, incarnation, reason } satisfies ToWorker);
    const next = this.#candidate;
    if (next !== undefined && !next.exited) next.out.post({ type: 'peer-exited', target, incarnation, reason } satisfies ToWorker);
  }

  /** Tell this actor's workers that `target` has new code: their next call to it connects again. */
  notifyPeerMoved(target: string): void {
    if (target === this.name) return;
    for (const inc of [this.#inc, this.#candidate])
      if (inc !== undefined && !inc.exited) inc.out.post({ type: 'peer-moved', target } satisfies ToWorker);
  }

  /** Tests only (see `Runtime.terminateWorkerForTest`): `terminate()` the current worker from outside. */
  async terminateWorker(): Promise<void> {
    const inc = this.#inc;
    if (inc === undefined) return;
    inc.reason ??= 'worker terminated';
    await inc.worker.terminate();
  }

  info(): ActorInfo {
    const inc = this.#inc;
    return {
      name: this.name,
      kind: 'stateful',
      status: this.#status,
      manifest: this.#manifest,
      methods: this.#methods,
      restarts: this.#restarts,
      threadIds: inc?.ready ? [inc.threadId] : [],
      queued: inc ? inc.mailbox.depth : 0,
      capacity: this.#capacity,
      resourceLimits: resourceLimitsOf(this.#decl),
      callTimeoutMs: this.#callTimeoutMs,
      ...(this.#status === 'failed' && this.#failure !== undefined ? { failure: this.#failure } : {}),
      module: this.#moduleUrl,
      version: this.#version,
      ...(this.#reloadStatus === undefined ? {} : { reload: this.#reloadStatus }),
    };
  }

  stats(): ActorStats {
    const inc = this.#inc;
    return {
      name: this.name,
      kind: 'stateful',
      status: this.#status,
      threadIds: inc?.ready ? [inc.threadId] : [],
      restarts: this.#restarts,
      mailboxDepth: inc ? inc.mailbox.depth : 0,
      mailboxCapacity: this.#capacity,
      mailboxFull: this.#counters.mailboxFull,
      methods: this.#counters.methods(),
      heap: this.#counters.heap(),
      direct: this.#counters.direct(),
    };
  }

  stop(timeoutMs: number): Promise<void> {
    this.#stopping ??= this.#stop(timeoutMs);
    return this.#stopping;
  }

  async #stop(timeoutMs: number): Promise<void> {
    const wasStarting = this.#status === 'starting';
    this.#status = 'stopping';
    if (this.#restartTimer !== undefined) clearTimeout(this.#restartTimer);
    this.#restartTimer = undefined;
    // A reload under way is abandoned (its held calls are refused: the actor is stopping); old and new workers go.
    this.#abortReload?.('the actor is stopping');
    const others = [...this.#retired, ...(this.#candidate === undefined ? [] : [this.#candidate])];
    await Promise.all(others.filter((o) => !o.exited).map((o) => o.worker.terminate().catch(() => undefined)));
    const inc = this.#inc;
    if (inc !== undefined) {
      const exited = new Promise<void>((resolve) => inc.worker.once('exit', () => resolve()));
      if (inc.ready) {
        // Graceful: the worker drains its mailbox, aborts ctx.signal and runs stop(); then we terminate.
        const acked = new Promise<void>((resolve) => {
          inc.stopped = resolve;
        });
        inc.out.post({ type: 'stop', timeoutMs } satisfies ToWorker);
        const margin = new AbortController();
        await Promise.race([acked, sleep(timeoutMs + 500, undefined, { signal: margin.signal }).catch(() => undefined)]);
        margin.abort();
      }
      await inc.worker.terminate();
      await exited;
    }
    this.#status = 'stopped';
    if (wasStarting && this.#firstStart) {
      const first = this.#firstStart;
      this.#firstStart = undefined;
      first.reject(new ActorStartError(this.name, 'stopped while starting'));
    }
  }
}
