/**
 * The group actor's crash journal (`<storeDir>/<handler>.group-journal.json`, 0600): which groups have
 * a convergence step in progress, and how many times in a row handling a group took the actor down.
 * A group still marked in progress at the next start was being handled when the previous incarnation
 * died; at QUARANTINE_AFTER such deaths it is set aside. Suspects (count > 0) step alone, so the next
 * death is attributed to one group only.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../../runtime/atomic-file.js';

export const QUARANTINE_AFTER = 3;

interface JournalFile {
  InProgress?: string[];
  Crashes?: Record<string, number>;
}

/** What a controller calls around each convergence step. */
export interface StepGate {
  begin(id: string): Promise<void>;
  end(id: string): void;
}

export class GroupJournal implements StepGate {
  private readonly crashes = new Map<string, number>();
  /** Steps (or commits) in progress, by group. */
  private readonly active = new Map<string, number>();
  private exclusive: string | null = null;
  private exclusiveWaiting = 0;
  private waiters: (() => void)[] = [];
  private writing: Promise<void> = Promise.resolve();
  private dirty = false;
  private closed = false;

  /** `path` null: kept in memory only (memory store). */
  constructor(readonly path: string | null) {}

  static pathFor(storeDir: string, handler: string): string {
    return join(storeDir, `${handler}.group-journal.json`);
  }

  /** Reads the journal: every group found in progress gets one more death. Unreadable → empty. */
  async load(): Promise<void> {
    if (this.path === null) return;
    let data: JournalFile;
    try {
      data = JSON.parse(await readFile(this.path, 'utf8')) as JournalFile;
    } catch (err) {
      // None yet (nothing to write back), or unreadable (started afresh).
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
      data = {};
    }
    for (const [id, n] of Object.entries(data.Crashes ?? {})) if (typeof n === 'number' && n > 0) this.crashes.set(id, n);
    for (const id of data.InProgress ?? []) if (typeof id === 'string') this.crashes.set(id, (this.crashes.get(id) ?? 0) + 1);
    await this.flush();
  }

  /** Consecutive deaths while handling `id`. */
  crashCount(id: string): number {
    return this.crashes.get(id) ?? 0;
  }

  /** Drops everything known about the groups not in `ids` (forgotten while we were down). */
  retain(ids: Iterable<string>): Promise<void> {
    const keep = new Set(ids);
    let changed = false;
    for (const id of this.crashes.keys()) {
      if (!keep.has(id)) {
        this.crashes.delete(id);
        changed = true;
      }
    }
    return changed ? this.flush() : Promise.resolve();
  }

  /** Forgets a group's count (a new valid commit, or the group forgotten). */
  reset(id: string): Promise<void> {
    if (!this.crashes.delete(id)) return Promise.resolve();
    return this.flush();
  }

  /** Waits for the group's turn (suspects step alone), marks it in progress, and writes that down. */
  async begin(id: string): Promise<void> {
    const suspect = this.crashCount(id) > 0;
    if (suspect) this.exclusiveWaiting++;
    try {
      while (this.exclusive !== null || (suspect ? this.active.size > 0 : this.exclusiveWaiting > 0)) {
        await new Promise<void>((r) => this.waiters.push(r));
      }
    } finally {
      if (suspect) this.exclusiveWaiting--;
    }
    this.active.set(id, (this.active.get(id) ?? 0) + 1);
    if (suspect) this.exclusive = id;
    await this.flush();
  }

  /** The step ended without taking the actor down: the group's count starts again. */
  end(id: string): void {
    const n = (this.active.get(id) ?? 1) - 1;
    if (n > 0) this.active.set(id, n);
    else this.active.delete(id);
    if (this.exclusive === id && n <= 0) this.exclusive = null;
    this.crashes.delete(id);
    void this.flush().catch(() => undefined);
    const w = this.waiters;
    this.waiters = [];
    for (const r of w) r();
  }

  /** A clean stop: nothing is in progress any more. */
  async close(): Promise<void> {
    this.active.clear();
    this.exclusive = null;
    await this.flush().catch(() => undefined);
    this.closed = true;
  }

  private flush(): Promise<void> {
    if (this.path === null || this.closed) return Promise.resolve();
    const path = this.path;
    this.dirty = true;
    const next = this.writing.then(async () => {
      if (!this.dirty) return;
      this.dirty = false;
      const data: JournalFile = { InProgress: [...this.active.keys()].sort(), Crashes: Object.fromEntries([...this.crashes].sort()) };
      // Not fsynced: it must survive the process dying, not the machine.
      await writeFileAtomic(path, JSON.stringify(data) + '\n', { durable: false });
    });
    this.writing = next.catch(() => undefined);
    return next;
  }
}

/** Removes a group from the journal file offline (`infrakit-ts group forget`). */
export async function forgetInJournal(path: string, id: string): Promise<boolean> {
  let data: JournalFile;
  try {
    data = JSON.parse(await readFile(path, 'utf8')) as JournalFile;
  } catch {
    return false;
  }
  const had = (data.InProgress ?? []).includes(id) || Object.hasOwn(data.Crashes ?? {}, id);
  if (!had) return false;
  const crashes = { ...(data.Crashes ?? {}) };
  delete crashes[id];
  await writeFileAtomic(path, JSON.stringify({ InProgress: (data.InProgress ?? []).filter((x) => x !== id), Crashes: crashes }) + '\n');
  return true;
}
