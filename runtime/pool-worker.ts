/**
 * Task entry of a stateless actor's piscina pool. Each pool thread loads the actor module once
 * (first task), runs `create(ctx)`, and then answers tasks. Handler errors are RETURNED as
 * `{ ok: false, error }`, so a rejected task always means the thread died (→ `ActorExitedError`).
 *
 * `ctx.call` and `ctx.emit` go to main over a BroadcastChannel (piscina owns the thread's own
 * channel); main answers on the same channel, and each thread keeps the replies for its threadId.
 *
 * An `attach` task hands the thread one end of a direct link from another actor's worker
 * (runtime/stateless-actor.ts `openPeer`): the thread then serves that actor's calls on the port,
 * between and alongside its tasks, and frees a slot of the shared mailbox counter per answer.
 *
 * As in actor-host.ts, a handler serving a call from another actor runs inside an AsyncLocalStorage
 * holding the call's chain, and every `ctx.call` has a deadline (`CallTimeoutError`).
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { BroadcastChannel, threadId, type MessagePort } from 'node:worker_threads';
import { workerData } from 'piscina';
import type { ActorContext, ActorDefinition, ActorInstance, ActorManifest } from './actor.js';
import { resolveManifest } from './actor.js';
import { invoke, loadDefinition, methodDocs } from './definition.js';
import { EMPTY_CHAIN, extendChain, tooDeep } from './call-chain.js';
import { CallDepthError, CallTimeoutError, reviveError, serializeError } from './errors.js';
import { createLogger } from './logging.js';
import type { PeerReply, PeerRequest, PoolChannelMessage, PoolData, PoolResult, PoolTask } from './protocol.js';

const data = workerData as PoolData;
const counter = new Int32Array(data.counter);
let loaded: Promise<{ def: ActorDefinition; instance: ActorInstance }> | undefined;
let channel: BroadcastChannel | undefined;
let nextId = 1;
const pending = new Map<number, { resolve(v: unknown): void; reject(e: unknown): void; timer: NodeJS.Timeout }>();
const chains = new AsyncLocalStorage<readonly string[]>();

/** Invoke inside the call's chain (only when it has one). */
function invokeIn(chain: readonly string[] | undefined, def: ActorDefinition, instance: ActorInstance, method: string, params: unknown): unknown {
  return chain === undefined || chain.length === 0 ? invoke(def, instance, method, params) : chains.run(chain, invoke, def, instance, method, params);
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

function load(): Promise<{ def: ActorDefinition; instance: ActorInstance }> {
  loaded ??= (async () => {
    const def = await loadDefinition(data.moduleUrl);
    const ctx: ActorContext = {
      name: data.name,
      options: (data.options ?? {}) as Record<string, unknown>,
      home: data.home,
      log: createLogger(data.logLevel).child({ actor: data.name, threadId }),
      signal: new AbortController().signal,
      call: <R>(actor: string, method: string, params?: unknown, opts?: { timeoutMs?: number }) => {
        const slash = actor.indexOf('/');
        const chain = extendChain(chains.getStore() ?? EMPTY_CHAIN, data.name, slash < 0 ? actor : actor.slice(0, slash));
        if (chain instanceof CallDepthError) return Promise.reject(chain);
        const timeoutMs = opts?.timeoutMs ?? data.callTimeoutMs;
        return new Promise<R>((resolve, reject) => {
          const id = nextId++;
          const timer = setTimeout(() => {
            if (pending.delete(id)) reject(new CallTimeoutError(actor, method, timeoutMs));
          }, timeoutMs);
          pending.set(id, { resolve, reject, timer });
          chan().postMessage({ type: 'call', threadId, id, target: actor, method, params, chain, timeoutMs } satisfies PoolChannelMessage);
        });
      },
      emit: (type: string, payload?: unknown) => {
        chan().postMessage({ type: 'event', threadId, event: type, payload } satisfies PoolChannelMessage);
      },
    };
    const instance = await def.create(ctx);
    return { def, instance };
  })();
  return loaded;
}

/** Serve a direct link: each `PeerRequest` on `port` is answered on it. */
function attach(port: MessagePort, def: ActorDefinition, instance: ActorInstance): void {
  const reply = (m: PeerReply): void => {
    // Free the mailbox slot before replying, so a caller pipelining at capacity never sees a stale count.
    Atomics.sub(counter, 0, 1);
    try {
      port.postMessage(m);
    } catch (err) {
      port.postMessage({ type: 'reply', id: m.id, ok: false, error: serializeError(err) } satisfies PeerReply);
    }
  };
  port.on('message', (req: PeerRequest) => {
    const deep = tooDeep(req.chain, data.name);
    if (deep !== undefined) {
      reply({ type: 'reply', id: req.id, ok: false, error: serializeError(deep) });
      return;
    }
    let r: unknown;
    try {
      r = invokeIn(req.chain, def, instance, req.method, req.params);
    } catch (err) {
      reply({ type: 'reply', id: req.id, ok: false, error: serializeError(err) });
      return;
    }
    Promise.resolve(r).then(
      (value) => reply({ type: 'reply', id: req.id, ok: true, value }),
      (err: unknown) => reply({ type: 'reply', id: req.id, ok: false, error: serializeError(err) }),
    );
  });
}

export default async function task(t: PoolTask): Promise<PoolResult> {
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
      try {
        const deep = tooDeep(t.chain, data.name);
        if (deep !== undefined) throw deep;
        const value = await invokeIn(t.chain, def, instance, t.method, t.params);
        return { type: 'reply', threadId, ok: true, value };
      } catch (err) {
        return { type: 'reply', threadId, ok: false, error: serializeError(err) };
      }
  }
}
