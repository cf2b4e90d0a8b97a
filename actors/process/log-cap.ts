/**
 * Caps an instance's log at `maxBytes`, with one rotation (`<log>.1`), while the child runs. The
 * child writes through O_APPEND (no pipe), so the file cannot be renamed away: a log past the cap is
 * copied (its last `maxBytes`) to `<log>.1` and truncated in place; lines written in between are lost.
 * Checked on inotify changes (throttled) and on a backstop timer: disk use ≈ 2 × `maxBytes` + one interval.
 */
import { watch, type FSWatcher } from 'node:fs';
import { open, rm, stat } from 'node:fs/promises';
import type { ActorLogger } from '../../runtime/worker-log.js';

/** Rotate `path` if it is larger than `maxBytes`. Returns true when it rotated. */
export async function capLog(path: string, maxBytes: number): Promise<boolean> {
  let size: number;
  try {
    size = (await stat(path)).size;
  } catch {
    return false;
  }
  if (size <= maxBytes) return false;
  const src = await open(path, 'r+');
  try {
    const len = Math.min(size, maxBytes);
    const buf = Buffer.alloc(len);
    const { bytesRead } = await src.read(buf, 0, len, size - len);
    const dst = await open(`${path}.1`, 'w', 0o600);
    try {
      await dst.chmod(0o600); // an older .1 may predate private modes
      await dst.writeFile(buf.subarray(0, bytesRead));
    } finally {
      await dst.close();
    }
    await src.truncate(0);
  } finally {
    await src.close();
  }
  return true;
}

/** Remove a log and its rotation. */
export async function removeLog(path: string): Promise<void> {
  await Promise.all([rm(path, { force: true }), rm(`${path}.1`, { force: true })]);
}

/** Watches the logs of the instances it is told about and caps each one. */
export class LogCapper {
  private readonly logs = new Map<string, string>();
  private timer: NodeJS.Timeout | undefined;
  private watcher: FSWatcher | undefined;
  private soon: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private again = false;
  /** Log file names the watcher reported since the last check. */
  private readonly pending = new Set<string>();

  constructor(
    private readonly dir: string,
    private readonly maxBytes: number,
    private readonly intervalMs: number,
    private readonly log: ActorLogger,
  ) {}

  start(): void {
    if (this.timer !== undefined) return;
    this.timer = setInterval(() => void this.check(), this.intervalMs);
    this.timer.unref();
    try {
      this.watcher = watch(this.dir, { persistent: false }, (_event, name) => this.checkSoon(name));
      this.watcher.on('error', () => this.stopWatching());
    } catch {
      // no inotify (or out of watches): the timer alone caps the logs
    }
  }

  add(id: string, path: string): void {
    this.logs.set(id, path);
  }

  delete(id: string): void {
    this.logs.delete(id);
  }

  /** Check every known log now (what the timer does); `only`: just the logs with these file names. */
  check(only?: ReadonlySet<string>): Promise<void> {
    if (this.running !== undefined) {
      this.again = true;
      return this.running;
    }
    this.running = (async () => {
      let scope = only;
      do {
        this.again = false;
        for (const [id, path] of [...this.logs]) {
          if (scope !== undefined && !scope.has(`${id}.log`)) continue;
          try {
            if (await capLog(path, this.maxBytes))
              this.log.info({ instance: id, log: path, maxBytes: this.maxBytes }, 'instance log rotated');
          } catch (err) {
            this.log.warn({ instance: id, log: path, err }, 'instance log could not be rotated');
          }
        }
        scope = undefined; // a check asked for meanwhile: look at every log
      } while (this.again);
    })().finally(() => (this.running = undefined));
    return this.running;
  }

  stop(): void {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
    if (this.soon !== undefined) clearTimeout(this.soon);
    this.soon = undefined;
    this.stopWatching();
  }

  private checkSoon(name: string | null): void {
    if (this.timer === undefined || name === null || !name.endsWith('.log')) return;
    this.pending.add(name);
    if (this.soon !== undefined) return;
    this.soon = setTimeout(
      () => {
        this.soon = undefined;
        const names = new Set(this.pending);
        this.pending.clear();
        void this.check(names);
      },
      Math.min(50, this.intervalMs),
    );
    this.soon.unref();
  }

  private stopWatching(): void {
    this.watcher?.close();
    this.watcher = undefined;
  }
}
