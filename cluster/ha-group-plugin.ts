/**
 * The Group plugin behind a leader election: several runtimes share one set of groups in etcd, and
 * only the leader converges them. Each term of leadership starts a fresh `GroupPlugin` that loads and
 * resumes every group (after operations of an earlier term have finished); losing leadership stops
 * every loop at once, instances keep running. Followers run no loop: reads go to the store and the
 * instance plugin, writes get `NotLeaderError` naming the leader. See docs/cluster.md.
 */
import type { Etcd3 } from 'etcd3';
import type { Caller, Description } from '../actors/spi/common.js';
import type { GroupDescription, InspectedGroup } from '../actors/spi/group.js';
import {
  GroupController,
  isConverged,
  silentLog,
  type ControllerOptions,
  type EmitFn,
  type GroupLog,
} from '../actors/group/group-controller.js';
import { GroupPlugin, notWatched } from '../actors/group/group-plugin.js';
import { settingsOf } from '../actors/group/settings.js';
import { normaliseProperties, parseGroupProperties, targetSize } from '../actors/group/properties.js';
import { ApplicationError } from '../runtime/errors.js';
import { createEtcdClient } from './etcd-client.js';
import { EtcdSpecStore } from './etcd-spec-store.js';
import { LeaderElection } from './leader-election.js';
import type { LeadershipState, NodeInfo } from './leadership.js';

export interface HaOptions {
  readonly etcdEndpoints: readonly string[];
  readonly self: NodeInfo;
  /** The group actor's name: the election's name and the store's handler. */
  readonly handler: string;
  /** Lease TTL (s); default 3. */
  readonly leaseTtlSeconds?: number;
  /** Key prefix; default `infrakit/`. */
  readonly prefix?: string;
  /** Deadline of one etcd call; default 2000 ms. */
  readonly etcdCallTimeoutMs?: number;
}

/** What DescribeGroup and `Manager.IsLeader` report about leadership. */
export interface LeadershipView {
  readonly Role: LeadershipState['role'];
  readonly Node: string;
  readonly Leader: { ID: string; Location: string } | null;
  readonly Reason?: string;
}

interface Term {
  readonly plugin: GroupPlugin;
  readonly ready: Promise<void>;
}

