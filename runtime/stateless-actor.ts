/**
 * Main-thread side of a stateless actor: a piscina pool of `threads` threads running
 * runtime/pool-worker.ts (`atomics: 'disabled'`, so idle threads still run timers). A thread that
 * dies turns its in-flight tasks into `ActorExitedError` and counts toward the restart intensity.
 * Calls from other actors take a direct port into ONE pool thread (the one with the fewest links);
 * calls from main spread over every thread. Why: docs/architecture.md, "Actors and their threads".
 */
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { BroadcastChannel, MessageChannel } from 'node:worker_threads';
import { Piscina, queueOptionsSymbol } from 'piscina';
import type { Logger } from 'pino';
import type { ActorManifest } from './actor.js';
import type { ActorInfo, ActorStatus, MethodDoc, ReloadResult, ReloadStatus } from './actor-info.js';
import { resourceLimitsOf, type ActorDeclaration } from './declaration.js';
import {
  ActorExitedError,
  ActorFailedError,
  ActorStartError,
  ActorStartingError,
  CallTimeoutError,
  InvalidParamsError,
  MailboxFullError,
  ReloadFailedError,
  RuntimeStoppedError,
  reviveError,
  serializeError,
} from './errors.js';
import type { ConnectResult, PoolChannelMessage, PoolData, PoolResult, PoolTask } from './protocol.js';
import type { RestartTracker } from './restart-policy.js';
import { workerRecordLogger, writeWorkerRecord } from './logging.js';
import { Mailbox } from './mailbox.js';
import { postReply } from './reply.js';
import { StartWaiters } from './start-waiters.js';
import { CallCounters, HEAP_REPORT_MS, type ActorStats } from './stats.js';
import type { ActorCell, Supervisor } from './supervisor.js';
import { RerunAfter } from './util.js';

/** CommonJS on purpose: see pool-entry.cts. */
const POOL_WORKER = new URL('./pool-entry.cjs', import.meta.url);

/** Whether structured clone takes `v` (checked only after piscina refused a task, never on the happy path). */
function cloneable(v: unknown): boolean {
  try {
    structuredClone(v);
    return true;
  } catch {
    return false;
  }
}

type LoadBalancer = NonNullable<NonNullable<ConstructorParameters<typeof Piscina>[0]>['loadBalancer']>;

/** Marks an `attach` task for one pool thread (read by `pinnedOrLeastBusy`; symbol keys are not cloned). */
interface Pinned {
  readonly thread: number;
}

/**
 * piscina's least-busy choice, except for a task pinned to a thread (`[queueOptionsSymbol]: { thread }`):
 * that one goes to its thread if it is alive, whatever its load, else to any thread.
 */
const pinnedOrLeastBusy: LoadBalancer = (task, workers) => {
  const pin = (task as unknown as Record<symbol, Pinned | null | undefined>)[queueOptionsSymbol]?.thread;
  const live = workers.filter((w) => !w.terminating && !w.destroyed);
  if (pin !== undefined) {
    // An attach task is tiny: it may join a busy thread. If its thread is gone, any thread will do.
    return (
      live.find((w) => w.id === pin) ??
      live.reduce<(typeof live)[number] | null>((a, w) => (a === null || w.currentUsage < a.currentUsage ? w : a), null)
    );
  }
  // piscina's default (LeastBusyBalancer, one task per thread): an idle thread, else queue.
  return live.find((w) => w.currentUsage === 0) ?? null;
};

/** One pool: its threads (one version of the code), its channel, and the calls from main it runs. */
interface PoolGen {
  readonly pool: Piscina<PoolTask, PoolResult>;
  readonly channel: BroadcastChannel;
  inflight: number;
  drained: (() => void) | undefined;
  closed: boolean;
}

export class StatelessActor implements ActorCell {
  readonly kind = 'stateless' as const;
  readonly #sup: Supervisor;
  readonly #decl: ActorDeclaration;
  readonly #capacity: number;
  readonly #tracker: RestartTracker;
  readonly #log: Logger;
  readonly #moduleUrl: string;
  /** The pool serving now; a reload makes a new one and retires this. */
  #gen: PoolGen;
  #version = 1;
  #reloadStatus: ReloadStatus | undefined;
  readonly #reloads = new RerunAfter<ReloadResult>(() => this.#reloadOnce());
  readonly #retiring = new Set<PoolGen>();
  #status: ActorStatus = 'starting';
  /** Mailbox shared with the pool threads: calls accepted and not yet answered. */
  readonly #mailbox: Mailbox;
  readonly #counters = new CallCounters();
  /** Direct links per pool thread (threadId → count), to spread callers across threads. */
  readonly #links = new Map<number, number>();
  #manifest: ActorManifest | undefined;
  #methods: MethodDoc[] = [];
  #restarts = 0;
  #failure: string | undefined;
  #stopping: Promise<void> | undefined;
  #started: Promise<void> | undefined;
  readonly #startWaiters: StartWaiters;
  readonly #callTimeoutMs: number;

