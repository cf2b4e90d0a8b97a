/**
 * An actor's mailbox bound: a shared Int32 counter (in a SharedArrayBuffer) of calls accepted and
 * not yet answered, from every sender. Callers `tryEnter()` before sending (main, and peers over
 * direct ports); whoever answers `leave()`s. Every thread holding the buffer sees the same count.
 */
export class Mailbox {
  readonly #count: Int32Array;

  /** `buffer`: the shared counter (a new one by default); `capacity`: calls accepted at once (callers' side). */
  constructor(
    readonly capacity: number,
    readonly buffer: SharedArrayBuffer = new SharedArrayBuffer(4),
  ) {
    this.#count = new Int32Array(buffer);
  }

  /** Take a slot; false (and nothing taken) when the mailbox is full. */
  tryEnter(): boolean {
    if (Atomics.add(this.#count, 0, 1) < this.capacity) return true;
    Atomics.sub(this.#count, 0, 1);
    return false;
  }

  /** Give back a slot: a call was answered (or never sent). */
  leave(): void {
    Atomics.sub(this.#count, 0, 1);
  }

  /** Calls accepted and not yet answered. */
  get depth(): number {
    return Atomics.load(this.#count, 0);
  }
}
