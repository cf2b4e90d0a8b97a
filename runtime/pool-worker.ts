/**
 * Task entry of a stateless actor's piscina pool: each thread loads the actor module on its first
 * task, runs `create(ctx)`, then answers tasks. Handler errors are RETURNED (`{ ok: false, error }`),
 * so a rejected task always means the thread died. `ctx.call`/`ctx.emit`/`ctx.log` go to main over a
 * BroadcastChannel; an `attach` task hands the thread a direct link from another actor's worker,
 * served alongside tasks. Chains and deadlines as in actor-host.ts.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
// piscina hands its `workerData` option to each thread as Node's own workerData (its worker.js reads it
// from there too): importing 'piscina' here for it would load the whole pool's code in every thread.
import { BroadcastChannel, threadId, workerData, type MessagePort } from 'node:worker_threads';
import type { ActorDefinition, ActorInstance, ActorManifest } from './actor.js';
import { createActor } from './actor-context.js';
import { resolveManifest } from './actor.js';
import { invoke, methodDocs } from './definition.js';
import { EMPTY_CHAIN, extendChain, tooDeep } from './call-chain.js';
import { ActorReloadedError, CallDepthError, CallTimeoutError, RuntimeStoppedError, reviveError, serializeError } from './errors.js';
import { Mailbox } from './mailbox.js';
import { BatchPort, eachMessage } from './batch-port.js';
import { postReply, resultValue } from './reply.js';
import type { PeerReply, PeerRequest, PoolChannelMessage, PoolData, PoolResult, PoolTask } from './protocol.js';
import { actorOf } from './util.js';
import { DirectCounter, ownHeap } from './stats.js';
import { workerLogger, type ActorLogger } from './worker-log.js';

const data = workerData as PoolData;
// The answering side only leaves; callers hold the capacity.
const mailbox = new Mailbox(Number.POSITIVE_INFINITY, data.counter);
let loaded: Promise<{ def: ActorDefinition; instance: ActorInstance }> | undefined;
let channel: BroadcastChannel | undefined;
let nextId = 1;
const pending = new Map<number, { resolve(v: unknown): void; reject(e: unknown): void; timer: NodeJS.Timeout }>();
const chains = new AsyncLocalStorage<readonly string[]>();
/** Aborted when this thread's instance stops (its `ctx.signal`). */
const abort = new AbortController();
/** Calls this thread is running (tasks and direct ones), for the drain before a stop. */
let running = 0;
let drained: (() => void) | undefined;
let stopping: Promise<PoolResult> | undefined;
/** Stopped because a new pool (new code) took over: direct calls are answered `ActorReloadedError`, and sent again. */
let reloaded = false;
let log: ActorLogger | undefined;
/** Direct calls answered since the last heap report (counted only when reports are on). */
const direct = new DirectCounter();

function enter(): void {
  running++;
}
function leave(): void {
  if (--running === 0 && drained !== undefined) drained();
}

/** Invoke inside the call's chain (only when it has one). */
function invokeIn(
  chain: readonly string[] | undefined,
  def: ActorDefinition,
  instance: ActorInstance,
  method: string,
  params: unknown,
): unknown {
  return chain === undefined || chain.length === 0
    ? invoke(def, instance, method, params)
    : chains.run(chain, invoke, def, instance, method, params);
}

function chan(): BroadcastChannel {
  if (channel === undefined) {
    channel = new BroadcastChannel(data.channel);
    channel.onmessage = (ev: unknown) => {
      const m = (ev as { data: PoolChannelMessage }).data;
      if (m.type !== 'reply' || m.threadId !== threadId) return;
      const p = pending.get(m.id);
      if (p === undefined) return;
      pending.delete(m.id);
      clearTimeout(p.timer);
      if (m.ok) p.resolve(m.value);
      else p.reject(reviveError(m.error));
    };
    // Replies only matter while a call is pending; never keep the thread alive for them.
    (channel as unknown as { unref?: () => void }).unref?.();
  }
  return channel;
}

/** `ctx.call` of a pool thread: relayed through main on the BroadcastChannel, with its chain and deadline. */
function relayCall(actor: string, method: string, params: unknown, callTimeoutMs: number | undefined): Promise<unknown> {
  const chain = extendChain(chains.getStore() ?? EMPTY_CHAIN, data.name, actorOf(actor));
  if (chain instanceof CallDepthError) return Promise.reject(chain);
  const timeoutMs = callTimeoutMs ?? data.callTimeoutMs;
  return new Promise((resolve, reject) => {
    const id = nextId++;
    const timer = setTimeout(() => {
      if (pending.delete(id)) reject(new CallTimeoutError(actor, method, timeoutMs));
    }, timeoutMs);
    pending.set(id, { resolve, reject, timer });
    chan().postMessage({ type: 'call', threadId, id, target: actor, method, params, chain, timeoutMs } satisfies PoolChannelMessage);
  });
}

