/**
 * One typed object's instances in the simulator, kept compact: each distinct tag set and each distinct
 * Properties value is stored once (interned and counted, dropped with its last instance) and shared by
 * the instances that carry it, so an instance costs one Map entry and one small record. The tag index
 * maps tags to tag sets, not to instances; each tag set knows its instances.
 */
import type { Description, Tags } from '../spi/index.js';
import type { PackedDescriptions } from '../spi/instance.js';
import { TagIndex } from '../spi/tag-index.js';

/** One distinct set of tags (same keys, same order, same values), shared by the instances carrying it. */
interface TagSet {
  readonly key: string;
  /** Frozen: never changed in place (a Label moves an instance to another set). */
  readonly tags: Readonly<Tags>;
  /** Its instances, in the order they joined; `inOrder` while that is also ID order. */
  readonly ids: Set<string>;
  inOrder: boolean;
  last: string;
}

/** One distinct Properties value, shared by the instances provisioned with it. */
interface SharedValue {
  readonly key: string;
  readonly value: unknown;
  count: number;
}

interface Stored {
  readonly logicalId: string | null;
  tagSet: TagSet;
  readonly props: SharedValue | undefined;
}

/**
 * A key that two values share only when they are the same JSON value, or undefined when `v` is not
 * plain JSON (a Date, a Map, an undefined member, -0, a hole, too deep…): such a value is not shared.
 */
export function plainJsonKey(v: unknown): string | undefined {
  try {
    return keyOf(v);
  } catch {
    return undefined; // too deep for the stack
  }
}

function keyOf(v: unknown): string | undefined {
  switch (typeof v) {
    case 'string':
      return JSON.stringify(v);
    case 'boolean':
      return v ? 'true' : 'false';
    case 'number':
      return Number.isFinite(v) && !Object.is(v, -0) ? String(v) : undefined;
    case 'object': {
      if (v === null) return 'null';
      if (Array.isArray(v)) {
        const parts: string[] = [];
        for (let i = 0; i < v.length; i++) {
          if (!(i in v)) return undefined;
          const k = keyOf(v[i]);
          if (k === undefined) return undefined;
          parts.push(k);
        }
        return `[${parts.join(',')}]`;
      }
      if (Object.getPrototypeOf(v) !== Object.prototype) return undefined;
      const parts: string[] = [];
      for (const [name, member] of Object.entries(v)) {
        const k = keyOf(member);
        if (k === undefined) return undefined;
        parts.push(`${JSON.stringify(name)}:${k}`);
      }
      return `{${parts.join(',')}}`;
    }
    default:
      return undefined;
  }
}

export class ObjectStore {
  private readonly instances = new Map<string, Stored>();
  private readonly tagSets = new Map<string, TagSet>();
  private readonly props = new Map<string, SharedValue>();
  /** tag → keys of the tag sets carrying it. */
  private readonly index = new TagIndex();
  /**
   * The tag set or shared value last found for a given object: the Provisions of one batch share their
   * Tags and Properties objects, so each distinct one is keyed (stringified) once. Checked to be still
   * stored before use; entries go with the objects.
   */
  private readonly setOf = new WeakMap<object, TagSet>();
  private readonly valueOf = new WeakMap<object, SharedValue>();
  /** Bumped by every change of an instance: a packed listing made at the same version is still true. */
  #version = 0;
  /** The last packed listing, for the query it answered (a group lists the same tags every poll). */
  #lastPacked: { readonly key: string; readonly version: number; readonly value: PackedDescriptions } | undefined;

  get size(): number {
    return this.instances.size;
  }

  has(id: string): boolean {
    return this.instances.has(id);
  }

  /**
   * `fixed`: `tags` and `properties` are never changed after this call (a request's own objects), so
   * their keys may be remembered by object for the next call that passes the same objects.
   */
  put(id: string, logicalId: string | null, tags: Tags, properties: unknown, fixed = false): void {
    let props: SharedValue | undefined;
    const known = fixed && typeof properties === 'object' && properties !== null ? this.valueOf.get(properties) : undefined;
    if (known !== undefined && this.props.get(known.key) === known) {
      props = known;
      props.count++;
    } else if (properties !== undefined) {
      const key = plainJsonKey(properties);
      props = key === undefined ? undefined : this.props.get(key);
      if (props === undefined) {
        props = { key: key ?? '', value: properties, count: 0 };
        if (key !== undefined) this.props.set(key, props);
      }
      props.count++;
      if (fixed && key !== undefined && typeof properties === 'object' && properties !== null) this.valueOf.set(properties, props);
    }
    const rec: Stored = { logicalId, tagSet: this.join(id, tags, fixed), props };
    this.instances.set(id, rec);
    this.#version++;
  }

  delete(id: string): boolean {
    const rec = this.instances.get(id);
    if (!rec) return false;
    this.leave(id, rec.tagSet);
    const p = rec.props;
    if (p !== undefined && --p.count === 0 && this.props.get(p.key) === p) this.props.delete(p.key);
    this.instances.delete(id);
    this.#version++;
    return true;
  }