  constructor(sup: Supervisor, decl: ActorDeclaration, moduleUrl: string, capacity: number, tracker: RestartTracker) {
    this.#sup = sup;
    this.#decl = decl;
    this.#capacity = capacity;
    this.#mailbox = new Mailbox(capacity);
    this.#tracker = tracker;
    this.#log = sup.log.child({ actor: decl.name });
    this.#startWaiters = new StartWaiters(decl.name, capacity, sup);
    this.#callTimeoutMs = decl.callTimeoutMs ?? sup.callTimeoutMs;
    this.#moduleUrl = moduleUrl;
    this.#gen = this.#makePool();
  }

  /** A new pool for the module: fresh threads, so the module and everything it imports load afresh. */
  #makePool(): PoolGen {
    const decl = this.#decl;
    const threads = Math.max(1, decl.threads ?? 2);
    const channel = `infrakit-ts:${randomUUID()}`;
    const workerData: PoolData = {
      name: decl.name,
      moduleUrl: this.#moduleUrl,
      options: decl.options ?? {},
      home: this.#sup.home,
      logLevel: this.#sup.logLevel,
      channel,
      counter: this.#mailbox.buffer,
      callTimeoutMs: this.#callTimeoutMs,
      heapReportMs: this.#sup.stats ? HEAP_REPORT_MS : 0,
    };
    const pool = new Piscina<PoolTask, PoolResult>({
      filename: POOL_WORKER.href,
      name: 'default',
      // The default size starts one thread (a worker's memory is the cost of an idle actor) and
      // piscina adds the second when a call from main finds no idle thread; a declared size starts whole.
      minThreads: decl.threads === undefined ? 1 : threads,
      maxThreads: threads,
      idleTimeout: 2 ** 31 - 1,
      atomics: 'disabled',
      workerData,
      loadBalancer: pinnedOrLeastBusy,
      resourceLimits: resourceLimitsOf(decl),
    });
    const gen: PoolGen = { pool, channel: new BroadcastChannel(channel), inflight: 0, drained: undefined, closed: false };
    // A thread that dies with no task on it: nothing to reject, but it still counts as a crash (of the pool serving now).
    pool.on('error', (err: unknown) => {
      if (gen === this.#gen) this.#onThreadLost(err);
    });
    gen.channel.onmessage = (ev: unknown) => this.#onChannel(gen, (ev as { data: PoolChannelMessage }).data);
    return gen;
  }

  get name(): string {
    return this.#decl.name;
  }

  start(): Promise<void> {
    this.#started ??= this.#start();
    return this.#started;
  }

  async #start(): Promise<void> {
    try {
      const r = await this.#gen.pool.run({ type: 'probe' });
      if (r.type !== 'probe') throw new Error(`unexpected probe answer ${r.type}`);
      this.#manifest = r.manifest;
      this.#methods = r.methods;
    } catch (err) {
      await this.#close(this.#gen);
      this.#status = 'stopped';
      throw new ActorStartError(this.name, err instanceof Error ? err.message : String(err), { cause: err });
    }
    if (this.#status !== 'starting') throw new ActorStartError(this.name, 'stopped while starting');
    this.#status = 'running';
    this.#sup.emit('actor:started', { name: this.name, threadId: this.#gen.pool.threads[0]?.threadId ?? -1, restarts: 0 });
  }

