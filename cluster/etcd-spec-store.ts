/**
 * Committed group specs in etcd v3, shared by every runtime pointed at the same cluster: the Group
 * plugin's `SpecStore` (actors/group/spec-store.ts), as `FileSpecStore` is for one machine. One key
 * per group (`infrakit/configs/groups/<handler>/<id>`, the truth) and HEAD's array
 * (`infrakit/configs/specs`, docs/go-compat.md #10) in the same compare-and-swapped transaction; with
 * a `guard` (the leader's fence) a write also needs the leader's key to exist. Layout and reasons:
 * docs/cluster.md.
 */
import type { Etcd3, IKeyValue, IOperation } from 'etcd3';
import { notLeader, storeUnavailable } from './cluster-errors.js';
import { isUnavailable, parseEndpoints } from './etcd-client.js';
import type { SpecStore, StoredGroup } from '../actors/group/spec-store.js';
import { DEFAULT_HANDLER, decodeHeadSpecs, encodeHeadSpecs, type HeadGroup } from './head-format.js';
import type { Fence } from './leadership.js';

/** The JSON of one per-group key. */
interface GroupValue {
  Spec: { ID: string; Properties: unknown };
  Previous: { ID: string; Properties: unknown } | null;
  Paused: boolean;
  /** A tombstone: DestroyGroup acknowledged, instances still being destroyed. */
  Destroying?: boolean;
}

export interface EtcdSpecStoreOptions {
  readonly client: Etcd3;
  /** For error messages. */
  readonly endpoints: readonly string[];
  /** Key prefix; default `infrakit/`. */
  readonly prefix?: string;
  /** The group actor's name (HEAD's `Handler`); default `group`. Each handler sees only its groups. */
  readonly handler?: string;
  /** Also keep HEAD's `configs/specs` array in step (default true). */
  readonly headCompat?: boolean;
  /**
   * Called before every write: returns the fence to write under, or throws (a `NotLeaderError`).
   * Without it, writes are unconditional (single-runtime use, tests, tools).
   */
  readonly guard?: () => Fence;
  /** Close the client in `close()` (default false: the caller owns it). */
  readonly ownsClient?: boolean;
}

const MAX_CAS_ATTEMPTS = 30;

/** One group of any handler, as read. */
interface Entry {
  readonly handler: string;
  readonly id: string;
  readonly record: StoredGroup;
}

export class EtcdSpecStore implements SpecStore {
  private readonly client: Etcd3;
  private readonly endpoints: string[];
  readonly handler: string;
  private readonly configs: string;
  private readonly allGroupsPrefix: string;
  private readonly groupsPrefix: string;
  readonly specsKey: string;
  private readonly headCompat: boolean;
  private readonly guard: (() => Fence) | undefined;
  private readonly ownsClient: boolean;
  private closed = false;
  /** Writes of this store run one at a time (HEAD's manager serialises them too); CAS covers other writers. */
  private queue: Promise<unknown> = Promise.resolve();

  constructor(options: EtcdSpecStoreOptions) {
    this.client = options.client;
    this.endpoints = parseEndpoints(options.endpoints);
    const prefix = options.prefix ?? 'infrakit/';
    this.configs = `${prefix}configs/`;
    this.handler = options.handler ?? 'group';
    this.allGroupsPrefix = `${this.configs}groups/`;
    this.groupsPrefix = `${this.allGroupsPrefix}${this.handler}/`;
    this.specsKey = `${this.configs}specs`;
    this.headCompat = options.headCompat ?? true;
    this.guard = options.guard;
    this.ownsClient = options.ownsClient ?? false;
  }

  /** Key of one group's record. */
  groupKey(id: string): string {
    return this.groupsPrefix + id;
  }

  async load(): Promise<Map<string, StoredGroup>> {
    const snap = await this.snapshot('loading the group specs');
    const out = new Map<string, StoredGroup>();
    for (const v of snap.groups.values()) {
      if (v.handler === this.handler) out.set(v.id, v.record);
    }
    return out;
  }

  async put(id: string, record: StoredGroup): Promise<void> {
    if (id === '') throw new Error('spec store: a group ID must not be blank');
    const rec: StoredGroup = { ...record, spec: { ID: id, Properties: record.spec.Properties ?? null } };
    const value: GroupValue = {
      Spec: rec.spec,
      Previous: rec.previous,
      Paused: rec.paused,
      ...(rec.destroying === true ? { Destroying: true } : {}),
    };
    const key = this.groupKey(id);
    await this.write(
      `saving group '${id}'`,
      (groups) => groups.set(key, { handler: this.handler, id, record: rec }),
      () => this.client.put(key).value(JSON.stringify(value)),
    );
  }

