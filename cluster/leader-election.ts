/**
 * Leader election on etcd v3, as etcd's `concurrency.Election` does it (each candidate holds a lease
 * and a key on it; the lowest create revision leads), plus a local lease clock: a leader counts its
 * leadership valid only until `sent + TTL − margin` of its last acknowledged keepalive, then drops to
 * `unknown` by a timer. `fence()` gives the spec store the key and revision that writes are
 * conditional on. Why not etcd3's `Election`: docs/cluster.md, "How the election works".
 */
import { EventEmitter } from 'eventemitter3';
import type { Etcd3, Lease, Watcher } from 'etcd3';
import { EtcdLeaseInvalidError } from './etcd-client.js';
import { notLeader, type NotLeaderError } from './cluster-errors.js';
import { parseEndpoints } from './etcd-endpoints.js';
import { defaultNodeId } from './node-id.js';
import type { Fence, LeadershipState, NodeInfo, Role } from './leadership.js';

export { defaultNodeId };

export interface LeaderElectionOptions {
  readonly client: Etcd3;
  /** For messages. */
  readonly endpoints: readonly string[];
  /** This runtime. */
  readonly self: NodeInfo;
  /** Election name; default `group` (one election per group plugin name). */
  readonly name?: string;
  /** Key prefix; default `infrakit/`. */
  readonly prefix?: string;
  /** Lease TTL in whole seconds; default 3 (etcd's minimum is about 2 with default timing). */
  readonly ttlSeconds?: number;
  /** How often to read who leads; default TTL/6 (500 ms for 3 s). */
  readonly pollMs?: number;
  /** Give up leadership this long before the lease could expire; default 500 ms. */
  readonly marginMs?: number;
  /** Deadline of one keepalive; default TTL/3. */
  readonly keepaliveTimeoutMs?: number;
  /** Receives one line per role change and per etcd trouble. */
  readonly log?: (level: 'info' | 'warn', msg: string, data?: Record<string, unknown>) => void;
}

export interface LeaderElectionEvents {
  /** The role or the leader changed. */
  change: (state: LeadershipState) => void;
  /** This runtime became the leader. */
  leader: (state: LeadershipState) => void;
  /** Another runtime leads. */
  follower: (state: LeadershipState) => void;
  /** Nobody is known to lead (etcd unreachable, lease lost); counts as not leader. */
  unknown: (state: LeadershipState) => void;
}

export class LeaderElection extends EventEmitter<LeaderElectionEvents> {
  readonly self: NodeInfo;
  readonly ttlSeconds: number;
  private readonly client: Etcd3;
  private readonly endpoints: string[];
  private readonly electionPrefix: string;
  private readonly locationKey: string;
  private readonly pollMs: number;
  private readonly marginMs: number;
  private readonly keepaliveTimeoutMs: number;
  private readonly log: NonNullable<LeaderElectionOptions['log']>;

  private current: LeadershipState;
  private lease: Lease | undefined;
  private leaseId: string | undefined;
  private myKey: string | undefined;
  private myCreateRevision: string | undefined;
  /** Local time until which etcd cannot have expired our lease (see the file comment). */
  private validUntil = 0;
  private stopped = false;
  private started: Promise<void> | undefined;
  private pollTimer: NodeJS.Timeout | undefined;
  private keepaliveTimer: NodeJS.Timeout | undefined;
  private expiryTimer: NodeJS.Timeout | undefined;
  private lastError: string | undefined;
  private watcher: Watcher | undefined;
  private polling = false;
  private pollAgain = false;

  constructor(options: LeaderElectionOptions) {
    super();
    this.client = options.client;
    this.endpoints = parseEndpoints(options.endpoints);
    this.self = options.self;
    const prefix = options.prefix ?? 'infrakit/';
    this.electionPrefix = `${prefix}election/${options.name ?? 'group'}/`;
    // HEAD's etcd leader-location key (docs/go-compat.md #10), kept on the leader's lease.
    this.locationKey = `${prefix}leader/location`;
    this.ttlSeconds = Math.max(1, Math.round(options.ttlSeconds ?? 3));
    this.pollMs = options.pollMs ?? Math.max(100, Math.floor((this.ttlSeconds * 1000) / 6));
    this.marginMs = options.marginMs ?? 500;
    this.keepaliveTimeoutMs = options.keepaliveTimeoutMs ?? Math.max(300, Math.floor((this.ttlSeconds * 1000) / 3));
    this.log = options.log ?? (() => undefined);
    this.current = { role: 'unknown', self: this.self, reason: 'not started', since: Date.now() };
  }

