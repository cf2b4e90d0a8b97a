/**
 * Worker side of actor-to-actor calls (`ctx.call`): direct ports handed out by main, the target's
 * shared mailbox counter honoured on the caller's side, `peer-exited` rejecting what is pending
 * (`ActorExitedError`), the relay through main for names with no local actor (cached until
 * `peer-added`), deadlines (`CallTimeoutError`) and call chains (`CallDepthError`).
 * How it works: docs/architecture.md, "Actor to actor: direct ports" and "Call chains".
 */
import type { MessagePort } from 'node:worker_threads';
import {
  ActorExitedError,
  ActorReloadedError,
  CallDepthError,
  CallTimeoutError,
  InfrakitError,
  MailboxFullError,
  reviveError,
  type SerializedError,
} from './errors.js';
import { assertNever } from './assert-never.js';
import { BatchPort, eachMessage } from './batch-port.js';
import { extendChain } from './call-chain.js';
import { Mailbox } from './mailbox.js';
import type { ConnectResult, FromWorker, PeerReply, PeerRequest } from './protocol.js';
import { actorOf } from './util.js';

interface Pending {
  resolve(v: unknown): void;
  reject(e: unknown): void;
  timer: NodeJS.Timeout | undefined;
}

/** Registers `p` under `id` in `map`, dropped after `ms` with `CallTimeoutError` naming the call's whole deadline. */
function arm(map: Map<number, Pending>, id: number, p: Pending, target: string, method: string, ms: number, deadlineMs: number): void {
  map.set(id, p);
  p.timer = setTimeout(() => {
    if (map.delete(id)) p.reject(new CallTimeoutError(target, method, deadlineMs));
  }, ms);
}

function settle(map: Map<number, Pending>, id: number): Pending | undefined {
  const p = map.get(id);
  if (p === undefined) return undefined;
  map.delete(id);
  clearTimeout(p.timer);
  return p;
}

/** A direct channel to one incarnation of a target actor. */
class Link {
  readonly #pending = new Map<number, Pending>();
  readonly #mailbox: Mailbox;
  /** Calls go batched per turn (batch-port.ts). */
  readonly #out: BatchPort<PeerRequest>;
  #nextId = 1;
  #closed = false;
  /** The target has new code (`peer-moved`): when this port closes, what is pending was never run, and is sent again. */
  moved = false;

