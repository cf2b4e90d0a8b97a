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

/** How a call ends: `ok` with its value, or not with its error. Called once. */
type Done = (ok: boolean, value: unknown) => void;

/** A relayed call waiting for main's answer. */
interface Pending {
  readonly done: Done;
  timer: NodeJS.Timeout | undefined;
}

/** A call sent (or queued to be sent) on a link, waiting for its reply. */
interface LinkCall {
  readonly id: number;
  /** Cleared once the call is settled (answered, timed out, refused by clone, link closed). */
  done: Done | undefined;
  readonly method: string;
  /** When it expires (`performance.now()` scale: monotonic), and the whole deadline for the error. */
  readonly expires: number;
  readonly deadlineMs: number;
}

/** Settled calls may wait in a link's deadline queue behind a pending one; beyond this many, it is compacted. */
const COMPACT_AT = 1024;

/**
 * A direct channel to one incarnation of a target actor.
 *
 * Deadlines: ONE timer per link, not one per call. Calls are kept in send order with the time they
 * expire; the calls of a link nearly always share a timeout, so send order is also expiry order and
 * the timer waits only for the oldest call still pending. A call expiring before one sent earlier (a
 * shorter `timeoutMs`) marks the queue unordered: then the timer scans it whole when it fires, and is
 * armed again for the earliest deadline left.
 */