  #onChannel(gen: PoolGen, m: PoolChannelMessage): void {
    switch (m.type) {
      case 'call':
        this.#sup.relay(this.name, m.target, m.method, m.params, m.chain, m.timeoutMs).then(
          (value) => this.#reply(gen, { type: 'reply', threadId: m.threadId, id: m.id, ok: true, value }),
          (err: unknown) => this.#reply(gen, { type: 'reply', threadId: m.threadId, id: m.id, ok: false, error: serializeError(err) }),
        );
        return;
      case 'event':
        this.#sup.emit('actor:event', { actor: this.name, type: m.event, payload: m.payload });
        return;
      case 'log':
        writeWorkerRecord(workerRecordLogger(this.#sup.log, this.name, m.threadId, this.#sup.logLevel), m.record);
        return;
      case 'heap':
        // Direct calls count whichever pool ran them (a reload is the same actor); a retiring pool's heap is not shown.
        this.#counters.addDirect(m.direct);
        if (!this.#retiring.has(gen) && !gen.closed) this.#counters.setHeap(m.heap);
        return;
      case 'reply':
        return; // our own kind of message, meant for a pool thread
    }
  }

  #reply(gen: PoolGen, m: Extract<PoolChannelMessage, { type: 'reply' }>): void {
    if (!gen.closed) postReply(gen.channel, m);
  }

  #onThreadLost(err: unknown): void {
    if (this.#status !== 'running') return;
    const reason = err instanceof Error ? err.message : String(err);
    this.#sup.emit('actor:exited', { name: this.name, threadId: -1, reason, exitCode: null });
    const d = this.#tracker.next();
    if (!d.restart) {
      this.#status = 'failed';
      this.#failure = `pool threads died ${d.restartsInWindow} times within ${this.#tracker.policy.withinMs} ms; last: ${reason}`;
      this.#log.error({ reason }, 'actor failed: restart intensity exceeded');
      this.#sup.emit('actor:failed', { name: this.name, reason: this.#failure });
      void this.#close(this.#gen);
      return;
    }
    // piscina has already started a replacement thread.
    this.#restarts++;
    this.#sup.emit('actor:restarted', { name: this.name, attempt: d.attempt, delayMs: 0 });
  }

  #notRunning(): Error {
    if (this.#status === 'failed') return new ActorFailedError(this.name, this.#failure ?? 'unknown');
    if (this.#status === 'starting') return new ActorStartingError(this.name);
    return new RuntimeStoppedError(`actor '${this.name}' is ${this.#status}`);
  }

  /** A call that arrived during the first start: wait for it (bounded), then call with the time left. */
  async #callWhenStarted(
    method: string,
    params: unknown,
    timeoutMs: number | undefined,
    chain: readonly string[] | undefined,
  ): Promise<unknown> {
    const left = await this.#startWaiters.wait(this.#started as Promise<void>, method, timeoutMs);
    return this.call(method, params, left, chain);
  }

