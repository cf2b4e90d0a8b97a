/**
 * The bytes of request bodies a socket front end holds at once, shared by all its sockets and
 * connections: a body that would take more than is left is refused (503) and dropped.
 */

/** Default budget of buffered request bytes across every connection of a front end: 64 MiB. */
export const DEFAULT_BUFFER_BUDGET = 64 * 1024 * 1024;

/** Default most connections open at once on one plugin socket. */
export const DEFAULT_MAX_CONNECTIONS = 256;

export class ByteBudget {
  #used = 0;
  #peak = 0;

  constructor(readonly limit: number = DEFAULT_BUFFER_BUDGET) {
    if (!(limit > 0)) throw new RangeError(`buffer budget must be positive, got ${limit}`);
  }

  /** Bytes held now. */
  get used(): number {
    return this.#used;
  }

  /** Most bytes held at once so far. */
  get peak(): number {
    return this.#peak;
  }

  get available(): number {
    return this.limit - this.#used;
  }

  /** Take `n` bytes if they fit; `false` (nothing taken) when they do not. */
  tryTake(n: number): boolean {
    if (this.#used + n > this.limit) return false;
    this.#used += n;
    if (this.#used > this.#peak) this.#peak = this.#used;
    return true;
  }

  give(n: number): void {
    this.#used = Math.max(0, this.#used - n);
  }
}
