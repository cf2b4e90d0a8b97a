/**
 * Worker entry of a stateful actor: waits for `start` (which hands over the control port), imports
 * the module, runs `create(ctx)`, posts `ready`, then serves calls from main and peers through ONE
 * FIFO queue, at most `concurrency` at once. Uncaught errors are posted as `crash` and the thread exits 1;
 * `ctx.log` records are posted to main as `log` (no pino in the worker).
 * Handlers run inside an AsyncLocalStorage holding the call chain; a re-entrant call (chain already
 * holds this actor) runs at once, since queueing it behind its caller could wedge the actor.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { parentPort, threadId, type MessagePort } from 'node:worker_threads';
import type { ActorDefinition, ActorInstance, ActorManifest } from './actor.js';
import { createInstance } from './actor-context.js';
import { resolveManifest } from './actor.js';
import { assertNever } from './assert-never.js';
import { BatchPort, eachMessage } from './batch-port.js';
import { concurrencyOf, invoke, loadDefinition, methodDocs } from './definition.js';
import { EMPTY_CHAIN, tooDeep } from './call-chain.js';
import { ActorReloadedError, RuntimeStoppedError, serializeError } from './errors.js';
import { Mailbox } from './mailbox.js';
import { DirectCounter, ownHeap } from './stats.js';
import { PeerLinks } from './peer-links.js';
import type { FromWorker, PeerReply, PeerRequest, StartMessage, ToWorker } from './protocol.js';
import { PreparedJson, postReply, replyOf } from './reply.js';
import { workerLogger } from './worker-log.js';

interface Job {
  readonly id: number;
  readonly method: string;
  readonly params: unknown;
  readonly chain: readonly string[];
  /** Where the reply goes: the control port (calls from main) or a peer port, batched per turn. */
  readonly to: Replies;
  /** Main asked for the result as JSON text. */
  readonly json?: true;
  /** `performance.now()` when a direct call was taken off its port (0 when not timed). */
  readonly t0: number;
}

if (parentPort === null) throw new Error('actor-host must run in a worker thread');

type Replies = BatchPort<FromWorker | PeerReply>;

/** Replies on `port` go batched per turn (batch-port.ts); one whose value cannot be cloned answers an error. */
function replies(port: MessagePort): Replies {
  return new BatchPort<FromWorker | PeerReply>(port, (m, _err) => {
    if (m.type === 'reply') postReply(port, m);
  });
}

let control: Replies | undefined;

/** Everything but replies goes at once, after the replies queued before it. */
function post(m: FromWorker): void {
  control?.post(m);
}

function crash(err: unknown): void {
  try {
    post({ type: 'crash', error: serializeError(err) });
  } finally {
    process.exit(1);
  }
}
process.on('uncaughtException', crash);
process.on('unhandledRejection', crash);

parentPort.once('message', (m: StartMessage) => {
  void boot(m);
});