  call(method: string, params: unknown, timeoutMs: number | undefined, chain?: readonly string[]): Promise<unknown> {
    if (this.#status !== 'running') {
      if (this.#status === 'starting' && this.#started !== undefined) return this.#callWhenStarted(method, params, timeoutMs, chain);
      return Promise.reject(this.#notRunning());
    }
    if (!this.#mailbox.tryEnter()) {
      this.#counters.mailboxFull++;
      this.#sup.emit('mailbox:full', { name: this.name, capacity: this.#capacity });
      return Promise.reject(new MailboxFullError(this.name, this.#capacity));
    }
    const t0 = this.#sup.stats || this.#sup.logCalls ? performance.now() : 0;
    let ok = false;
    let timer: NodeJS.Timeout | undefined;
    const task: PoolTask =
      chain === undefined || chain.length === 0 ? { type: 'call', method, params } : { type: 'call', method, params, chain };
    const gen = this.#gen;
    const run = gen.pool.run(task).then(
      (r) => {
        if (r.type !== 'reply') throw new Error(`unexpected pool answer ${r.type}`);
        ok = r.ok;
        if (r.ok) return r.value;
        throw reviveError(r.error);
      },
      (err: unknown) => {
        const reason = err instanceof Error ? err.message : String(err);
        // piscina also rejects a task it could not post to a thread (params structured clone refuses:
        // nested too deep, a function...). The thread is fine: not a crash, and no restart counted.
        if (!cloneable(params)) throw new InvalidParamsError(`params cannot be sent to the actor: ${reason}`, { cause: err });
        // Otherwise only a dead thread (or a stopped pool) rejects a task.
        if (this.#status === 'running' && gen === this.#gen) this.#onThreadLost(err);
        throw new ActorExitedError(this.name, reason, { cause: err });
      },
    );
    gen.inflight++;
    const settled = run.finally(() => {
      this.#mailbox.leave();
      if (--gen.inflight === 0 && gen.drained !== undefined) gen.drained();
      if (timer !== undefined) clearTimeout(timer);
      if (this.#sup.stats) this.#counters.record(method, ok, performance.now() - t0);
      if (this.#sup.logCalls) this.#sup.emit('call', { actor: this.name, method, ms: performance.now() - t0, ok });
    });
    if (timeoutMs === undefined) return settled;
    settled.catch(() => undefined);
    return Promise.race([
      settled,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new CallTimeoutError(this.name, method, timeoutMs)), timeoutMs);
      }),
    ]);
  }

  /**
   * A direct channel from actor `from` into one pool thread (the one with the fewest links). The
   * port is handed back at once; calls posted on it wait in the port until the thread attaches it.
   */
  openPeer(from: string): ConnectResult | Promise<ConnectResult> {
    if (this.#status === 'starting' && this.#started !== undefined) {
      return this.#started.then(
        () => this.openPeer(from),
        (err: unknown) => ({ mode: 'error', error: serializeError(err) }),
      );
    }
    if (this.#status !== 'running') return { mode: 'error', error: serializeError(this.#notRunning()) };
    const pool = this.#gen.pool;
    const live = new Set(pool.threads.map((w) => w.threadId));
    for (const id of this.#links.keys()) if (!live.has(id)) this.#links.delete(id);
    let thread = -1;
    let fewest = Infinity;
    for (const id of live) {
      const n = this.#links.get(id) ?? 0;
      if (n < fewest) [thread, fewest] = [id, n];
    }
    const { port1, port2 } = new MessageChannel();
    const task = { type: 'attach', from, port: port2, [queueOptionsSymbol]: { thread } satisfies Pinned };
    pool.run(task as PoolTask, { transferList: [port2] }).then(
      (r) => {
        if (r.type === 'attached') this.#links.set(r.threadId, (this.#links.get(r.threadId) ?? 0) + 1);
      },
      // Never reached a thread (pool stopping) or the thread died: closing our end tells the caller.
      () => port2.close(),
    );
    return { mode: 'port', port: port1, counter: this.#mailbox.buffer, capacity: this.#capacity, incarnation: thread };
  }

  /** Pool threads relay every `ctx.call` through main and cache nothing: no relay to forget. */
  notifyPeerAdded(): void {}

  info(): ActorInfo {
    return {
      name: this.name,
      kind: 'stateless',
      status: this.#status,
      manifest: this.#manifest,
      methods: this.#methods,
      restarts: this.#restarts,
      threadIds: this.#status === 'running' ? this.#gen.pool.threads.map((w) => w.threadId) : [],
      queued: this.#mailbox.depth,
      capacity: this.#capacity,
      resourceLimits: resourceLimitsOf(this.#decl),
      callTimeoutMs: this.#callTimeoutMs,
      ...(this.#status === 'failed' && this.#failure !== undefined ? { failure: this.#failure } : {}),
      module: this.#moduleUrl,
      version: this.#version,
      ...(this.#reloadStatus === undefined ? {} : { reload: this.#reloadStatus }),
    };
  }

  /** One reload at a time; asked during one, it loads once more after it (the file may have changed since). */
  reload(): Promise<ReloadResult> {
    return this.#reloads.run();
  }

  /**
   * A stateless actor keeps nothing, so a reload is a new pool: it loads the module (a probe), and once
   * it answers, calls go to it while the old pool finishes what it runs and stops. Until then calls
   * still go to the old pool, which is how they "wait": nobody waits at all. A pool that cannot load
   * the module is destroyed and the old one goes on.
   */
  async #reloadOnce(): Promise<ReloadResult> {
    if (this.#status !== 'running') throw new ReloadFailedError(this.name, `the actor is ${this.#status}, not running`);
    const version = this.#version + 1;
    const t0 = performance.now();
    const at = new Date().toISOString();
    this.#reloadStatus = { state: 'reloading', version, at };
    this.#sup.emit('actor:reloading', { name: this.name, version });
    this.#log.info({ version }, 'reloading actor');
    const gen = this.#makePool();
    let probe: PoolResult;
    const margin = new AbortController();
    try {
      probe = await Promise.race([
        gen.pool.run({ type: 'probe' }),
        sleep(this.#sup.reloadTimeoutMs, undefined, { signal: margin.signal }).then(() => {
          throw new Error(`timed out after ${this.#sup.reloadTimeoutMs} ms waiting for the module to load`);
        }),
      ]);
      if (probe.type !== 'probe') throw new Error(`unexpected probe answer ${probe.type}`);
      // It may have been stopped while the new pool loaded.
      if (this.#stopping !== undefined) throw new Error('the actor is stopping');
    } catch (err) {
      const reason = err instanceof Error ? err.message : String(err);
      const ms = performance.now() - t0;
      await this.#close(gen);
      this.#reloadStatus = { state: 'failed', version, at, ms, error: reason };
      this.#log.error({ version, reason }, 'reload failed; the old code keeps serving');
      this.#sup.emit('actor:reload-failed', { name: this.name, version, ms, reason });
      throw new ReloadFailedError(this.name, reason, { cause: err });
    } finally {
      margin.abort();
    }
    const old = this.#gen;
    this.#gen = gen;
    this.#links.clear();
    this.#manifest = probe.manifest;
    this.#methods = probe.methods;
    this.#version = version;
    this.#sup.peerMoved(this.name);
    void this.#retire(old);
    const ms = performance.now() - t0;
    this.#reloadStatus = { state: 'ok', version, at, ms, stateCarried: false };
    this.#log.info({ version, ms: Math.round(ms) }, 'actor reloaded');
    this.#sup.emit('actor:reloaded', { name: this.name, version, ms, stateCarried: false });
    return { name: this.name, version, ms, stateCarried: false };
  }

  /** The old pool finishes its calls from main, then each thread stops (direct calls answered `ActorReloadedError`). */
  async #retire(gen: PoolGen): Promise<void> {
    this.#retiring.add(gen);
    const timeoutMs = this.#sup.reloadTimeoutMs;
    const margin = new AbortController();
    const expired = sleep(timeoutMs + 500, undefined, { signal: margin.signal }).catch(() => undefined);
    if (gen.inflight > 0) await Promise.race([new Promise<void>((resolve) => (gen.drained = resolve)), expired]);
    const stops = gen.pool.threads.map((w) => {
      const task = { type: 'stop', timeoutMs, reloaded: true, [queueOptionsSymbol]: { thread: w.threadId } satisfies Pinned };
      return gen.pool.run(task as PoolTask).catch(() => undefined);
    });
    await Promise.race([Promise.all(stops), expired]);
    margin.abort();
    await this.#close(gen);
    this.#retiring.delete(gen);
  }

  stats(): ActorStats {
    const threadIds = this.#status === 'running' ? this.#gen.pool.threads.map((w) => w.threadId) : [];
    for (const h of this.#counters.heap()) if (!threadIds.includes(h.threadId)) this.#counters.dropHeap(h.threadId);
    return {
      name: this.name,
      kind: 'stateless',
      status: this.#status,
      threadIds,
      restarts: this.#restarts,
      mailboxDepth: this.#mailbox.depth,
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

  /**
   * As for a stateful actor: calls are refused, the running ones drain within the deadline, then each
   * pool thread aborts its instance's `ctx.signal` and runs its `stop()` (one `stop` task pinned to
   * each thread) in the time left; then the pool is destroyed, whatever still runs.
   */
  async #stop(timeoutMs: number): Promise<void> {
    const wasRunning = this.#status === 'running';
    if (this.#status !== 'failed') this.#status = 'stopping';
    if (wasRunning) {
      const deadline = Date.now() + timeoutMs;
      const margin = new AbortController();
      // The threads keep the deadline themselves; the margin covers a thread that never answers.
      const expired = sleep(timeoutMs + 500, undefined, { signal: margin.signal }).catch(() => undefined);
      const gen = this.#gen;
      if (gen.inflight > 0) await Promise.race([new Promise<void>((resolve) => (gen.drained = resolve)), expired]);
      const left = Math.max(0, deadline - Date.now());
      const stops = gen.pool.threads.map((w) => {
        const task = { type: 'stop', timeoutMs: left, [queueOptionsSymbol]: { thread: w.threadId } satisfies Pinned };
        return gen.pool.run(task as PoolTask).catch(() => undefined);
      });
      await Promise.race([Promise.all(stops), expired]);
      margin.abort();
    }
    await Promise.all([this.#close(this.#gen), ...[...this.#retiring].map((g) => this.#close(g))]);
    this.#status = 'stopped';
  }

  async #close(gen: PoolGen): Promise<void> {
    if (gen.closed) return;
    gen.closed = true;
    gen.channel.close();
    await gen.pool.destroy().catch(() => undefined);
  }
}
