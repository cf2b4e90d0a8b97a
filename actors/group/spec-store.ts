/**
 * Where committed group specs (and the rollout state that must survive a restart) are kept.
 * An interface, so a replicated backend (etcd) can replace the file one.
 */
import type { GroupSpecRecord } from './properties.js';

/** What is kept per group. */
export interface StoredGroup {
  /** The committed spec, `{ID, Properties}`. */
  readonly spec: GroupSpecRecord;
  /** The spec committed before it, for RollbackUpdate; null if none. */
  readonly previous: GroupSpecRecord | null;
  /** The operator paused rolling updates of this group. */
  readonly paused: boolean;
  /** DestroyGroup was acknowledged: a tombstone kept until no instance carries the group's tag. */
  readonly destroying?: boolean;
}

export interface SpecStore {
  /** Every group this handler manages. */
  load(): Promise<Map<string, StoredGroup>>;
  /** Saves one group durably before resolving. */
  put(id: string, record: StoredGroup): Promise<void>;
  /** Forgets one group durably before resolving. */
  remove(id: string): Promise<void>;
}

/** A store that keeps nothing beyond the process (tests, or `store: 'none'`). */
export class MemorySpecStore implements SpecStore {
  readonly groups = new Map<string, StoredGroup>();
  async load(): Promise<Map<string, StoredGroup>> {
    return new Map(this.groups);
  }
  async put(id: string, record: StoredGroup): Promise<void> {
    this.groups.set(id, record);
  }
  async remove(id: string): Promise<void> {
    this.groups.delete(id);
  }
}
