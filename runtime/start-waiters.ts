/**
 * Calls that reach an actor during its first start wait for it to be ready instead of being refused:
 * at most `capacity` of them at once (beyond, `MailboxFullError`), each within its own deadline.
 * Shared by both actor kinds (stateful-actor.ts, stateless-actor.ts).
 */
import { CallTimeoutError, MailboxFullError } from './errors.js';
import type { Supervisor } from './supervisor.js';

export class StartWaiters {
  #waiting = 0;

  constructor(
    private readonly name: string,
    private readonly capacity: number,
    private readonly sup: Supervisor,
  ) {}

  /**
   * Resolves once `started` does, with what is left of `timeoutMs` (at least 1 ms), or rejects with
   * the start's error, `CallTimeoutError`, or `MailboxFullError` when `capacity` calls already wait.
   */
  async wait(started: Promise<void>, method: string, timeoutMs: number | undefined): Promise<number | undefined> {
    if (this.#waiting >= this.capacity) {
      this.sup.emit('mailbox:full', { name: this.name, capacity: this.capacity });
      throw new MailboxFullError(this.name, this.capacity);
    }
    this.#waiting++;
    const t0 = performance.now();
    let timer: NodeJS.Timeout | undefined;
    try {
      await (timeoutMs === undefined
        ? started
        : Promise.race([
            started,
            new Promise<never>(
              (_, reject) => (timer = setTimeout(() => reject(new CallTimeoutError(this.name, method, timeoutMs)), timeoutMs)),
            ),
          ]));
    } finally {
      clearTimeout(timer);
      this.#waiting--;
    }
    return timeoutMs === undefined ? undefined : Math.max(1, timeoutMs - (performance.now() - t0));
  }
}