function load(): Promise<{ def: ActorDefinition; instance: ActorInstance }> {
  if (loaded !== undefined) return loaded;
  log = workerLogger(data.logLevel, (record) => chan().postMessage({ type: 'log', threadId, record } satisfies PoolChannelMessage));
  loaded = createActor(
    {
      ...data,
      signal: abort.signal,
      call: relayCall,
      emit: (type, payload) => chan().postMessage({ type: 'event', threadId, event: type, payload } satisfies PoolChannelMessage),
    },
    log,
  );
  if (data.heapReportMs > 0) {
    const report = (): void => {
      const counts = direct.take();
      chan().postMessage(
        (counts === undefined
          ? { type: 'heap', threadId, heap: ownHeap(threadId) }
          : { type: 'heap', threadId, heap: ownHeap(threadId), direct: counts }) satisfies PoolChannelMessage,
      );
    };
    void loaded.then(report, () => undefined);
    setInterval(report, data.heapReportMs).unref();
  }
  return loaded;
}

/** The reply queues of the direct links this thread serves (flushed before a stop answers). */
const linkReplies = new Set<BatchPort<PeerReply>>();

/** Serve a direct link: each `PeerRequest` on `port` is answered on it, the answers of one turn batched (batch-port.ts). */
function attach(port: MessagePort, def: ActorDefinition, instance: ActorInstance): void {
  // An answer whose value cannot be cloned goes alone, as an error answer (postReply).
  const out = new BatchPort<PeerReply>(port, (m) => postReply(port, m));
  linkReplies.add(out);
  port.once('close', () => {
    out.close();
    linkReplies.delete(out);
  });
  const reply = (m: PeerReply, method?: string, t0 = 0): void => {
    if (method !== undefined && data.heapReportMs > 0) direct.add(method, m.ok, performance.now() - t0);
    // Free the mailbox slot before replying, so a caller pipelining at capacity never sees a stale count.
    mailbox.leave();
    out.push(m);
  };
  port.on('message', (batch: PeerRequest | PeerRequest[]) => eachMessage(batch, serveOne));
  function serveOne(req: PeerRequest): void {
    // Timed from here (taken off the port) to the reply, for the stats (docs/observer.md).
    const t0 = data.heapReportMs > 0 ? performance.now() : 0;
    if (stopping !== undefined) {
      const err = reloaded ? new ActorReloadedError(data.name) : new RuntimeStoppedError(`actor '${data.name}' is stopping`);
      reply({ type: 'reply', id: req.id, ok: false, error: serializeError(err) });
      return;
    }
    const deep = tooDeep(req.chain, data.name);
    if (deep !== undefined) {
      reply({ type: 'reply', id: req.id, ok: false, error: serializeError(deep) });
      return;
    }
    let r: unknown;
    enter();
    try {
      r = invokeIn(req.chain, def, instance, req.method, req.params);
    } catch (err) {
      leave();
      reply({ type: 'reply', id: req.id, ok: false, error: serializeError(err) }, req.method, t0);
      return;
    }
    Promise.resolve(r).then(
      (result) => {
        leave();
        let value: unknown;
        try {
          value = resultValue(result);
        } catch (err) {
          reply({ type: 'reply', id: req.id, ok: false, error: serializeError(err) }, req.method, t0);
          return;
        }
        reply({ type: 'reply', id: req.id, ok: true, value }, req.method, t0);
      },
      (err: unknown) => {
        leave();
        reply({ type: 'reply', id: req.id, ok: false, error: serializeError(err) }, req.method, t0);
      },
    );
  }
}

/**
 * Stop this thread's instance, once: drain running calls within the deadline, abort `ctx.signal`,
 * run `stop()` in the time left. A thread that never loaded the actor has nothing to stop.
 */
function stop(timeoutMs: number, byReload: boolean): Promise<PoolResult> {
  if (byReload && stopping === undefined) reloaded = true;
  stopping ??= (async (): Promise<PoolResult> => {
    const deadline = Date.now() + timeoutMs;
    if (loaded === undefined) return { type: 'stopped', threadId };
    const { instance } = await loaded;
    const timeLeft = new AbortController();
    const expired = sleep(Math.max(0, deadline - Date.now()), undefined, { signal: timeLeft.signal, ref: false }).catch(() => undefined);
    if (running > 0) await Promise.race([new Promise<void>((resolve) => (drained = resolve)), expired]);
    abort.abort();
    try {
      await Promise.race([Promise.resolve(instance.stop?.()), expired]);
    } catch (err) {
      log?.warn({ err }, 'actor stop() failed');
    } finally {
      timeLeft.abort();
    }
    // Answers gathered this turn leave before the thread may be ended.
    for (const out of linkReplies) out.flush();
    return { type: 'stopped', threadId };
  })();
  return stopping;
}

export default async function task(t: PoolTask): Promise<PoolResult> {
  if (t.type === 'stop') return stop(t.timeoutMs, t.reloaded === true);
  const { def, instance } = await load();
  switch (t.type) {
    case 'probe': {
      const manifest = JSON.parse(JSON.stringify(resolveManifest(def, (data.options ?? {}) as Record<string, unknown>))) as ActorManifest;
      return { type: 'probe', threadId, manifest, methods: methodDocs(def, instance) };
    }
    case 'attach':
      attach(t.port, def, instance);
      return { type: 'attached', threadId };
    case 'call':
      enter();
      try {
        const deep = tooDeep(t.chain, data.name);
        if (deep !== undefined) throw deep;
        const value = resultValue(await invokeIn(t.chain, def, instance, t.method, t.params));
        return { type: 'reply', threadId, ok: true, value };
      } catch (err) {
        return { type: 'reply', threadId, ok: false, error: serializeError(err) };
      } finally {
        leave();
      }
  }
}