  async remove(id: string): Promise<void> {
    const key = this.groupKey(id);
    await this.write(
      `removing group '${id}'`,
      (groups) => groups.delete(key),
      () => this.client.delete().key(key),
    );
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.ownsClient) this.client.close();
  }

  /**
   * One consistent read of everything under `configs/` (a single range is a single revision): every
   * handler's groups by key, and the HEAD array's mod revision.
   */
  private async snapshot(what: string): Promise<{ groups: Map<string, Entry>; specsMod: string }> {
    let kvs: IKeyValue[];
    try {
      kvs = (await this.client.getAll().prefix(this.configs).exec()).kvs;
    } catch (err) {
      throw this.wrap(what, err);
    }
    const groups = new Map<string, Entry>();
    let specsMod = '0';
    let headText: string | undefined;
    for (const kv of kvs) {
      const key = kv.key.toString('utf8');
      if (key === this.specsKey) {
        specsMod = kv.mod_revision;
        headText = kv.value.toString('utf8');
      } else if (key.startsWith(this.allGroupsPrefix)) {
        const rest = key.slice(this.allGroupsPrefix.length);
        const slash = rest.indexOf('/');
        if (slash <= 0) continue;
        const v = JSON.parse(kv.value.toString('utf8')) as Partial<GroupValue>;
        const id = rest.slice(slash + 1);
        groups.set(key, {
          handler: rest.slice(0, slash),
          id,
          record: {
            spec: { ID: id, Properties: v.Spec?.Properties ?? null },
            previous: v.Previous ?? null,
            paused: v.Paused === true,
            ...(v.Destroying === true ? { destroying: true } : {}),
          },
        });
      }
    }
    if (groups.size === 0 && headText !== undefined) {
      // A store Go InfraKit wrote: its groups belong to us if the handler matches (Go's default is
      // `group-stateless`, which the `group` actor adopts).
      for (const g of decodeHeadSpecs(headText)) {
        const handler =
          (g.Handler ?? DEFAULT_HANDLER) === DEFAULT_HANDLER && this.handler === 'group' ? 'group' : (g.Handler ?? DEFAULT_HANDLER);
        groups.set(`${this.allGroupsPrefix}${handler}/${g.ID}`, {
          handler,
          id: g.ID,
          record: { spec: { ID: g.ID, Properties: g.Properties }, previous: null, paused: false },
        });
      }
    }
    return { groups, specsMod };
  }

  /**
   * A guarded, compare-and-swapped transaction: `edit` changes the in-memory map (for HEAD's array),
   * `op` builds the per-group operation. (etcd3's `then()` replaces, not appends: pass every op at once.) Retries only when another writer moved the array in between.
   */
  private write(what: string, edit: (groups: Map<string, Entry>) => unknown, op: () => IOperation): Promise<void> {
    const run = this.queue.then(() => this.writeNow(what, edit, op));
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async writeNow(what: string, edit: (groups: Map<string, Entry>) => unknown, op: () => IOperation): Promise<void> {
    if (this.closed) throw new Error('spec store is closed');
    for (let attempt = 1; attempt <= MAX_CAS_ATTEMPTS; attempt++) {
      const fence = this.guard?.();
      let tx: ReturnType<Etcd3['if']>;
      let specsMod = '0';
      let head: string | undefined;
      if (this.headCompat) {
        const snap = await this.snapshot(what);
        edit(snap.groups);
        specsMod = snap.specsMod;
        head = encodeHeadSpecs(
          [...snap.groups.values()].map((e): HeadGroup => ({ ID: e.id, Properties: e.record.spec.Properties, Handler: e.handler })),
        );
        tx = this.client.if(this.specsKey, 'Mod', '==', specsMod);
        if (fence) tx = tx.and(fence.key, 'Create', '==', fence.createRevision);
      } else if (fence) {
        tx = this.client.if(fence.key, 'Create', '==', fence.createRevision);
      } else {
        // An always-true compare: `version >= 0` holds for every key, present or not.
        tx = this.client.if(this.specsKey, 'Version', '>', -1);
      }
      tx = tx.then(op(), ...(head === undefined ? [] : [this.client.put(this.specsKey).value(head)]));
      let succeeded: boolean;
      try {
        succeeded = (await tx.commit()).succeeded;
      } catch (err) {
        throw this.wrap(what, err);
      }
      if (succeeded) return;
      if (fence && !(await this.fenceHolds(fence, what)))
        throw notLeader(undefined, 'leadership was lost before the write was applied; nothing was saved');
      // Another writer changed the array between our read and our write: read again, after a jittered pause.
      await new Promise((r) => setTimeout(r, Math.random() * Math.min(100, 5 * attempt)));
    }
    throw new Error(`spec store: ${what} kept conflicting with concurrent writers (${MAX_CAS_ATTEMPTS} attempts)`);
  }

  private async fenceHolds(fence: Fence, what: string): Promise<boolean> {
    try {
      const res = await this.client.get(fence.key).exec();
      return res.kvs[0]?.create_revision === fence.createRevision;
    } catch (err) {
      throw this.wrap(what, err);
    }
  }

  private wrap(what: string, err: unknown): Error {
    if (isUnavailable(err)) return storeUnavailable(what, this.endpoints, { cause: err });
    return err instanceof Error ? err : new Error(String(err));
  }
}
