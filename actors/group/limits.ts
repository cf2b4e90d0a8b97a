/**
 * The bounds on everything a client sends that sizes work in the group and combo plugins, checked
 * before anything is stored or allocated (LimitExceededError, JSON-RPC -32602). Numbers and reasons:
 * docs/limits.md.
 */
import { ApplicationError, LimitExceededError } from '../../runtime/errors.js';

/** `Allocation.Size` (and `SetSize`): the 100,000-instance benchmark fits, 10⁹ does not. */
export const MAX_GROUP_SIZE = 100_000;
/** Entries of `Allocation.LogicalIDs` (pets are named one by one; each is compared with every member). */
export const MAX_LOGICAL_IDS = 10_000;
/** Characters of a group ID and of one logical ID (they become tags, file keys and log fields). */
export const MAX_ID_LENGTH = 256;
/** Characters of one instance ID in `DestroyInstances` (IDs come from instance plugins; generous). */
export const MAX_INSTANCE_ID_LENGTH = 1024;
/** Entries of `DestroyInstances`' list: no group has more members than its largest size. */
export const MAX_DESTROY_INSTANCES = MAX_GROUP_SIZE;
/** `Updating.MaxSurge` and `Updating.MaxUnavailable`: never more than a whole group. */
export const MAX_UPDATE_STEP = MAX_GROUP_SIZE;
/** Bytes of a group's `Properties` as JSON (measured by a walk that stops at the limit). */
export const MAX_PROPERTIES_BYTES = 1024 * 1024;
/**
 * Provisions, and separately destroys, that one convergence step starts; the next step does the rest.
 * As large as a group: every step lists all members again, so smaller steps made converging 100,000
 * take 45 s instead of 32 s, while a step's lists are bounded by MAX_GROUP_SIZE either way.
 */
export const MAX_STEP_OPERATIONS = MAX_GROUP_SIZE;
/** combo inside combo inside …: how deep a combo flavor's Properties may nest combos. */
export const MAX_COMBO_DEPTH = 4;
/** Flavors in one combo's Properties list. */
export const MAX_COMBO_FLAVORS = 32;

/** True when `s` holds a C0/C1 control character or DEL (never part of an ID). */
export function hasControlCharacter(s: string): boolean {
  // eslint-disable-next-line no-control-regex
  return /[\u0000-\u001f\u007f-\u009f]/.test(s);
}

/** Refuses a number over `limit`, naming the field. */
export function checkCount(what: string, value: number, limit: number): void {
  if (value > limit) throw new LimitExceededError(what, limit, value);
}

/** Refuses a string longer than `limit` characters (the value shown is its length). */
export function checkLength(what: string, s: string, limit: number): void {
  if (s.length > limit) throw new LimitExceededError(`${what} length`, limit, s.length, 'characters');
}

/**
 * The size in bytes of `value` written as JSON, or `limit + 1` as soon as it is known to be larger:
 * the walk stops there, so a huge (or cyclic) value costs at most `limit` bytes of work, and no
 * string larger than one JSON string of at most `limit` bytes is ever built. Undefined members
 * count as JSON.stringify drops them (near enough: only the bound matters).
 */
export function jsonSizeWithin(value: unknown, limit: number): number {
  let total = 0;
  const stack: unknown[] = [value];
  const over = (): boolean => total > limit;
  const str = (s: string): void => {
    // Every character is at least one byte: a string longer than what is left is over without looking.
    if (s.length + 2 > limit - total) total = limit + 1;
    else total += Buffer.byteLength(JSON.stringify(s), 'utf8');
  };
  while (stack.length > 0 && !over()) {
    const v = stack.pop();
    switch (typeof v) {
      case 'string':
        str(v);
        break;
      case 'number':
        total += Number.isFinite(v) ? String(v).length : 4;
        break;
      case 'boolean':
        total += v ? 4 : 5;
        break;
      case 'bigint':
        total += String(v).length;
        break;
      case 'object':
        if (v === null) total += 4;
        else if (Array.isArray(v)) {
          total += 2 + Math.max(0, v.length - 1);
          if (v.length > limit) total = limit + 1;
          else for (let i = v.length - 1; i >= 0; i--) stack.push(v[i] === undefined ? null : v[i]);
        } else {
          total += 2;
          let first = true;
          for (const k in v) {
            if (!Object.hasOwn(v, k)) continue;
            const m = (v as Record<string, unknown>)[k];
            if (m === undefined || typeof m === 'function' || typeof m === 'symbol') continue;
            total += first ? 1 : 2; // the colon, and a comma before every member but the first
            first = false;
            str(k);
            if (over()) break;
            stack.push(m);
          }
        }
        break;
      default:
        total += 4; // undefined, functions, symbols: null in arrays, dropped elsewhere
    }
  }
  return Math.min(total, limit + 1);
}

/** Refuses a value whose JSON is over `limit` bytes. */
export function checkJsonSize(what: string, value: unknown, limit: number): void {
  const n = jsonSizeWithin(value, limit);
  if (n > limit) throw new LimitExceededError(`${what} size`, limit, `more than ${limit}`, 'bytes');
}

/** A group ID to be committed: at most MAX_ID_LENGTH characters, no control characters. */
export function checkGroupId(id: string): void {
  checkLength('Group ID', id, MAX_ID_LENGTH);
  if (hasControlCharacter(id)) throw new ApplicationError(`Group ID ${JSON.stringify(id)} contains a control character`);
}
