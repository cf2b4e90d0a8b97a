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
 * Calls `fn` on each of `items` in order, at most `limit` at once: `limit` runners each take the next
 * item when their last one is done (a few promises, not one per item). No item is taken once `going()`
 * is false.
 */
export async function eachLimited<T>(
  items: readonly T[],
  limit: number,
  fn: (item: T, index: number) => Promise<void>,
  going: () => boolean = () => true,
): Promise<void> {
  let next = 0;
  const runner = async (): Promise<void> => {
    while (next < items.length && going()) {
      const i = next++;
      await fn(items[i] as T, i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(Math.max(1, limit), items.length) }, runner));
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