async function boot(start: StartMessage): Promise<void> {
  control = replies(start.port);
  // The answering side only leaves; callers (main, peers) hold the capacity.
  const mailbox = new Mailbox(Number.POSITIVE_INFINITY, start.counter);
  const log = workerLogger(start.logLevel, (record) => post({ type: 'log', record }));
  const abort = new AbortController();
  // Only calls from other actors (a non-empty chain) run inside it, so a worker that only serves
  // main never turns on its async hooks.
  const chains = new AsyncLocalStorage<readonly string[]>();
  const peers = new PeerLinks(start.name, start.callTimeoutMs, () => chains.getStore() ?? EMPTY_CHAIN, post);
  const port = start.port;
  const toMain = control;
  // Listen before create(): a ctx.call made while creating needs its `connected` answer. Calls and
  // peer ports only come after `ready`; anything else that does arrive early waits in `early`.
  let serve: ((m: ToWorker) => void) | undefined;
  const early: ToWorker[] = [];
  // A hot reload's new worker waits for `create`, which carries the old code's state.
  let created: ((m: Extract<ToWorker, { type: 'create' }>) => void) | undefined;
  const createOrder = new Promise<Extract<ToWorker, { type: 'create' }>>((resolve) => (created = resolve));
  port.on('message', (batch: ToWorker | ToWorker[]) => eachMessage(batch, onControl));
  function onControl(m: ToWorker): void {
    switch (m.type) {
      case 'connected':
        peers.onConnected(m.id, m.result);
        return;
      case 'peer-exited':
        peers.onPeerExited(m.target, m.incarnation, m.reason);
        return;
      case 'peer-added':
        peers.onPeerAdded(m.target);
        return;
      case 'peer-moved':
        peers.onPeerMoved(m.target);
        return;
      case 'create':
        created?.(m);
        return;
      case 'relay-reply':
        if (m.ok) peers.onRelayReply(m.id, true, m.value, undefined);
        else peers.onRelayReply(m.id, false, undefined, m.error);
        return;
      case 'call':
      case 'peer':
      case 'stop':
      case 'pause':
      case 'resume':
        if (serve === undefined) early.push(m);
        else serve(m);
        return;
      default:
        assertNever(m);
    }
  }

  let def: ActorDefinition;
  let instance: ActorInstance;
  let restored = false;
  try {
    def = await loadDefinition(start.moduleUrl);
    let carried: Extract<ToWorker, { type: 'create' }> | undefined;
    if (start.hold === true) {
      post({ type: 'loaded' });
      carried = await createOrder;
    }
    ({ instance } = await createInstance(
      def,
      {
        ...start,
        signal: abort.signal,
        call: (actor, method, params, timeoutMs) => peers.call(actor, method, params, timeoutMs),
        emit: (type, payload) => post({ type: 'event', event: type, payload }),
      },
      log,
    ));
    if (carried?.hasState === true && typeof instance.restore === 'function') {
      await instance.restore(carried.state);
      restored = true;
    }
  } catch (err) {
    log.error({ err }, 'actor failed to start');
    post({ type: 'start-failed', error: serializeError(err) });
    process.exit(1);
  }

  const concurrency = concurrencyOf(def);
  // Calls from other actors (not on the control port) never pass main: counted here, reported with the heap.
  const direct = start.heapReportMs > 0 ? new DirectCounter() : undefined;
  // FIFO as an array with a moving head: O(1) take, compacted when the head passes half way.
  let queue: Job[] = [];
  let head = 0;
  let running = 0;
  let pumping = false;
  let stopping = false;
  /** Stopped because new code took over: calls not run are answered `ActorReloadedError`. */
  let reloaded = false;
  let drained: (() => void) | undefined;
  // Hot reload: once paused, calls that arrive wait in `held` (re-entrant ones still run); when what
  // was taken before has finished, the state goes to main (`paused`).
  let pausing = false;
  let pauseSent = false;
  let held: Job[] = [];

  const finish = (job: Job, ok: boolean, value: unknown): void => {
    running--;
    if (direct !== undefined && job.to !== control) direct.add(job.method, ok, performance.now() - job.t0);
    // Free the mailbox slot before replying, so a caller that pipelines at capacity never sees a stale count.
    mailbox.leave();
    // Asked for JSON (the socket front end): a plain result goes as its JSON text, cheaper both sides;
    // a long one as UTF-8 bytes whose buffer is transferred, not copied (posted at once, after what is queued).
    let json: string | Uint8Array | undefined;
    if (ok && (job.json === true || value instanceof PreparedJson)) {
      try {
        ({ json, value } = replyOf(value, job.json === true));
      } catch (err) {
        ok = false;
        value = err;
      }
    }
    if (typeof json === 'object') {
      job.to.post({ type: 'reply', id: job.id, ok: true, value: json, json: true }, [json.buffer as ArrayBuffer]);
      if (!pumping) pump();
      return;
    }
    job.to.push(
      json !== undefined
        ? { type: 'reply', id: job.id, ok: true, value: json, json: true }
        : ok
          ? { type: 'reply', id: job.id, ok: true, value }
          : { type: 'reply', id: job.id, ok: false, error: serializeError(value) },
    );
    if (!pumping) pump();
  };

  const run = (job: Job): void => {
    running++;
    let r: unknown;
    try {
      r =
        job.chain.length === 0
          ? invoke(def, instance, job.method, job.params)
          : chains.run(job.chain, invoke, def, instance, job.method, job.params);
    } catch (err) {
      finish(job, false, err);
      return;
    }
    if (r instanceof Promise || (typeof r === 'object' && r !== null && typeof (r as PromiseLike<unknown>).then === 'function')) {
      (r as PromiseLike<unknown>).then(
        (v) => finish(job, true, v),
        (e: unknown) => finish(job, false, e),
      );
    } else {
      finish(job, true, r);
    }
  };

  const pump = (): void => {
    pumping = true;
    try {
      while (running < concurrency && head < queue.length) {
        const job = queue[head] as Job;
        head++;
        run(job);
      }
      if (head > 1024 && head * 2 > queue.length) {
        queue = queue.slice(head);
        head = 0;
      }
    } finally {
      pumping = false;
    }
    if (running === 0 && head >= queue.length) {
      if (drained) drained();
      if (pausing && !pauseSent) sendPaused();
    }
  };

  const sendPaused = (): void => {
    pauseSent = true;
    void (async () => {
      try {
        const hasState = typeof instance.snapshot === 'function';
        const state: unknown = hasState ? await instance.snapshot?.() : undefined;
        // Throws here (DataCloneError) when the state cannot cross threads.
        post({ type: 'paused', hasState, state });
      } catch (err) {
        log.warn({ err }, 'snapshot() failed; the reload is abandoned');
        post({ type: 'pause-failed', error: serializeError(err) });
        resume();
      }
    })();
  };

  const resume = (): void => {
    pausing = false;
    pauseSent = false;
    for (const job of held) queue.push(job);
    held = [];
    if (!pumping) pump();
  };

  /** Answer every call not run with `ActorReloadedError`: its caller sends it again, to the new code. */
  const bounce = (jobs: readonly Job[]): void => {
    for (const job of jobs) {
      mailbox.leave();
      job.to.push({ type: 'reply', id: job.id, ok: false, error: serializeError(new ActorReloadedError(start.name)) });
    }
  };

  const accept = (
    to: Replies,
    req: {
      readonly id: number;
      readonly method: string;
      readonly params: unknown;
      readonly chain?: readonly string[];
      readonly json?: true;
    },
  ): void => {
    if (stopping) {
      mailbox.leave();
      to.push({
        type: 'reply',
        id: req.id,
        ok: false,
        error: serializeError(reloaded ? new ActorReloadedError(start.name) : new RuntimeStoppedError(`actor '${start.name}' is stopping`)),
      });
      return;
    }
    const chain = req.chain ?? EMPTY_CHAIN;
    const t0 = direct !== undefined && to !== control ? performance.now() : 0;
    if (chain.length > 0) {
      const deep = tooDeep(chain, start.name);
      if (deep !== undefined) {
        mailbox.leave();
        to.push({ type: 'reply', id: req.id, ok: false, error: serializeError(deep) });
        return;
      }
      // Re-entrant (this actor is up the chain, waiting on this call): run now, not behind it.
      if (chain.includes(start.name)) {
        run({ id: req.id, method: req.method, params: req.params, chain, to, json: req.json, t0 });
        return;
      }
    }
    const job: Job = { id: req.id, method: req.method, params: req.params, chain, to, json: req.json, t0 };
    if (pausing) {
      held.push(job);
      return;
    }
    queue.push(job);
    if (!pumping) pump();
  };

  const peerPorts = new Map<MessagePort, Replies>();

  const stop = async (timeoutMs: number, byReload: boolean): Promise<void> => {
    stopping = true;
    if (byReload) {
      reloaded = true;
      bounce(held);
      held = [];
      bounce(queue.slice(head));
      queue = [];
      head = 0;
    }
    // One deadline for draining and stop(); its timer never keeps the worker alive.
    const timeLeft = new AbortController();
    const expired = sleep(timeoutMs, undefined, { signal: timeLeft.signal, ref: false }).catch(() => undefined);
    if (running > 0 || head < queue.length) await Promise.race([new Promise<void>((resolve) => (drained = resolve)), expired]);
    abort.abort();
    try {
      await Promise.race([Promise.resolve(instance.stop?.()), expired]);
    } catch (err) {
      log.warn({ err }, 'actor stop() failed');
    } finally {
      timeLeft.abort();
    }
    peers.closeAll('the calling actor is stopping');
    for (const [p, out] of peerPorts) {
      out.flush();
      p.close();
    }
    post({ type: 'stopped' });
  };

  serve = (m: ToWorker): void => {
    switch (m.type) {
      case 'call':
        accept(toMain, m);
        return;
      case 'peer': {
        const p = m.port;
        const out = replies(p);
        peerPorts.set(p, out);
        p.on('message', (batch: PeerRequest | PeerRequest[]) => eachMessage(batch, (req) => accept(out, req)));
        p.once('close', () => peerPorts.delete(p));
        return;
      }
      case 'stop':
        void stop(m.timeoutMs, m.reloaded === true);
        return;
      case 'pause':
        pausing = true;
        if (running === 0 && head >= queue.length && !pauseSent) sendPaused();
        return;
      case 'resume':
        resume();
        return;
      default:
        // The early listener answers the others itself.
        return;
    }
  };
  for (const m of early.splice(0)) serve(m);

  // JSON round trip: the manifest may be computed from options and must survive structured clone.
  const manifest = JSON.parse(JSON.stringify(resolveManifest(def, (start.options ?? {}) as Record<string, unknown>))) as ActorManifest;
  post({ type: 'ready', threadId, manifest, methods: methodDocs(def, instance), concurrency, restored });
  if (start.heapReportMs > 0) {
    const report = (): void => {
      const counts = direct?.take();
      post(counts === undefined ? { type: 'heap', heap: ownHeap(threadId) } : { type: 'heap', heap: ownHeap(threadId), direct: counts });
    };
    report();
    setInterval(report, start.heapReportMs).unref();
  }
  log.debug('actor ready');
}
