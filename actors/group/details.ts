/**
 * The `Details` text of CommitGroup (docs/go-compat.md #9), worded as Go InfraKit's plan.Explain().
 */

export interface CommitChange {
  /** No group of this ID was being managed. */
  readonly isNew: boolean;
  /** Pets (LogicalIDs) in the new spec. */
  readonly pets: boolean;
  /** Target size before (0 when new) and after. */
  readonly oldSize: number;
  readonly newSize: number;
  /** Live instances that carry the new hash, and those that do not. */
  readonly matching: number;
  readonly mismatching: number;
  /** Pets only: logical IDs added to and removed from the list. */
  readonly addedLogicalIds?: number;
  readonly removedLogicalIds?: number;
}

const roll = (r: number): string => `Performing a rolling update on ${r} instances`;
const add = (n: number, m: number): string => `Adding ${n} instances to increase the group size to ${m}`;
const terminate = (n: number, m: number): string => `Terminating ${n} instances to reduce the group size to ${m}`;

export function commitDetails(c: CommitChange): string {
  if (c.isNew) return `Managing ${c.newSize} instances`;
  if (c.pets) {
    const added = c.addedLogicalIds ?? 0;
    const removed = c.removedLogicalIds ?? 0;
    // Go refuses logical-ID changes; we carry them out and say what happens.
    const parts: string[] = [];
    if (removed > 0) parts.push(terminate(removed, c.newSize));
    if (c.mismatching > 0) parts.push(roll(c.mismatching));
    if (added > 0) parts.push(add(added, c.newSize));
    if (parts.length === 0) return 'Noop';
    return parts.map((p, i) => (i === 0 ? p : p.charAt(0).toLowerCase() + p.slice(1))).join(', then ');
  }
  const change = c.newSize - c.oldSize;
  if (change === 0) return c.mismatching === 0 ? 'Noop' : roll(c.mismatching);
  if (change < 0) {
    const r = Math.max(0, c.newSize - c.matching);
    return r === 0 ? terminate(-change, c.newSize) : `${terminate(-change, c.newSize)}, then performing a rolling update on ${r} instances`;
  }
  return c.mismatching === 0
    ? add(change, c.newSize)
    : `${roll(c.mismatching)}, then adding ${change} instances to increase the group size to ${c.newSize}`;
}