  /** The latest known state. */
  get state(): LeadershipState {
    return this.current;
  }

  /** True only while this runtime leads *and* its lease is provably alive, checked now. */
  isLeader(): boolean {
    return this.current.role === 'leader' && Date.now() < this.validUntil - this.marginMs;
  }

  /** The current leader, if known (this runtime when it leads). */
  leader(): NodeInfo | undefined {
    return this.current.leader;
  }

  /** The fence for a write, or a `NotLeaderError` that names the leader. */
  fence(): Fence {
    if (this.isLeader() && this.myKey !== undefined && this.myCreateRevision !== undefined) {
      return { key: this.myKey, createRevision: this.myCreateRevision };
    }
    throw this.notLeaderError();
  }

  /** The error a follower answers writes with. */
  notLeaderError(): NotLeaderError {
    const s = this.current;
    if (s.role === 'follower' && s.leader) return notLeader(s.leader);
    return notLeader(undefined, s.reason ?? 'election in progress');
  }

  /** Starts campaigning; resolves after the first round (the role may still be `unknown`). Idempotent. */
  start(): Promise<void> {
    this.started ??= (async () => {
      await this.campaign();
      this.keepaliveLoop();
      void this.watch();
      await this.poll();
    })();
    return this.started;
  }

  /** Resolves when the role is `role` (rejects after `timeoutMs`). */
  waitFor(role: Role, timeoutMs = 10_000): Promise<LeadershipState> {
    if (this.current.role === role) return Promise.resolve(this.current);
    return new Promise((resolve, reject) => {
      const onChange = (s: LeadershipState): void => {
        if (s.role !== role) return;
        clearTimeout(t);
        this.off('change', onChange);
        resolve(s);
      };
      const t = setTimeout(() => {
        this.off('change', onChange);
        reject(
          new Error(
            `${this.self.id}: not ${role} within ${timeoutMs} ms (now ${this.current.role}${this.current.reason ? `: ${this.current.reason}` : ''})`,
          ),
        );
      }, timeoutMs);
      this.on('change', onChange);
    });
  }