  /** Adds `labels` to an instance's tags (it moves to the tag set of the result). */
  label(id: string, labels: Tags): void {
    const rec = this.instances.get(id);
    if (!rec) return;
    const before = rec.tagSet;
    rec.tagSet = this.join(id, { ...before.tags, ...labels });
    if (rec.tagSet !== before) {
      this.leave(id, before);
      this.#version++;
    }
  }

  /**
   * `pack(select(tags), withProps)`, answered again without work while no instance changed since the
   * same query last ran: a group at rest lists its 100,000 members every poll and on every DescribeGroup.
   * The value is shared between those answers and never changed (each answer is copied to its caller).
   */
  packed(tags: Tags | null | undefined, withProps: boolean): PackedDescriptions {
    const key = `${withProps ? 'p' : '-'}${JSON.stringify(tags ?? null)}`;
    const last = this.#lastPacked;
    if (last !== undefined && last.key === key && last.version === this.#version) return last.value;
    const value = this.pack(this.select(tags), withProps);
    this.#lastPacked = { key, version: this.#version, value };
    return value;
  }

  /** The instance as DescribeInstances shows it; its Tags and Properties are shared, not copied. */
  describe(id: string, withProps: boolean): Description {
    const rec = this.instances.get(id) as Stored;
    const d: Description = { ID: id, LogicalID: rec.logicalId, Tags: rec.tagSet.tags };
    if (withProps && rec.props !== undefined) d.Properties = rec.props.value;
    return d;
  }

  /**
   * The instances `ids` (all present) in the packed form of DescribeInstances: each tag set and
   * Properties value once, per instance its ID, LogicalID and their indexes. No object per instance.
   */
  pack(ids: readonly string[], withProps: boolean): PackedDescriptions {
    const n = ids.length;
    let LogicalIDs: (string | null)[] | null = null;
    const TagSets: Tags[] = [];
    const TagSet = new Array<number>(n);
    const PropertySets: unknown[] = [];
    let Property: number[] | null = null;
    const tagIndex = new Map<TagSet, number>();
    const propIndex = new Map<SharedValue, number>();
    for (let i = 0; i < n; i++) {
      const rec = this.instances.get(ids[i] as string) as Stored;
      if (rec.logicalId !== null) (LogicalIDs ??= new Array<string | null>(n).fill(null))[i] = rec.logicalId;
      let t = tagIndex.get(rec.tagSet);
      if (t === undefined) {
        t = TagSets.push(rec.tagSet.tags) - 1;
        tagIndex.set(rec.tagSet, t);
      }
      TagSet[i] = t;
      if (withProps && rec.props !== undefined) {
        let p = propIndex.get(rec.props);
        if (p === undefined) {
          p = PropertySets.push(rec.props.value) - 1;
          propIndex.set(rec.props, p);
        }
        (Property ??= new Array<number>(n).fill(-1))[i] = p;
      }
    }
    return { IDs: [...ids], LogicalIDs, TagSets, TagSet, PropertySets, Property };
  }

  /** Matching ids in ID order (IDs are fixed-width decimal, so string order is time order). */
  select(tags: Tags | null | undefined): string[] {
    const keys = this.index.query(tags);
    // The Map keeps insertion order, which is ID order: IDs only grow.
    if (keys === undefined) return [...this.instances.keys()];
    if (keys.length === 1) {
      const set = this.tagSets.get(keys[0] as string) as TagSet;
      return set.inOrder ? [...set.ids] : [...set.ids].sort();
    }
    const out: string[] = [];
    for (const k of keys) for (const id of (this.tagSets.get(k) as TagSet).ids) out.push(id);
    return out.sort();
  }

  private join(id: string, tags: Tags, fixed = false): TagSet {
    const known = fixed ? this.setOf.get(tags) : undefined;
    let set = known !== undefined && this.tagSets.get(known.key) === known ? known : undefined;
    if (set === undefined) {
      const key = JSON.stringify(tags);
      set = this.tagSets.get(key) ?? this.newSet(key, tags);
      if (fixed) this.setOf.set(tags, set);
    }
    if (set.ids.has(id)) return set;
    if (set.ids.size > 0 && id < set.last) set.inOrder = false;
    else set.last = id;
    set.ids.add(id);
    return set;
  }

  private newSet(key: string, tags: Tags): TagSet {
    const set: TagSet = { key, tags: Object.freeze({ ...tags }), ids: new Set(), inOrder: true, last: '' };
    this.tagSets.set(key, set);
    this.index.add(key, set.tags);
    return set;
  }

  private leave(id: string, set: TagSet): void {
    set.ids.delete(id);
    if (set.ids.size > 0) return;
    this.tagSets.delete(set.key);
    this.index.remove(set.key, set.tags);
  }
}
