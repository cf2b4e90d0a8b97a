/**
 * Several runtimes (separate `infrakit-ts up` processes, separate INFRAKIT_HOMEs) on one etcd share one
 * set of groups: one leads and converges, the others follow; instances live in a directory all of them
 * see (the `file` instance plugin, slowed down so a convergence can be interrupted).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { RemoteClient } from '../../sockets/remote-client.js';
import { removeHome, tempHome, UpProcess, waitFor } from '../helpers/cli.js';
import { useEtcd } from '../helpers/etcd-harness.js';

const SLOW_FILE = fileURLToPath(new URL('./fixtures/slow-file-actor.js', import.meta.url));

interface IsLeader {
  Leader: boolean;
  Role: string;
  Node: string;
  LeaderNode: { ID: string; Location: string } | null;
  Reason?: string;
}

class Node {
  readonly up: UpProcess;
  readonly group: RemoteClient;
  constructor(
    readonly id: string,
    readonly home: string,
    config: string,
    env: NodeJS.ProcessEnv,
  ) {
    this.up = new UpProcess(home, ['--config', config], env);
    this.group = new RemoteClient(join(home, 'plugins', 'group'), { timeoutMs: 10_000 });
  }
  async isLeader(): Promise<IsLeader> {
    return (await this.group.call('Manager.IsLeader', {})) as IsLeader;
  }
  get alive(): boolean {
    return this.up.proc.exitCode === null && this.up.proc.signalCode === null;
  }
}

const spec = (id: string, size: number, note = 'v1') => ({
  ID: id,
  Properties: {
    Allocation: { Size: size },
    Instance: { Plugin: 'file', Properties: { Note: note } },
    Flavor: { Plugin: 'vanilla', Properties: { Init: ['echo hi'] } },
  },
});

describe('cluster: several runtimes on one etcd', function () {
  this.timeout(120_000);
  const etcd = useEtcd();
  let shared = '';
  let nodes: Node[] = [];
  let prefix = '';
  let n = 0;

  /** Instance files in the shared dir that belong to `group`. */
  const members = (group: string): string[] =>
    readdirSync(shared)
      .filter((f) => f.startsWith('instance-'))
      .filter((f) => {
        try {
          return (
            (JSON.parse(readFileSync(join(shared, f), 'utf8')) as { Tags?: Record<string, string> }).Tags?.['infrakit.group'] === group
          );
        } catch {
          return false;
        }
      })
      .sort();

  /** The config hash tag of each member of `group`. */
  const hashes = (group: string): string[] =>
    members(group).flatMap((f) => {
      try {
        return [(JSON.parse(readFileSync(join(shared, f), 'utf8')) as { Tags: Record<string, string> }).Tags['infrakit.config.hash'] ?? ''];
      } catch {
        return []; // destroyed while we looked
      }
    });

  const start = (id: string, delayMs = 0): Node => {
    const home = tempHome();
    const config = join(home, 'up.json');
    writeFileSync(
      config,
      JSON.stringify({
        actors: [
          { name: 'group', plugin: 'group', options: { pollIntervalMs: 300, maxParallel: 2, callTimeoutMs: 5000 } },
          { name: 'file', plugin: SLOW_FILE, options: { dir: shared, delayMs } },
          { name: 'vanilla', plugin: 'vanilla' },
        ],
      }),
    );
    // Configured through the environment, as `up --store etcd` does.
    const node = new Node(id, home, config, {
      INFRAKIT_STORE: 'etcd',
      INFRAKIT_ETCD_ENDPOINTS: etcd().endpoints.join(','),
      INFRAKIT_ID: id,
      INFRAKIT_LEASE_TTL: '2',
      INFRAKIT_ETCD_PREFIX: prefix,
    });
    nodes.push(node);
    return node;
  };
  const startAll = async (ids: string[], delayMs = 0): Promise<Node[]> => {
    const ns = ids.map((id) => start(id, delayMs));
    await Promise.all(ns.map((x) => x.up.ready()));
    return ns;
  };
  const leaderOf = async (ns: Node[]): Promise<Node> =>
    waitFor(
      'exactly one leader',
      async () => {
        const states = await Promise.all(ns.filter((x) => x.alive).map(async (x) => ({ x, s: await x.isLeader() })));
        const leaders = states.filter((e) => e.s.Leader);
        return leaders.length === 1 && states.every((e) => e.s.LeaderNode?.ID === leaders[0]!.x.id) ? leaders[0]!.x : undefined;
      },
      15_000,
    );
  const stopAll = async (): Promise<void> => {
    await Promise.all(nodes.map((x) => x.up.interrupt()));
    for (const x of nodes) {
      x.group.close();
      removeHome(x.home);
    }
    nodes = [];
  };

  /** A new shared instance dir and etcd prefix: a test's own groups and instances. */
  const setUp = (): void => {
    shared = mkdtempSync(join(tmpdir(), 'ik-shared-'));
    prefix = `ha${++n}/`;
  };
  const tearDown = async (): Promise<void> => {
    await stopAll();
    rmSync(shared, { recursive: true, force: true });
  };

  // Starting runtimes is most of this file's cost (a process and its worker threads each): the tests that
  // kill none share three, the two that kill a leader share three more, and the restart starts its own.
  describe('three runtimes, shared by the tests that kill none', () => {
    let ns: Node[] = [];
    before(async function () {
      this.timeout(120_000);
      setUp();
      ns = await startAll(['n1', 'n2', 'n3']);
    });
    after(async function () {
      this.timeout(120_000);
      await tearDown();
    });

    it('exactly one leads; followers refuse writes naming it and serve reads; a group converges once', async () => {
      const leader = await leaderOf(ns);
      const followers = ns.filter((x) => x !== leader);
      await assert.rejects(followers[0]!.group.call('Group.CommitGroup', { Spec: spec('web', 4) }), (err: Error) => {
        assert.match(err.message, new RegExp(`^not the leader: runtime ${leader.id} at unix://.+/plugins/group leads; send writes there$`));
        return true;
      });
      const res = (await leader.group.call('Group.CommitGroup', { Spec: spec('web', 4) })) as { Details: string };
      assert.equal(res.Details, 'Managing 4 instances');
      await waitFor('4 members', () => members('web').length === 4, 30_000);
      // Followers answer reads from etcd and the instance plugin.
      for (const f of followers) {
        const groups = (await f.group.call('Group.InspectGroups', {})) as { Groups: { ID: string }[] };
        assert.deepEqual(
          groups.Groups.map((g) => g.ID),
          ['web'],
        );
        const d = (await f.group.call('Group.DescribeGroup', { ID: 'web' })) as {
          Description: { Instances: unknown[]; Converged: boolean; Leadership: IsLeader & { Leader: { ID: string } } };
        };
        assert.equal(d.Description.Instances.length, 4);
        assert.equal(d.Description.Converged, true);
        assert.equal(d.Description.Leadership.Role, 'follower');
        assert.equal(d.Description.Leadership.Leader.ID, leader.id);
        assert.equal(((await f.group.call('Group.Size', { ID: 'web' })) as { Size: number }).Size, 4);
      }
      // Converged once: it stays at 4, nobody else provisions.
      await new Promise((r) => setTimeout(r, 1500));
      assert.equal(members('web').length, 4);
    });

    it('etcd unreachable: nobody converges, the runtimes say why; once it is back, one leads and repairs', async () => {
      const leader = await leaderOf(ns);
      await leader.group.call('Group.CommitGroup', { Spec: spec('api', 3) });
      await waitFor('3 members', () => members('api').length === 3, 30_000);
      etcd().pause(0);
      try {
        for (const x of ns) {
          const s = await waitFor(
            `${x.id} not leading`,
            async () => {
              const v = await x.isLeader();
              return v.Role === 'unknown' ? v : undefined;
            },
            15_000,
          );
          assert.equal(s.Leader, false);
          assert.match(s.Reason ?? '', /etcd unreachable at http:\/\/127\.0\.0\.1:\d+|lease not renewed/);
        }
        await assert.rejects(
          leader.group.call('Group.CommitGroup', { Spec: spec('api', 5) }),
          /not the leader: no runtime leads right now \(etcd unreachable at http:\/\/127\.0\.0\.1:\d+|not the leader: no runtime leads right now/,
        );
        // An instance vanishes while nobody can prove it leads: nobody replaces it.
        unlinkSync(join(shared, members('api')[0]!));
        await new Promise((r) => setTimeout(r, 1500));
        assert.equal(members('api').length, 2, 'no convergence on stale beliefs');
      } finally {
        etcd().resume(0);
      }
      await leaderOf(ns);
      await waitFor('repaired to 3', () => members('api').length === 3, 30_000);
    });
  });

  // The next two tests kill a leader each: the first on three runtimes, the second on the two left.
  describe('three runtimes whose leaders are killed in turn', () => {
    let killed: Node[] = [];
    before(async function () {
      this.timeout(120_000);
      setUp();
      // 500 ms a file: the kill lands while 6 of 8 are still to come, even if this process is slow to look.
      killed = await startAll(['n1', 'n2', 'n3'], 500);
    });
    after(async function () {
      this.timeout(120_000);
      await tearDown();
    });

    it('the leader killed with SIGKILL mid-convergence: a follower takes over and the group ends at exactly its size', async () => {
      const ns = killed.filter((x) => x.alive);
      const leader = await leaderOf(ns);
      await leader.group.call('Group.CommitGroup', { Spec: spec('db', 8) });
      await waitFor('convergence under way', () => members('db').length >= 2, 30_000, 10);
      const atKill = members('db').length;
      leader.up.proc.kill('SIGKILL');
      await leader.up.exited;
      const survivors = ns.filter((x) => x !== leader);
      // leaderOf waits up to 15 s (7 lease TTLs): a takeover, told from none, not a measured failover time.
      const next = await leaderOf(survivors);
      assert.notEqual(next.id, leader.id);
      assert.ok(atKill < 8, `killed before the end (${atKill} of 8)`);
      await waitFor('8 members', () => members('db').length === 8, 30_000);
      await new Promise((r) => setTimeout(r, 1500));
      assert.equal(members('db').length, 8, 'exactly its size: nothing provisioned twice');
    });

    it('the leader killed in the middle of a rolling update: the new leader finishes it, never above size + surge', async () => {
      // The two left by the test before: one leads, the other takes over when it is killed.
      const ns = killed.filter((x) => x.alive);
      assert.equal(ns.length, 2);
      const leader = await leaderOf(ns);
      await leader.group.call('Group.CommitGroup', { Spec: spec('roll', 4, 'v1') });
      await waitFor('4 members', () => members('roll').length === 4, 30_000);
      const v1 = hashes('roll')[0];
      let max = 0;
      const sampler = setInterval(() => (max = Math.max(max, members('roll').length)), 10);
      try {
        const res = (await leader.group.call('Group.CommitGroup', { Spec: spec('roll', 4, 'v2') })) as { Details: string };
        assert.equal(res.Details, 'Performing a rolling update on 4 instances');
        await waitFor('rollout under way', () => hashes('roll').some((h) => h !== v1), 10_000, 10);
        leader.up.proc.kill('SIGKILL');
        await leader.up.exited;
        assert.ok(
          hashes('roll').some((h) => h === v1),
          'killed before the rollout finished',
        );
        const next = await leaderOf(ns.filter((x) => x !== leader));
        await waitFor(
          'rollout finished',
          () => {
            const hs = hashes('roll');
            return hs.length === 4 && hs.every((h) => h !== v1 && h === hs[0]);
          },
          30_000,
        );
        const d = (await next.group.call('Group.DescribeGroup', { ID: 'roll' })) as { Description: { Instances: unknown[] } };
        assert.equal(d.Description.Instances.length, 4);
      } finally {
        clearInterval(sampler);
      }
      assert.ok(max <= 5, `at most size + MaxSurge (5) at any time, saw ${max}`);
    });
  });

  describe('runtimes of their own, restarted', () => {
    beforeEach(setUp);
    afterEach(async function () {
      this.timeout(120_000);
      await tearDown();
    });

    it('all runtimes restarted (fresh homes): the specs are still there and nothing is provisioned again', async () => {
      let ns = await startAll(['n1', 'n2']);
      let leader = await leaderOf(ns);
      await leader.group.call('Group.CommitGroup', { Spec: spec('keep', 3) });
      await waitFor('3 members', () => members('keep').length === 3, 30_000);
      const before = members('keep');
      await Promise.all(ns.map((x) => x.up.interrupt()));
      for (const x of ns) {
        x.group.close();
        removeHome(x.home);
      }
      nodes = [];
      ns = await startAll(['n3', 'n4']);
      leader = await leaderOf(ns);
      const groups = (await leader.group.call('Group.InspectGroups', {})) as {
        Groups: { ID: string; Properties: { Allocation: { Size: number } } }[];
      };
      assert.deepEqual(
        groups.Groups.map((g) => [g.ID, g.Properties.Allocation.Size]),
        [['keep', 3]],
      );
      await new Promise((r) => setTimeout(r, 1500));
      assert.deepEqual(members('keep'), before, 'the same instances, found by their tags');
    });
  });
});