class Link {
  readonly #pending = new Map<number, LinkCall>();
  readonly #mailbox: Mailbox;
  /** Calls go batched per turn (batch-port.ts). */
  readonly #out: BatchPort<PeerRequest>;
  #nextId = 1;
  #closed = false;
  /** Calls in send order with their expiry; settled ones are skipped (and compacted away). */
  #byAge: LinkCall[] = [];
  #ageHead = 0;
  /** Expiries in `#byAge` never decrease (the usual case: one timeout for every call). */
  #ordered = true;
  #lastExpires = 0;
  #timer: NodeJS.Timeout | undefined;
  /** When `#timer` fires (`performance.now()` scale); Infinity when not armed. */
  #timerAt = Infinity;
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
      this.#settle(m.id, false, err);
    });
    port.on('message', (m: PeerReply | PeerReply[]) => eachMessage(m, this.#onReply));
    port.once('close', () => onClose(this));
  }

  /**
   * Send one call; `done` is called once with its outcome. `timeoutMs`: the time left; `deadlineMs`:
   * the call's whole deadline, for the error.
   */
  send(method: string, params: unknown, chain: readonly string[], timeoutMs: number, deadlineMs: number, done: Done): void {
    if (this.#closed) return done(false, new ActorExitedError(this.target, 'link closed'));
    if (!this.#mailbox.tryEnter()) {
      this.onFull();
      return done(false, new MailboxFullError(this.target, this.capacity));
    }
    const id = this.#nextId++;
    const c: LinkCall = { id, done, method, expires: performance.now() + timeoutMs, deadlineMs };
    this.#pending.set(id, c);
    this.#track(c);
    this.#out.push({ type: 'call', id, method, params, chain } satisfies PeerRequest);
  }

  readonly #onReply = (m: PeerReply): void => {
    if (m.ok) this.#settle(m.id, true, m.value);
    else if (this.#pending.has(m.id)) this.#settle(m.id, false, reviveError(m.error));
    // else: timed out already
  };

  /** Settles call `id` if still pending (its deadline entry is skipped later). */
  #settle(id: number, ok: boolean, value: unknown): void {
    const c = this.#pending.get(id);
    if (c === undefined) return;
    this.#pending.delete(id);
    const done = c.done;
    c.done = undefined;
    if (this.#pending.size === 0) this.#idle();
    done?.(ok, value);
  }

  /** Nothing pending: the deadline queue and its timer are dropped (armed again by the next call). */
  #idle(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#timerAt = Infinity;
    this.#byAge = [];
    this.#ageHead = 0;
    this.#ordered = true;
    this.#lastExpires = 0;
  }

  #track(c: LinkCall): void {
    if (c.expires < this.#lastExpires) this.#ordered = false;
    else this.#lastExpires = c.expires;
    this.#byAge.push(c);
    if (c.expires < this.#timerAt) this.#arm(c.expires);
    else if (this.#byAge.length - this.#ageHead > COMPACT_AT && this.#byAge.length - this.#ageHead > 2 * this.#pending.size)
      this.#compact();
  }

  #arm(at: number): void {
    clearTimeout(this.#timer);
    this.#timerAt = at;
    this.#timer = setTimeout(this.#expire, Math.max(1, Math.ceil(at - performance.now())));
  }

  /** Drops settled entries from the deadline queue. */
  #compact(): void {
    const live: LinkCall[] = [];
    let last = 0;
    let ordered = true;
    for (let i = this.#ageHead; i < this.#byAge.length; i++) {
      const c = this.#byAge[i] as LinkCall;
      if (c.done === undefined) continue;
      live.push(c);
      if (c.expires < last) ordered = false;
      else last = c.expires;
    }
    this.#byAge = live;
    this.#ageHead = 0;
    this.#ordered = ordered;
    this.#lastExpires = last;
  }

  /** The timer fired: every call past its deadline rejects with `CallTimeoutError`; then wait for the earliest one left. */
  readonly #expire = (): void => {
    this.#timer = undefined;
    this.#timerAt = Infinity;
    if (this.#closed) return;
    const now = performance.now();
    const timedOut: LinkCall[] = [];
    if (this.#ordered) {
      // Oldest first: stop at the first call still inside its deadline.
      while (this.#ageHead < this.#byAge.length) {
        const c = this.#byAge[this.#ageHead] as LinkCall;
        if (c.done !== undefined && c.expires > now) break;
        this.#ageHead++;
        if (c.done !== undefined) timedOut.push(c);
      }
      if (this.#ageHead * 2 > this.#byAge.length) {
        this.#byAge = this.#byAge.slice(this.#ageHead);
        this.#ageHead = 0;
      }
    } else {
      for (let i = this.#ageHead; i < this.#byAge.length; i++) {
        const c = this.#byAge[i] as LinkCall;
        if (c.done !== undefined && c.expires <= now) timedOut.push(c);
      }
    }
    for (const c of timedOut) this.#settle(c.id, false, new CallTimeoutError(this.target, c.method, c.deadlineMs));
    if (!this.#ordered) this.#compact();
    this.#rearm();
  };

  /** Arms the timer for the earliest deadline still pending, if any. */
  #rearm(): void {
    let earliest = Infinity;
    if (this.#ordered) {
      while (this.#ageHead < this.#byAge.length && (this.#byAge[this.#ageHead] as LinkCall).done === undefined) this.#ageHead++;
      const head = this.#byAge[this.#ageHead];
      if (head !== undefined) earliest = head.expires;
    } else {
      for (let i = this.#ageHead; i < this.#byAge.length; i++) {
        const c = this.#byAge[i] as LinkCall;
        if (c.done !== undefined && c.expires < earliest) earliest = c.expires;
      }
    }
    if (earliest !== Infinity) this.#arm(earliest);
  }

  /** Reject everything pending and close the port. Idempotent. */
  close(reason: string): void {
    if (this.#closed) return;
    this.#closed = true;
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#timerAt = Infinity;
    // Calls still queued never reach the target: give their mailbox slots back.
    for (const _ of this.#out.close()) this.#mailbox.leave();
    this.#byAge = [];
    this.#ageHead = 0;
    const pending = [...this.#pending.values()];
    this.#pending.clear();
    for (const c of pending) {
      const done = c.done;
      c.done = undefined;
      done?.(false, this.moved ? new ActorReloadedError(this.target) : new ActorExitedError(this.target, reason));
    }
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
   * within the same deadline. One promise per call: the attempts report to `done`.
   */
  call(name: string, method: string, params: unknown, timeoutMs?: number): Promise<unknown> {
    const target = actorOf(name);
    const ms = timeoutMs ?? this.defaultTimeoutMs;
    const current = this.current();
    // Work started from main (the group's provisions) has no chain: every such call carries the same `[self]`.
    const chain = current.length === 0 ? this.#ownChain : extendChain(current, this.self, target);
    if (chain instanceof CallDepthError) return Promise.reject(chain);
    return new Promise((resolve, reject) => {
      const t0 = performance.now();
      let tries = 0;
      const done: Done = (ok, value) => {
        if (ok) return resolve(value);
        const spent = performance.now() - t0;
        if (!isReloaded(value) || tries >= RELOAD_RETRIES || spent >= ms) return reject(value);
        tries++;
        const link = this.#links.get(target);
        if (link instanceof Link && link.moved) this.#links.delete(target);
        this.#send(target, method, params, chain, Math.max(1, ms - spent), ms, done);
      };
      this.#send(target, method, params, chain, ms, ms, done);
    });
  }

  #send(target: string, method: string, params: unknown, chain: readonly string[], ms: number, deadlineMs: number, done: Done): void {
    const link = this.#links.get(target);
    if (link instanceof Link) return link.send(method, params, chain, ms, deadlineMs, done);
    if (link === RELAY) return this.#relay(target, method, params, chain, ms, deadlineMs, done);
    // Connecting may wait (the target is still starting): the deadline covers it.
    const t0 = performance.now();
    let expired = false;
    const timer = setTimeout(() => {
      expired = true;
      done(false, new CallTimeoutError(target, method, deadlineMs));
    }, ms);
    this.#connect(target).then(
      (l) => {
        if (expired) return;
        clearTimeout(timer);
        const left = Math.max(1, ms - (performance.now() - t0));
        if (l === RELAY) this.#relay(target, method, params, chain, left, deadlineMs, done);
        else l.send(method, params, chain, left, deadlineMs, done);
      },
      (err: unknown) => {
        if (expired) return;
        clearTimeout(timer);
        done(false, err);
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
    deadlineMs: number,
    done: Done,
  ): void {
    const id = this.#nextId++;
    const p: Pending = { done, timer: undefined };
    this.#relays.set(id, p);
    p.timer = setTimeout(() => {
      if (this.#relays.delete(id)) done(false, new CallTimeoutError(target, method, deadlineMs));
    }, timeoutMs);
    try {
      this.post({ type: 'relay-call', id, target, method, params, chain, timeoutMs });
    } catch (err) {
      // Its params cannot be cloned: this call fails alone.
      this.#relays.delete(id);
      clearTimeout(p.timer);
      done(false, err);
    }
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
    const p = this.#relays.get(id);
    if (p === undefined) return;
    this.#relays.delete(id);
    clearTimeout(p.timer);
    if (ok) p.done(true, value);
    else p.done(false, reviveError(error as SerializedError));
  }

  /** Close every link (worker stopping). */
  closeAll(reason: string): void {
    for (const l of this.#links.values()) if (l instanceof Link) l.close(reason);
    this.#links.clear();
  }
}