  constructor(
    readonly target: string,
    readonly port: MessagePort,
    counter: SharedArrayBuffer,
    readonly capacity: number,
    readonly incarnation: number,
    private readonly onFull: () => void,
    onClose: (link: Link) => void,
  ) {
    this.#mailbox = new Mailbox(capacity, counter);
    this.#out = new BatchPort<PeerRequest>(port, (m, err) => {
      // This call's params cannot be cloned: it fails alone, and its slot was never used.
      this.#mailbox.leave();
      settle(this.#pending, m.id)?.reject(err);
    });
    port.on('message', (m: PeerReply | PeerReply[]) => eachMessage(m, (r) => this.#onReply(r)));
    port.once('close', () => onClose(this));
  }

  /** `timeoutMs`: the time left; `deadlineMs`: the call's whole deadline, for the error. */
  call(method: string, params: unknown, chain: readonly string[], timeoutMs: number, deadlineMs = timeoutMs): Promise<unknown> {
    if (this.#closed) return Promise.reject(new ActorExitedError(this.target, 'link closed'));
    if (!this.#mailbox.tryEnter()) {
      this.onFull();
      return Promise.reject(new MailboxFullError(this.target, this.capacity));
    }
    const id = this.#nextId++;
    return new Promise((resolve, reject) => {
      arm(this.#pending, id, { resolve, reject, timer: undefined }, this.target, method, timeoutMs, deadlineMs);
      this.#out.push({ type: 'call', id, method, params, chain } satisfies PeerRequest);
    });
  }

  #onReply(m: PeerReply): void {
    const p = settle(this.#pending, m.id);
    if (p === undefined) return; // timed out already
    if (m.ok) p.resolve(m.value);
    else p.reject(reviveError(m.error));
  }

  /** Reject everything pending and close the port. Idempotent. */
  close(reason: string): void {
    if (this.#closed) return;
    this.#closed = true;
    // Calls still queued never reach the target: give their mailbox slots back.
    for (const _ of this.#out.close()) this.#mailbox.leave();
    for (const p of this.#pending.values()) {
      clearTimeout(p.timer);
      p.reject(this.moved ? new ActorReloadedError(this.target) : new ActorExitedError(this.target, reason));
    }
    this.#pending.clear();
    this.port.close();
  }
}

const RELAY = Symbol('relay');

/**
 * How many times one call is sent again after `ActorReloadedError` (it never ran: the target's code was
 * replaced first). Each reload answers at most once per call, so more would mean reloads back to back.
 */
const RELOAD_RETRIES = 3;

function isReloaded(err: unknown): boolean {
  return err instanceof InfrakitError && err.code === 'IK_ACTOR_RELOADED';
}

/** All links of one worker, plus the relay through main. */
export class PeerLinks {
  readonly #links = new Map<string, Link | typeof RELAY>();
  readonly #connecting = new Map<string, Promise<Link | typeof RELAY>>();
  readonly #connects = new Map<number, { target: string; resolve(r: ConnectResult): void }>();
  readonly #relays = new Map<number, Pending>();
  #nextId = 1;
  readonly #ownChain: readonly string[];

  /**
   * `self`: this actor's name; `defaultTimeoutMs`: the deadline of a call that names none;
   * `current`: the chain of the call being handled (empty outside any call from another actor).
   */
  constructor(
    private readonly self: string,
    private readonly defaultTimeoutMs: number,
    private readonly current: () => readonly string[],
    private readonly post: (m: FromWorker) => void,
  ) {
    this.#ownChain = Object.freeze([self]);
  }

  /**
   * `ctx.call`: only the part of `name` before the first `/` picks the actor. A call the target answers
   * with `ActorReloadedError` (its code was replaced before the call ran) is sent again, to the new code,
   * within the same deadline.
   */
  call(name: string, method: string, params: unknown, timeoutMs?: number): Promise<unknown> {
    const target = actorOf(name);
    const ms = timeoutMs ?? this.defaultTimeoutMs;
    const current = this.current();
    // Work started from main (the group's provisions) has no chain: every such call carries the same `[self]`.
    const chain = current.length === 0 ? this.#ownChain : extendChain(current, this.self, target);
    if (chain instanceof CallDepthError) return Promise.reject(chain);
    const t0 = Date.now();
    const attempt = (tries: number): Promise<unknown> =>
      this.#callOnce(target, method, params, chain, Math.max(1, ms - (Date.now() - t0)), ms).catch((err: unknown) => {
        if (!isReloaded(err) || tries >= RELOAD_RETRIES || Date.now() - t0 >= ms) throw err;
        const link = this.#links.get(target);
        if (link instanceof Link && link.moved) this.#links.delete(target);
        return attempt(tries + 1);
      });
    return attempt(0);
  }

  #callOnce(target: string, method: string, params: unknown, chain: readonly string[], ms: number, deadlineMs: number): Promise<unknown> {
    const link = this.#links.get(target);
    if (link instanceof Link) return link.call(method, params, chain, ms, deadlineMs);
    if (link === RELAY) return this.#relay(target, method, params, chain, ms, deadlineMs);
    // Connecting may wait (the target is still starting): the deadline covers it.
    const t0 = Date.now();
    let timer: NodeJS.Timeout | undefined;
    const expired = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new CallTimeoutError(target, method, deadlineMs)), ms);
    });
    return Promise.race([this.#connect(target), expired]).then(
      (l) => {
        clearTimeout(timer);
        const left = Math.max(1, ms - (Date.now() - t0));
        return l === RELAY ? this.#relay(target, method, params, chain, left, deadlineMs) : l.call(method, params, chain, left, deadlineMs);
      },
      (err: unknown) => {
        clearTimeout(timer);
        throw err;
      },
    );
  }

  #connect(target: string): Promise<Link | typeof RELAY> {
    let p = this.#connecting.get(target);
    if (p !== undefined) return p;
    const id = this.#nextId++;
    p = new Promise<ConnectResult>((resolve) => {
      this.#connects.set(id, { target, resolve });
      this.post({ type: 'connect', id, target });
    }).then((r) => {
      this.#connecting.delete(target);
      switch (r.mode) {
        case 'port': {
          const link = new Link(
            target,
            r.port,
            r.counter,
            r.capacity,
            r.incarnation,
            () => this.post({ type: 'mailbox-full', target, capacity: r.capacity }),
            (l) => this.#drop(l, 'its worker exited (port closed)'),
          );
          this.#links.set(target, link);
          return link;
        }
        case 'relay':
          this.#links.set(target, RELAY);
          return RELAY;
        case 'error':
          throw reviveError(r.error);
        default:
          return assertNever(r);
      }
    });
    this.#connecting.set(target, p);
    return p;
  }

  #relay(
    target: string,
    method: string,
    params: unknown,
    chain: readonly string[],
    timeoutMs: number,
    deadlineMs = timeoutMs,
  ): Promise<unknown> {
    const id = this.#nextId++;
    return new Promise((resolve, reject) => {
      arm(this.#relays, id, { resolve, reject, timer: undefined }, target, method, timeoutMs, deadlineMs);
      this.post({ type: 'relay-call', id, target, method, params, chain, timeoutMs });
    });
  }

  #drop(link: Link, reason: string): void {
    link.close(reason);
    if (this.#links.get(link.target) === link) this.#links.delete(link.target);
  }

  /** Main answered a `connect`. */
  onConnected(id: number, result: ConnectResult): void {
    const c = this.#connects.get(id);
    if (c === undefined) return;
    this.#connects.delete(id);
    c.resolve(result);
  }

  /** Main says a target's worker of `incarnation` exited. */
  onPeerExited(target: string, incarnation: number, reason: string): void {
    const link = this.#links.get(target);
    if (link instanceof Link && link.incarnation === incarnation) this.#drop(link, reason);
  }

  /**
   * Main says `target` has new code: new calls connect again (to the new worker); the old link stays
   * open for the answers still due on it, and what it has not answered when it closes is sent again.
   */
  onPeerMoved(target: string): void {
    const link = this.#links.get(target);
    if (link instanceof Link) {
      link.moved = true;
      this.#links.delete(target);
    }
  }

  /** Main says an actor named `target` was declared: a cached relay for it is stale. */
  onPeerAdded(target: string): void {
    if (this.#links.get(target) === RELAY) this.#links.delete(target);
  }

  onRelayReply(id: number, ok: boolean, value: unknown, error: SerializedError | undefined): void {
    const p = settle(this.#relays, id);
    if (p === undefined) return;
    if (ok) p.resolve(value);
    else p.reject(reviveError(error as SerializedError));
  }

  /** Close every link (worker stopping). */
  closeAll(reason: string): void {
    for (const l of this.#links.values()) if (l instanceof Link) l.close(reason);
    this.#links.clear();
  }
}
