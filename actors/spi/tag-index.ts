/**
 * An inverted index of instance tags: `key → value → ids`, so a tag query touches only the
 * instances that carry the rarest of the requested tags instead of scanning every instance.
 *
 * Matching is strict AND (docs/go-compat.md #25): an instance matches only when it has every requested
 * key with exactly the requested value. A missing key never matches.
 */
import type { Tags } from './common.js';

export class TagIndex {
  private readonly postings = new Map<string, Map<string, Set<string>>>();

  /** Index `id` under each of its tags. */
  add(id: string, tags: Readonly<Tags> | null | undefined): void {
    if (!tags) return;
    for (const [k, v] of Object.entries(tags)) {
      let byValue = this.postings.get(k);
      if (!byValue) this.postings.set(k, (byValue = new Map<string, Set<string>>()));
      let ids = byValue.get(v);
      if (!ids) byValue.set(v, (ids = new Set()));
      ids.add(id);
    }
  }

  /** Forget `id` under each of `tags` (the tags it was indexed with). */
  remove(id: string, tags: Readonly<Tags> | null | undefined): void {
    if (!tags) return;
    for (const [k, v] of Object.entries(tags)) {
      const byValue = this.postings.get(k);
      const ids = byValue?.get(v);
      if (!byValue || !ids) continue;
      ids.delete(id);
      if (ids.size === 0) {
        byValue.delete(v);
        if (byValue.size === 0) this.postings.delete(k);
      }
    }
  }

  /**
   * Ids carrying every tag of `query`, or `undefined` when the query is empty (meaning: all).
   * Cost: O(smallest posting set × number of query tags); never a scan of all instances.
   */
  query(query: Readonly<Tags> | null | undefined): string[] | undefined {
    const entries = query ? Object.entries(query) : [];
    if (entries.length === 0) return undefined;
    const sets: Set<string>[] = [];
    for (const [k, v] of entries) {
      const ids = this.postings.get(k)?.get(v);
      if (!ids || ids.size === 0) return [];
      sets.push(ids);
    }
    sets.sort((a, b) => a.size - b.size);
    const [smallest, ...rest] = sets as [Set<string>, ...Set<string>[]];
    const out: string[] = [];
    for (const id of smallest) {
      if (rest.every((s) => s.has(id))) out.push(id);
    }
    return out;
  }
}

/** Strict AND tag match for one instance (used where there is no index). */
export function matchesTags(tags: Readonly<Tags> | null | undefined, query: Readonly<Tags> | null | undefined): boolean {
  if (!query) return true;
  for (const [k, v] of Object.entries(query)) {
    if (!tags || !Object.hasOwn(tags, k) || tags[k] !== v) return false;
  }
  return true;
}
