/**
 * Calls and replies posted on one port in one turn of the event loop cross as ONE message: an array
 * of them. A `postMessage` costs more than the clone of a small call: the receiving thread is woken
 * (a syscall) and dispatches an event per message. Under load many calls and replies are posted in
 * the same turn (32 sockets read in one poll phase; one batch of replies resolving 32 handlers), and
 * one message carrying them all costs about what one did. A lone message is posted as itself.
 *
 * The queue is flushed in the check phase of the same turn (`setImmediate`), so a message waits at
 * most for the rest of the turn's callbacks, and before any other message posted on the port through
 * `post`, so the order on the port is the order of posting. Receivers take either form
 * (`eachMessage`). Why and how much: docs/architecture.md, "Throughput".
 */
import type { TransferListItem } from 'node:worker_threads';

interface Port {
  postMessage(message: unknown, transfer?: readonly TransferListItem[]): void;
}

/**
 * A port's outgoing calls or replies, batched per turn. `refused(m, err)`: `m` alone could not be
 * cloned (a call's params: reject that call; a reply's value: `postReply` sends an error instead).
 */
export class BatchPort<M extends { readonly type: string }> {
  #queue: M[] = [];
  #scheduled: NodeJS.Immediate | undefined;
  #closed = false;

  constructor(
    private readonly port: Port,
    private readonly refused: (m: M, err: unknown) => void,
  ) {}

  /** Queue `m`; it is posted at the end of this turn with whatever else was queued. */
  push(m: M): void {
    if (this.#closed) return;
    this.#queue.push(m);
    this.#scheduled ??= setImmediate(this.#flushNow);
  }

  /** Post `m` at once (after what is queued): messages that carry ports, or that must not wait. */
  post(m: unknown, transfer?: readonly TransferListItem[]): void {
    this.flush();
    if (transfer === undefined) this.port.postMessage(m);
    else this.port.postMessage(m, transfer);
  }

  /** Calls or replies queued and not yet posted. */
  get queued(): number {
    return this.#queue.length;
  }

  /** Post what is queued now. */
  flush(): void {
    if (this.#scheduled !== undefined) {
      clearImmediate(this.#scheduled);
      this.#scheduled = undefined;
    }
    const q = this.#queue;
    if (q.length === 0) return;
    this.#queue = [];
    if (q.length === 1) return this.#postOne(q[0] as M);
    try {
      this.port.postMessage(q);
    } catch {
      // One of them cannot be cloned: send each alone, so only that one fails.
      for (const m of q) this.#postOne(m);
    }
  }

  /** Stop posting: what is queued is handed back (never sent), later pushes are dropped. */
  close(): M[] {
    this.#closed = true;
    if (this.#scheduled !== undefined) clearImmediate(this.#scheduled);
    this.#scheduled = undefined;
    const q = this.#queue;
    this.#queue = [];
    return q;
  }

  readonly #flushNow = (): void => {
    this.#scheduled = undefined;
    this.flush();
  };

  #postOne(m: M): void {
    try {
      this.port.postMessage(m);
    } catch (err) {
      this.refused(m, err);
    }
  }
}

/** Call `fn` on a message received from a `BatchPort`: on each of a batch, or on a lone one. */
export function eachMessage<M>(m: M | readonly M[], fn: (m: M) => void): void {
  if (!Array.isArray(m)) return fn(m as M);
  for (const x of m as readonly M[]) fn(x);
}