  /** Resigns (revokes the lease, so another runtime leads at once) and stops. Idempotent. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    clearTimeout(this.pollTimer);
    clearTimeout(this.keepaliveTimer);
    clearTimeout(this.expiryTimer);
    const watcher = this.watcher;
    this.watcher = undefined;
    void watcher?.cancel().catch(() => undefined);
    const lease = this.lease;
    this.lease = undefined;
    this.validUntil = 0;
    this.set({ role: 'unknown', self: this.self, reason: 'stopped (resigned)', since: Date.now() });
    if (lease) await lease.revoke().catch(() => undefined);
  }

  // ── campaign: a lease and one key on it ────────────────────────────────────────────────────────

  private async campaign(): Promise<void> {
    if (this.stopped) return;
    const sent = Date.now();
    const lease = this.client.lease(this.ttlSeconds, { autoKeepAlive: false });
    lease.on('lost', () => undefined); // reported through keepaliveOnce/grant rejections instead
    try {
      const id = await lease.grant();
      const key = this.electionPrefix + BigInt(id).toString(16);
      const value = JSON.stringify(this.self);
      const res = await this.client.if(key, 'Create', '==', 0).then(lease.put(key).value(value)).else(this.client.get(key)).commit();
      const rev = res.succeeded ? res.header.revision : res.responses[0]?.response_range?.kvs[0]?.create_revision;
      if (rev === undefined) throw new Error(`election key ${key} vanished while campaigning`);
      if (this.stopped) {
        await lease.revoke().catch(() => undefined);
        return;
      }
      this.lease = lease;
      this.leaseId = id;
      this.myKey = key;
      this.myCreateRevision = rev;
      this.validUntil = sent + this.ttlSeconds * 1000;
      this.lastError = undefined;
      this.log('info', 'campaigning', { key, createRevision: rev, ttl: this.ttlSeconds });
    } catch (err) {
      lease.release();
      void lease.revoke().catch(() => undefined);
      this.trouble(err);
    }
  }

  // ── keepalive: renews the lease every TTL/3 and moves `validUntil` ───────────────────────────

  private keepaliveLoop(): void {
    if (this.stopped) return;
    this.keepaliveTimer = setTimeout(
      () => {
        void this.keepaliveOnce().finally(() => this.keepaliveLoop());
      },
      Math.floor((this.ttlSeconds * 1000) / 3),
    );
  }

  private async keepaliveOnce(): Promise<void> {
    const lease = this.lease;
    if (lease === undefined) {
      await this.campaign();
      return;
    }
    const sent = Date.now();
    const attempt = lease.keepaliveOnce();
    attempt.catch(() => undefined); // it may settle after our timeout
    try {
      const res = await withTimeout(attempt, this.keepaliveTimeoutMs, 'keepalive timed out');
      if (lease !== this.lease) return;
      const ttl = Number(res.TTL);
      this.validUntil = sent + (Number.isFinite(ttl) && ttl > 0 ? ttl : this.ttlSeconds) * 1000;
      if (this.lastError !== undefined) this.log('info', 'etcd reachable again', { endpoints: this.endpoints });
      this.lastError = undefined;
    } catch (err) {
      if (lease !== this.lease) return;
      if (err instanceof EtcdLeaseInvalidError) {
        // etcd expired our lease (we were cut off for a whole TTL): our key is gone; start over.
        this.log('warn', 'lease expired in etcd; campaigning again', { leaseId: this.leaseId });
        this.dropLease('our lease expired in etcd');
        await this.campaign();
      } else {
        this.trouble(err);
      }
    }
    this.evaluate(undefined);
  }

  private dropLease(reason: string): void {
    const lease = this.lease;
    this.lease = undefined;
    this.leaseId = undefined;
    this.myKey = undefined;
    this.myCreateRevision = undefined;
    this.validUntil = 0;
    lease?.release();
    this.set({ role: 'unknown', self: this.self, reason, since: Date.now() });
  }

  // ── poll: who leads? ────────────────────────────────────────────────────────────────────────────

  /**
   * A watch on the election keys makes a follower look again the moment a key goes (a resign, an
   * expired lease) instead of at its next poll. Best effort: the poll alone is enough for correctness.
   */
  private async watch(): Promise<void> {
    try {
      const w = await this.client.watch().prefix(this.electionPrefix).create();
      if (this.stopped) {
        await w.cancel();
        return;
      }
      this.watcher = w;
      w.on('delete', () => this.pollSoon());
      w.on('put', () => this.pollSoon());
      w.on('error', () => undefined);
    } catch {
      // etcd down at start: polling carries on; no watch until restart (acceptable, see above)
    }
  }

  private pollSoon(): void {
    if (this.stopped) return;
    if (this.polling) {
      this.pollAgain = true;
      return;
    }
    clearTimeout(this.pollTimer);
    void this.poll();
  }

  private async poll(): Promise<void> {
    if (this.stopped) return;
    this.polling = true;
    try {
      const res = await this.client.getAll().prefix(this.electionPrefix).sort('Create', 'Ascend').exec();
      const kvs = res.kvs;
      if (this.myKey !== undefined && this.lease !== undefined && !kvs.some((kv) => kv.key.toString('utf8') === this.myKey)) {
        // Our key was deleted under a live lease (by hand?): queue up again.
        this.log('warn', 'election key vanished; campaigning again', { key: this.myKey });
        const lease = this.lease;
        this.dropLease('election key vanished');
        void lease.revoke().catch(() => undefined);
        await this.campaign();
      } else {
        const first = kvs[0];
        this.evaluate(first === undefined ? null : { key: first.key.toString('utf8'), value: first.value.toString('utf8') });
      }
    } catch (err) {
      this.trouble(err);
      this.evaluate(undefined);
    } finally {
      this.polling = false;
      if (!this.stopped) {
        clearTimeout(this.pollTimer);
        this.pollTimer = setTimeout(() => void this.poll(), this.pollAgain ? 0 : this.pollMs);
        this.pollAgain = false;
      }
    }
  }

