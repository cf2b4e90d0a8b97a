/** Waiting in tests: by condition (with a deadline and the last error in the message), or plainly. */

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Polls `check` until it returns a truthy value or the deadline passes. */
export async function waitFor<T>(what: string, check: () => T | Promise<T>, timeoutMs = 15_000, everyMs = 50): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`);
    await sleep(everyMs);
  }
}

/**
 * `p`'s outcome, or a failure if `p` has not settled within `ms`. For "answers at once rather than
 * hanging until a long timeout": `ms` sits far above any busy machine's delay (15 s, say) and below
 * the timeout or hang the test guards against, so it tells the two apart without measuring speed.
 */
export async function settlesWithin<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: not settled within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([p, late]);
  } finally {
    clearTimeout(timer);
  }
}

/** Whether `first` settles (resolves or rejects) before `second` does: an order of events, not a duration. */
export async function settlesBefore(first: Promise<unknown>, second: Promise<unknown>): Promise<boolean> {
  const done = (p: Promise<unknown>, tag: 'first' | 'second') =>
    p.then(
      () => tag,
      () => tag,
    );
  return (await Promise.race([done(first, 'first'), done(second, 'second')])) === 'first';
}