export class HaGroupPlugin {
  readonly election: LeaderElection;
  readonly store: EtcdSpecStore;
  private readonly client: Etcd3;
  private term: Term | undefined;
  /** Resolves when the operations of earlier terms have finished. */
  private previousOps: Promise<void> = Promise.resolve();
  private closed = false;
  private retryTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly caller: Caller,
    private readonly opts: ControllerOptions,
    private readonly ha: HaOptions,
    private readonly log: GroupLog = silentLog,
    private readonly emit: EmitFn = () => {},
  ) {
    this.client = createEtcdClient({ endpoints: ha.etcdEndpoints, callTimeoutMs: ha.etcdCallTimeoutMs ?? 2000 });
    this.election = new LeaderElection({
      client: this.client,
      endpoints: ha.etcdEndpoints,
      self: ha.self,
      name: ha.handler,
      prefix: ha.prefix ?? 'infrakit/',
      ttlSeconds: ha.leaseTtlSeconds ?? 3,
      log: (level, msg, data) => this.log[level]({ ...data }, msg),
    });
    this.store = new EtcdSpecStore({
      client: this.client,
      endpoints: ha.etcdEndpoints,
      prefix: ha.prefix ?? 'infrakit/',
      handler: ha.handler,
      guard: () => this.election.fence(),
    });
    this.election.on('change', (s) => this.onChange(s));
  }

  /** Joins the election; resolves after the first round, whatever the role (etcd may be down). */
  async init(): Promise<void> {
    await this.election.start();
  }

  /** Stops the loops, resigns (another runtime takes over at once) and closes the etcd client. Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.retryTimer);
    this.endTerm();
    await this.election.stop();
    this.client.close();
  }

  leadership(): LeadershipView {
    const s = this.election.state;
    // The lease clock can run out before the election's expiry timer has updated its state: then the
    // state still says leader, and this view says unknown with the reason the timer will give.
    const expired = s.role === 'leader' && !this.election.isLeader();
    const reason = expired ? (s.reason ?? 'lease not renewed in time') : s.reason;
    return {
      Role: expired ? 'unknown' : s.role,
      Node: this.ha.self.id,
      Leader: s.leader ? { ID: s.leader.id, Location: s.leader.location } : null,
      ...(reason === undefined ? {} : { Reason: reason }),
    };
  }

  // ── terms ──────────────────────────────────────────────────────────────────────────────────────

  private onChange(s: LeadershipState): void {
    const view = this.leadership();
    this.emit('leadership:changed', view);
    if (s.role === 'leader') {
      this.emit('leadership:gained', view);
      this.beginTerm();
    } else {
      if (this.term) this.emit('leadership:lost', view);
      this.endTerm();
    }
  }

  private beginTerm(): void {
    if (this.closed || this.term) return;
    const plugin = new GroupPlugin(this.caller, this.store, this.opts, this.log, this.emit);
    const term: { plugin: GroupPlugin; ready: Promise<void> } = { plugin, ready: Promise.resolve() };
    this.term = term;
    term.ready = (async () => {
      await this.previousOps;
      if (this.term !== term) return;
      await plugin.init();
      if (this.term !== term) void plugin.close();
      else this.log.info({ groups: plugin.inspectGroups()?.length ?? 0 }, 'leader: specs loaded, converging');
    })();
    term.ready.catch((err: unknown) => {
      // Could not load the specs (etcd went away?): no loop runs; try again while we still lead.
      this.log.warn({ err: err instanceof Error ? err.message : String(err) }, 'leader: loading specs failed; retrying');
      if (this.term !== term) return;
      void plugin.close();
      this.term = undefined;
      clearTimeout(this.retryTimer);
      this.retryTimer = setTimeout(() => {
        if (this.election.isLeader()) this.beginTerm();
      }, 1000);
    });
  }

  private endTerm(): void {
    const term = this.term;
    if (!term) return;
    this.term = undefined;
    const plugin = term.plugin;
    void plugin.close(); // every loop stops now; operations in flight finish on their own
    const ids = (plugin.inspectGroups() ?? []).map((g) => g.ID);
    const earlier = this.previousOps;
    this.previousOps = Promise.all([earlier, ...ids.map((id) => plugin.group(id)?.idle())]).then(() => undefined);
  }

  /** The current term's plugin, once its specs are loaded; else `NotLeaderError` naming the leader. */
  private async leading(): Promise<GroupPlugin> {
    const term = this.term;
    if (!term || !this.election.isLeader()) throw this.election.notLeaderError();
    await term.ready;
    if (this.term !== term || !this.election.isLeader()) throw this.election.notLeaderError();
    return term.plugin;
  }

  // ── writes: the leader only ───────────────────────────────────────────────────────────────────

  async commitGroup(spec: { ID?: string; Properties?: unknown } | undefined, pretend: boolean): Promise<string> {
    return (await this.leading()).commitGroup(spec, pretend);
  }
  async freeGroup(id: string): Promise<void> {
    return (await this.leading()).freeGroup(id);
  }
  async destroyGroup(id: string): Promise<void> {
    return (await this.leading()).destroyGroup(id);
  }
  async destroyInstances(id: string, ids: readonly string[]): Promise<void> {
    return (await this.leading()).destroyInstances(id, ids);
  }
  async setSize(id: string, size: number): Promise<void> {
    return (await this.leading()).setSize(id, size);
  }
  async pauseUpdate(id: string): Promise<string> {
    return (await this.leading()).pauseUpdate(id);
  }
  async resumeUpdate(id: string): Promise<string> {
    return (await this.leading()).resumeUpdate(id);
  }
  async rollbackUpdate(id: string): Promise<string> {
    return (await this.leading()).rollbackUpdate(id);
  }

  // ── reads: anyone; a follower reads the store and the instance plugin ────────────────────────

  async describeGroup(id: string): Promise<GroupDescription> {
    const term = this.term;
    if (
      term &&
      this.election.isLeader() &&
      (await term.ready.then(
        () => true,
        () => false,
      )) &&
      this.term === term
    ) {
      return { ...(await term.plugin.describeGroup(id)), Leadership: this.leadership() };
    }
    const rec = (await this.store.load()).get(id);
    if (!rec) throw notWatched(id);
    const settings = settingsOf(rec.spec, parseGroupProperties(rec.spec.Properties, { allowEmptyAllocation: true }));
    // A controller that is never started: only to list the members as the leader would.
    const members: Description[] = await new GroupController(settings, rec.paused, this.caller, this.opts, this.log).listMembers();
    return {
      Instances: members.length === 0 ? null : members,
      Converged: isConverged(members, settings),
      Size: targetSize(settings.props),
      ConfigHash: settings.hash,
      Leadership: this.leadership(),
    };
  }

  async inspectGroups(): Promise<InspectedGroup[] | null> {
    if (this.term && this.election.isLeader()) {
      await this.term.ready.catch(() => undefined);
      if (this.term) return this.term.plugin.inspectGroups();
    }
    const out: InspectedGroup[] = [];
    for (const [id, rec] of await this.store.load()) {
      try {
        out.push({
          ID: id,
          Properties: normaliseProperties(parseGroupProperties(rec.spec.Properties, { allowEmptyAllocation: true }), rec.spec.Properties),
        });
      } catch {
        // As stored: the leader quarantines it; a follower only shows it.
        out.push({ ID: id, Properties: rec.spec.Properties } as InspectedGroup);
      }
    }
    return out.length === 0 ? null : out;
  }

  async size(id: string): Promise<number> {
    const rec = (await this.store.load()).get(id);
    if (!rec) throw new ApplicationError(`group ${id} not found`);
    return targetSize(parseGroupProperties(rec.spec.Properties, { allowEmptyAllocation: true }));
  }
}