  /**
   * Decide the role. `first` is the oldest election key read just now, `null` when there is none,
   * `undefined` when we could not read (then only our own lease clock can keep us leader).
   */
  private evaluate(first: { key: string; value: string } | null | undefined): void {
    if (this.stopped) return;
    const now = Date.now();
    const leaseValid = this.lease !== undefined && now < this.validUntil - this.marginMs;
    const prev = this.current;
    if (first === undefined) {
      if (prev.role === 'leader' && leaseValid) return this.armExpiry();
      if (prev.role === 'follower' && this.lastError === undefined) return;
      this.set({ role: 'unknown', self: this.self, reason: this.unknownReason(leaseValid), since: now });
      return;
    }
    if (first !== null && first.key === this.myKey) {
      if (leaseValid) {
        this.set({
          role: 'leader',
          self: this.self,
          leader: this.self,
          fence: { key: this.myKey, createRevision: this.myCreateRevision ?? '0' },
          since: now,
        });
        this.armExpiry();
      } else {
        this.set({ role: 'unknown', self: this.self, reason: this.unknownReason(false), since: now });
      }
      return;
    }
    if (first === null) {
      this.set({ role: 'unknown', self: this.self, reason: this.lease ? 'election in progress' : this.unknownReason(false), since: now });
      return;
    }
    this.set({ role: 'follower', self: this.self, leader: parseNode(first.value, first.key), since: now });
  }

  private unknownReason(leaseValid: boolean): string {
    if (this.lastError !== undefined) return `etcd unreachable at ${this.endpoints.join(',')}: ${this.lastError}`;
    return leaseValid ? 'election in progress' : 'lease not renewed in time';
  }

  /** A timer that drops leadership when the lease clock runs out, even if every etcd call hangs. */
  private armExpiry(): void {
    clearTimeout(this.expiryTimer);
    const ms = this.validUntil - this.marginMs - Date.now();
    this.expiryTimer = setTimeout(
      () => {
        if (this.current.role === 'leader' && !this.isLeader()) {
          this.log('warn', 'leadership lapsed: lease not renewed in time', { lastError: this.lastError });
          this.set({ role: 'unknown', self: this.self, reason: this.unknownReason(false), since: Date.now() });
        } else if (this.current.role === 'leader') {
          this.armExpiry();
        }
      },
      Math.max(0, ms) + 5,
    );
  }

  private trouble(err: unknown): void {
    const msg = err instanceof Error ? err.message : String(err);
    if (this.lastError !== msg) this.log('warn', 'etcd trouble', { endpoints: this.endpoints, error: msg });
    this.lastError = msg;
  }

  private set(next: LeadershipState): void {
    const prev = this.current;
    const same = prev.role === next.role && prev.leader?.id === next.leader?.id && prev.leader?.location === next.leader?.location;
    if (same) {
      // Keep `since`; refresh the reason so `unknown` says the latest cause.
      if (next.reason !== prev.reason) this.current = { ...prev, ...(next.reason === undefined ? {} : { reason: next.reason }) };
      return;
    }
    this.current = next;
    if (next.role !== 'leader') clearTimeout(this.expiryTimer);
    this.log(next.role === 'unknown' && !this.stopped ? 'warn' : 'info', `leadership: ${prev.role} → ${next.role}`, {
      leader: next.leader?.id,
      ...(next.reason === undefined ? {} : { reason: next.reason }),
    });
    if (next.role === 'leader') void this.advertise();
    this.emit('change', next);
    this.emit(next.role, next);
  }

  /** HEAD's `infrakit/leader/location`, on our lease and fenced on our key (best effort). */
  private async advertise(): Promise<void> {
    const lease = this.lease;
    const key = this.myKey;
    const rev = this.myCreateRevision;
    if (!lease || !key || !rev) return;
    await this.client
      .if(key, 'Create', '==', rev)
      .then(lease.put(this.locationKey).value(this.self.location))
      .commit()
      .catch(() => undefined);
  }
}

function parseNode(value: string, key: string): NodeInfo {
  try {
    const v = JSON.parse(value) as Partial<NodeInfo>;
    if (typeof v.id === 'string' && typeof v.location === 'string') return v as NodeInfo;
  } catch {
    // a candidate that is not one of us (etcdctl elect): show its raw value
  }
  return { id: value || key, location: value || key };
}

function withTimeout<T>(p: Promise<T>, ms: number, msg: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(msg)), ms);
    p.then(
      (v) => {
        clearTimeout(t);
        resolve(v);
      },
      (e: unknown) => {
        clearTimeout(t);
        reject(e instanceof Error ? e : new Error(String(e)));
      },
    );
  });
}
