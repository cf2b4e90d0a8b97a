/**
 * A group's members as listed packed (docs/go-compat.md #31), kept packed: the tag filter and the
 * LogicalID from the tag are worked out once per tag set, and DescribeGroup's JSON is written from the
 * columns straight into one buffer, so 100,000 members cost no object each and no `JSON.stringify` of
 * 100,000 objects (whose pieces, on a worker's 2 MB young generation, cost more in GC than the
 * stringify itself). `list()` gives the same Descriptions as the unpacked path, for everyone else.
 */
import { TAG_GROUP, TAG_LOGICAL_ID, hashOfTags, type Description } from '../spi/common.js';
import type { PackedDescriptions } from '../spi/instance.js';
import { jsonTextOf } from '../../runtime/reply.js';

/** A JSON string that needs no escaping and is ASCII (its UTF-8 bytes are its Latin-1 bytes). */
const PLAIN_ASCII = /^[\x20\x21\x23-\x5b\x5d-\x7e]*$/;

export class PackedMembers {
  /** Per tag set: its instances are members. */
  readonly #member: boolean[];
  /** Per tag set: the LogicalID its tag gives (undefined: none). */
  readonly #lidTag: (string | undefined)[];
  #list: Description[] | undefined;
  /** How many members. */
  readonly length: number;

  constructor(
    readonly packed: PackedDescriptions,
    groupId: string,
  ) {
    this.#member = packed.TagSets.map((t) => t[TAG_GROUP] === groupId);
    this.#lidTag = packed.TagSets.map((t) => t[TAG_LOGICAL_ID]);
    let n = 0;
    const m = this.#member;
    for (const k of packed.TagSet) if (m[k] === true) n++;
    this.length = n;
  }

  /** Instance `i` (of tag set `k`)'s LogicalID: its own, else its tag's, else null. */
  #lidOf(i: number, k: number): string | null {
    return this.packed.LogicalIDs?.[i] ?? this.#lidTag[k] ?? null;
  }

  /** The members as Descriptions (ID, LogicalID, Tags, Properties: the plugin's order), built once. */
  list(): Description[] {
    if (this.#list !== undefined) return this.#list;
    const { IDs, TagSets, TagSet, PropertySets, Property } = this.packed;
    const member = this.#member;
    const out: Description[] = [];
    for (let i = 0; i < IDs.length; i++) {
      const k = TagSet[i] as number;
      if (!member[k]) continue;
      const LogicalID = this.#lidOf(i, k);
      const q = Property === null ? -1 : (Property[i] as number);
      out.push(
        q < 0
          ? { ID: IDs[i] as string, LogicalID, Tags: TagSets[k] }
          : { ID: IDs[i] as string, LogicalID, Tags: TagSets[k], Properties: PropertySets[q] },
      );
    }
    this.#list = out;
    return out;
  }

  /** `JSON.stringify(this.list())` when it is plain JSON (`jsonTextOf`), made once. */
  listText(): string | undefined {
    if (this.#listText === null) this.#listText = jsonTextOf(this.list());
    return this.#listText;
  }
  #listText: string | undefined | null = null;

  /** How many members do not carry `hash` (HEAD's tag, else v0.5's), counted per tag set. */
  outdated(hash: string): number {
    const current = this.packed.TagSets.map((t) => hashOfTags(t) === hash);
    const member = this.#member;
    let n = 0;
    for (const k of this.packed.TagSet) if (member[k] === true && current[k] !== true) n++;
    return n;
  }

  /**
   * The members' JSON array, exactly `JSON.stringify(this.list())`, written at `head.length` of a buffer
   * of its own between `head` and `tail` (both UTF-8). `undefined` when a tag set or Properties value is
   * not plain JSON (then the caller stringifies the value as usual).
   */
  json(head: string, tail: string): Uint8Array | undefined {
    const { IDs, TagSets, TagSet, PropertySets, Property } = this.packed;
    const member = this.#member;
    // Per tag set: `,"Tags":{…}` (`"LogicalID":` comes before it); per Properties value: `,"Properties":…}`.
    const tagsJson: (Buffer | undefined)[] = [];
    for (let k = 0; k < TagSets.length; k++) {
      if (!member[k]) continue;
      const t = jsonTextOf(TagSets[k]);
      if (t === undefined) return undefined;
      tagsJson[k] = Buffer.from(`,"Tags":${t}`);
    }
    const propsJson: Buffer[] = [];
    for (const v of PropertySets) {
      const t = typeof v === 'object' && v !== null ? jsonTextOf(v) : v === undefined ? '' : JSON.stringify(v);
      if (t === undefined) return undefined;
      propsJson.push(Buffer.from(t === '' ? '}' : `,"Properties":${t}}`));
    }
    const close = Buffer.from('}');
    // First pass: the size, and the escaped text of any ID or LogicalID that is not plain ASCII.
    const escaped = new Map<string, string>();
    const strLength = (s: string): number => {
      if (PLAIN_ASCII.test(s)) return s.length + 2;
      let e = escaped.get(s);
      if (e === undefined) {
        e = JSON.stringify(s);
        escaped.set(s, e);
      }
      return Buffer.byteLength(e);
    };
    let size = 0;
    let count = 0;
    for (let i = 0; i < IDs.length; i++) {
      const k = TagSet[i] as number;
      if (!member[k]) continue;
      count++;
      const lid = this.#lidOf(i, k);
      const q = Property === null ? -1 : (Property[i] as number);
      // {"ID":  + id + ,"LogicalID": + lid|null + ,"Tags":… + ,"Properties":…} or }
      size += 6 + strLength(IDs[i] as string) + 13 + (lid === null ? 4 : strLength(lid));
      size += (tagsJson[k] as Buffer).length + (q < 0 ? 1 : (propsJson[q] as Buffer).length);
    }
    if (count === 0) return undefined;
    size += count + 1; // [ , … ]
    const headLen = Buffer.byteLength(head);
    const buf = Buffer.allocUnsafeSlow(headLen + size + Buffer.byteLength(tail));
    let o = buf.write(head, 0, 'utf8');
    const anyEscaped = escaped.size > 0;
    // Short ASCII pieces byte by byte (cheaper than a call into the encoder), long ones by `set`.
    const putAscii = (s: string): void => {
      for (let c = 0; c < s.length; c++) buf[o++] = s.charCodeAt(c);
    };
    const putString = (s: string): void => {
      const e = anyEscaped ? escaped.get(s) : undefined;
      if (e === undefined) {
        buf[o++] = 0x22;
        putAscii(s);
        buf[o++] = 0x22;
      } else o += buf.write(e, o, 'utf8');
    };
    const put = (b: Uint8Array): void => {
      buf.set(b, o);
      o += b.length;
    };
    let first = true;
    for (let i = 0; i < IDs.length; i++) {
      const k = TagSet[i] as number;
      if (!member[k]) continue;
      buf[o++] = first ? 0x5b : 0x2c; // [ or ,
      first = false;
      putAscii('{"ID":');
      putString(IDs[i] as string);
      putAscii(',"LogicalID":');
      const lid = this.#lidOf(i, k);
      if (lid === null) putAscii('null');
      else putString(lid);
      put(tagsJson[k] as Buffer);
      const q = Property === null ? -1 : (Property[i] as number);
      put(q < 0 ? close : (propsJson[q] as Buffer));
    }
    buf[o++] = 0x5d; // ]
    o += buf.write(tail, o, 'utf8');
    if (o !== buf.length) throw new Error(`DescribeGroup JSON: wrote ${o} bytes of ${buf.length}`);
    return buf;
  }
}
