/** Small helpers every room uses: one definition each. */

/** A JSON object: not null, not an array. */
export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The actor (socket) a plugin name names: the part before the first `/` (`simulator/compute` → `simulator`). */
export function actorOf(pluginName: string): string {
  const slash = pluginName.indexOf('/');
  return slash < 0 ? pluginName : pluginName.slice(0, slash);
}

/**
 * Runs `once` one at a time. Asked while a run is under way, it runs once more after that one (what
 * it works from may have changed meanwhile), and every request made meanwhile shares that next run.
 */
export class RerunAfter<T> {
  #current: Promise<T> | undefined;
  #next: Promise<T> | undefined;

  constructor(private readonly once: () => Promise<T>) {}

  /** The run under way, if any. */
  get current(): Promise<T> | undefined {
    return this.#current;
  }

  run(): Promise<T> {
    if (this.#current === undefined) {
      const run = this.once().finally(() => {
        if (this.#current === run) this.#current = undefined;
      });
      this.#current = run;
      return run;
    }
    this.#next ??= this.#current
      .catch(() => undefined)
      .then(() => {
        this.#next = undefined;
        return this.run();
      });
    return this.#next;
  }
}
