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
import type { ActorInfo, ActorStatus, MethodDoc } from './actor-info.js';
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

const HOST_URL = new URL('./actor-host.js', import.meta.url);

interface Pending {
  resolve(v: unknown): void;
  reject(e: unknown): void;
  readonly method: string;
  readonly t0: number;
  timer: NodeJS.Timeout | undefined;
}

/** One incarnation: a worker, its control port and its mailbox counter. */
interface Incarnation {
  readonly n: number;
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
    const n = ++this.#incarnations;
    const mailbox = new Mailbox(this.#capacity);
    const { port1, port2 } = new MessageChannel();
    const worker = new Worker(HOST_URL, { name: `infrakit:${this.name}`, resourceLimits: resourceLimitsOf(this.#decl) });
    const inc: Incarnation = {
      n,
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
    this.#inc = inc;
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
        if (m.ok) p.resolve(m.json === true ? new JsonText(m.value as string) : m.value);
        else p.reject(reviveError(m.error));
        return;
      }
      case 'ready': {
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
    if (this.#inc !== inc) {
      // The asking worker is gone (it waited on a starting target): the port would lead nowhere.
      if (result.mode === 'port') result.port.close();
      return;
    }
    inc.out.post({ type: 'connected', id, target, result } satisfies ToWorker, result.mode === 'port' ? [result.port] : []);
  }

  #postRelay(inc: Incarnation, m: Extract<ToWorker, { type: 'relay-reply' }>): void {
    if (this.#inc !== inc) return;
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
    const inc = this.#inc;
    // A worker still in create() gets it too: its port queues the message until it listens.
    if (inc === undefined || inc.dying || name === this.name) return;
    inc.out.post({ type: 'peer-added', target: name } satisfies ToWorker);
  }

  /** Tell this actor's worker that a target's incarnation is gone. */
  notifyPeerExited(target: string, incarnation: number, reason: string): void {
    const inc = this.#inc;
    if (inc === undefined || !inc.ready) return;
    inc.out.post({ type: 'peer-exited', target, incarnation, reason } satisfies ToWorker);
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
