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
import type { ActorInfo, ActorStatus, MethodDoc } from './actor-info.js';
import { resourceLimitsOf, type ActorDeclaration } from './declaration.js';
import {
  ActorExitedError,
  ActorFailedError,
  ActorStartError,
  ActorStartingError,
  CallTimeoutError,
  InvalidParamsError,
  MailboxFullError,
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

export class StatelessActor implements ActorCell {
  readonly kind = 'stateless' as const;
  readonly #sup: Supervisor;
  readonly #decl: ActorDeclaration;
  readonly #capacity: number;
  readonly #tracker: RestartTracker;
  readonly #log: Logger;
  readonly #pool: Piscina<PoolTask, PoolResult>;
  readonly #channel: BroadcastChannel;
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
  /** Calls from main running as pool tasks, and who waits for them to drain (a stop). */
  #inflight = 0;
  #drained: (() => void) | undefined;

  constructor(sup: Supervisor, decl: ActorDeclaration, moduleUrl: string, capacity: number, tracker: RestartTracker) {
    this.#sup = sup;
    this.#decl = decl;
    this.#capacity = capacity;
    this.#mailbox = new Mailbox(capacity);
    this.#tracker = tracker;
    this.#log = sup.log.child({ actor: decl.name });
    this.#startWaiters = new StartWaiters(decl.name, capacity, sup);
    const threads = Math.max(1, decl.threads ?? 2);
    const channel = `infrakit-ts:${randomUUID()}`;
    this.#callTimeoutMs = decl.callTimeoutMs ?? sup.callTimeoutMs;
    const workerData: PoolData = {
      name: decl.name,
      moduleUrl,
      options: decl.options ?? {},
      home: sup.home,
      logLevel: sup.logLevel,
      channel,
      counter: this.#mailbox.buffer,
      callTimeoutMs: this.#callTimeoutMs,
      heapReportMs: sup.stats ? HEAP_REPORT_MS : 0,
    };
    this.#pool = new Piscina<PoolTask, PoolResult>({
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
    // A thread that dies with no task on it: nothing to reject, but it still counts as a crash.
    this.#pool.on('error', (err: unknown) => this.#onThreadLost(err));
    this.#channel = new BroadcastChannel(channel);
    this.#channel.onmessage = (ev: unknown) => this.#onChannel((ev as { data: PoolChannelMessage }).data);
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
      const r = await this.#pool.run({ type: 'probe' });
      if (r.type !== 'probe') throw new Error(`unexpected probe answer ${r.type}`);
      this.#manifest = r.manifest;
      this.#methods = r.methods;
    } catch (err) {
      await this.#close();
      this.#status = 'stopped';
      throw new ActorStartError(this.name, err instanceof Error ? err.message : String(err), { cause: err });
    }
    if (this.#status !== 'starting') throw new ActorStartError(this.name, 'stopped while starting');
    this.#status = 'running';
    this.#sup.emit('actor:started', { name: this.name, threadId: this.#pool.threads[0]?.threadId ?? -1, restarts: 0 });
  }

  #onChannel(m: PoolChannelMessage): void {
    switch (m.type) {
      case 'call':
        this.#sup.relay(this.name, m.target, m.method, m.params, m.chain, m.timeoutMs).then(
          (value) => this.#reply({ type: 'reply', threadId: m.threadId, id: m.id, ok: true, value }),
          (err: unknown) => this.#reply({ type: 'reply', threadId: m.threadId, id: m.id, ok: false, error: serializeError(err) }),
        );
        return;
      case 'event':
        this.#sup.emit('actor:event', { actor: this.name, type: m.event, payload: m.payload });
        return;
      case 'log':
        writeWorkerRecord(workerRecordLogger(this.#sup.log, this.name, m.threadId, this.#sup.logLevel), m.record);
        return;
      case 'heap':
        this.#counters.addDirect(m.direct);
        this.#counters.setHeap(m.heap);
        return;
      case 'reply':
        return; // our own kind of message, meant for a pool thread
    }
  }

  #reply(m: Extract<PoolChannelMessage, { type: 'reply' }>): void {
    if (this.#status !== 'stopped') postReply(this.#channel, m);
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
      void this.#close();
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
    const run = this.#pool.run(task).then(
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
        if (this.#status === 'running') this.#onThreadLost(err);
        throw new ActorExitedError(this.name, reason, { cause: err });
      },
    );
    this.#inflight++;
    const settled = run.finally(() => {
      this.#mailbox.leave();
      if (--this.#inflight === 0 && this.#drained !== undefined) this.#drained();
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
    const live = new Set(this.#pool.threads.map((w) => w.threadId));
    for (const id of this.#links.keys()) if (!live.has(id)) this.#links.delete(id);
    let thread = -1;
    let fewest = Infinity;
    for (const id of live) {
      const n = this.#links.get(id) ?? 0;
      if (n < fewest) [thread, fewest] = [id, n];
    }
    const { port1, port2 } = new MessageChannel();
    const task = { type: 'attach', from, port: port2, [queueOptionsSymbol]: { thread } satisfies Pinned };
    this.#pool.run(task as PoolTask, { transferList: [port2] }).then(
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
      threadIds: this.#status === 'running' ? this.#pool.threads.map((w) => w.threadId) : [],
      queued: this.#mailbox.depth,
      capacity: this.#capacity,
      resourceLimits: resourceLimitsOf(this.#decl),
      callTimeoutMs: this.#callTimeoutMs,
      ...(this.#status === 'failed' && this.#failure !== undefined ? { failure: this.#failure } : {}),
    };
  }

  stats(): ActorStats {
    const threadIds = this.#status === 'running' ? this.#pool.threads.map((w) => w.threadId) : [];
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
      if (this.#inflight > 0) await Promise.race([new Promise<void>((resolve) => (this.#drained = resolve)), expired]);
      const left = Math.max(0, deadline - Date.now());
      const stops = this.#pool.threads.map((w) => {
        const task = { type: 'stop', timeoutMs: left, [queueOptionsSymbol]: { thread: w.threadId } satisfies Pinned };
        return this.#pool.run(task as PoolTask).catch(() => undefined);
      });
      await Promise.race([Promise.all(stops), expired]);
      margin.abort();
    }
    await this.#close();
    this.#status = 'stopped';
  }

  async #close(): Promise<void> {
    this.#channel.close();
    await this.#pool.destroy().catch(() => undefined);
  }
}
