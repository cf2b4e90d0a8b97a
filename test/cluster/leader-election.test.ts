import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Etcd3 } from 'etcd3';
import { createEtcdClient } from '../../cluster/etcd-client.js';
import { EtcdSpecStore } from '../../cluster/etcd-spec-store.js';
import { LeaderElection } from '../../cluster/leader-election.js';
import type { LeadershipState } from '../../cluster/leadership.js';
import { useEtcd } from '../helpers/etcd-harness.js';

const CAMPAIGNER = fileURLToPath(new URL('./fixtures/campaigner.js', import.meta.url));

describe('cluster/leader-election', function () {
  const etcd = useEtcd();
  const clients: Etcd3[] = [];
  const elections: LeaderElection[] = [];
  const children: ChildProcess[] = [];
  let n = 0;
  let name = '';

  const contender = (id: string, ttlSeconds = 2): LeaderElection => {
    const client = createEtcdClient({ endpoints: etcd().endpoints, callTimeoutMs: 800 });
    clients.push(client);
    const e = new LeaderElection({ client, endpoints: etcd().endpoints, self: { id, location: `/tmp/${id}/plugins` }, ttlSeconds, name });
    elections.push(e);
    return e;
  };
  const leaders = () => elections.filter((e) => e.isLeader());
  const until = async (what: string, ok: () => boolean, ms: number): Promise<number> => {
    const t0 = Date.now();
    while (!ok()) {
      if (Date.now() - t0 > ms) assert.fail(`${what}: not within ${ms} ms`);
      await new Promise((r) => setTimeout(r, 20));
    }
    return Date.now() - t0;
  };

  beforeEach(() => {
    name = `e${++n}`;
  });
  afterEach(async () => {
    for (const c of children.splice(0)) c.kill('SIGKILL');
    await Promise.all(elections.splice(0).map((e) => e.stop()));
    for (const c of clients.splice(0)) c.close();
  });

  it('exactly one of three contenders leads; the others follow and name it', async () => {
    const es = [contender('n1'), contender('n2'), contender('n3')];
    await Promise.all(es.map((e) => e.start()));
    await until(
      'one leader, two followers',
      () => leaders().length === 1 && es.filter((e) => e.state.role === 'follower').length === 2,
      15_000,
    );
    const leader = leaders()[0]!;
    for (const e of es) {
      assert.equal(e.leader()?.id, leader.self.id);
      if (e !== leader) {
        assert.throws(
          () => e.fence(),
          (err: Error) =>
            err.message === `not the leader: runtime ${leader.self.id} at /tmp/${leader.self.id}/plugins leads; send writes there`,
        );
      }
    }
    assert.ok(leader.fence().key.includes(`/election/${name}/`));
    // Over a few renewals, leadership stays put.
    await new Promise((r) => setTimeout(r, 1500));
    assert.deepEqual(leaders(), [leader]);
  });

  it('resigning hands leadership over at once', async () => {
    // a's lease lives 30 s: b leading within 15 s means the resignation handed over, not the lease's expiry.
    const [a, b] = [contender('a', 30), contender('b')];
    await a.start();
    await a.waitFor('leader', 15_000);
    await b.start();
    await b.waitFor('follower', 15_000);
    await a.stop();
    await until('b leads (by the resignation, before the 30 s lease could expire)', () => b.isLeader(), 15_000);
  });

  it('a revoked lease: the old leader steps down and another leads within the TTL', async () => {
    const [a, b] = [contender('a'), contender('b')];
    await a.start();
    await a.waitFor('leader', 15_000);
    await b.start();
    await b.waitFor('follower', 15_000);
    const events: string[] = [];
    a.on('change', (s: LeadershipState) => events.push(`a:${s.role}`));
    const fence = a.fence();
    const leaseHex = fence.key.slice(fence.key.lastIndexOf('/') + 1);
    await clients[0]!.leaseClient.leaseRevoke({ ID: BigInt(`0x${leaseHex}`).toString() });
    // Deadlines for "eventually", not measured failover times (a busy machine may need more than a TTL).
    await until('b leads', () => b.isLeader(), 15_000);
    await until('a follows again', () => a.state.role === 'follower' && a.leader()?.id === 'b', 15_000);
    assert.equal(leaders().length, 1);
    assert.ok(!events.includes('a:leader'), 'a never claimed leadership again');
  });

  it('a leader process killed with SIGKILL: a follower leads within a few seconds (TTL 2 s)', async function () {
    this.timeout(40_000);
    const child = spawn(process.execPath, [CAMPAIGNER, etcd().endpoint(0), 'child', '2', name], { stdio: ['ignore', 'pipe', 'inherit'] });
    children.push(child);
    let childRole = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      for (const line of d.split('\n').filter(Boolean)) childRole = (JSON.parse(line) as { role: string }).role;
    });
    // A child node that loads etcd3 and gRPC can take seconds to start on a busy machine (5 s was missed).
    await until('child leads', () => childRole === 'leader', 15_000);
    const b = contender('b');
    await b.start();
    await b.waitFor('follower', 10_000);
    assert.equal(b.leader()?.id, 'child');
    child.kill('SIGKILL');
    // The child never resigns: b leads once the child's 2 s lease expires. The deadline tells that
    // from a follower that never takes over, without a bound a busy machine could miss.
    await until("b leads (after the killed leader's lease expired)", () => b.isLeader(), 15_000);
  });

  it('etcd unreachable: the leader stops counting itself leader within the TTL and says why; it recovers after', async function () {
    this.timeout(40_000);
    const a = contender('a');
    await a.start();
    await a.waitFor('leader', 15_000);
    etcd().pause(0);
    // The bound is checked on what a.isLeader() says, not on how soon a timer fired: it reads the lease
    // clock itself, so any "true" is seen less than a TTL (2 s) after the pause, however busy the
    // machine (the last renewal it counts was sent before the pause). A sampler records the last one.
    const t0 = Date.now();
    let lastLeaderAt = 0;
    const sampler = setInterval(() => {
      if (a.isLeader()) lastLeaderAt = Date.now() - t0;
    }, 5);
    try {
      try {
        await a.waitFor('unknown', 15_000);
      } finally {
        clearInterval(sampler);
      }
      assert.ok(lastLeaderAt < 2000, `still counted itself leader ${lastLeaderAt} ms after etcd went away`);
      assert.equal(a.isLeader(), false);
      assert.throws(() => a.fence(), /not the leader: no runtime leads right now/);
      await new Promise((r) => setTimeout(r, 600));
      assert.match(a.state.reason ?? '', /etcd unreachable at http:\/\/127\.0\.0\.1:\d+|lease not renewed/);
    } finally {
      etcd().resume(0);
    }
    await a.waitFor('leader', 15_000);
  });
});

describe('cluster/leader-election on a 3-member etcd', function () {
  this.timeout(40_000);
  const etcd = useEtcd({ members: 3 });

  it('losing one etcd member keeps exactly one leader, and fenced writes still land', async () => {
    const endpoints = etcd().endpoints;
    const clients = [createEtcdClient({ endpoints, callTimeoutMs: 1000 }), createEtcdClient({ endpoints, callTimeoutMs: 1000 })];
    // TTL 5 s: a keepalive sent to the killed member costs its call timeout before another member
    // answers; with 3 s, a loaded machine's delays on top let the lease lapse (seen beside other suites).
    const es = clients.map(
      (client, i) => new LeaderElection({ client, endpoints, self: { id: `n${i}`, location: `loc${i}` }, ttlSeconds: 5, name: 'three' }),
    );
    try {
      await Promise.all(es.map((e) => e.start()));
      await es[0]!.waitFor('leader', 15_000).catch(() => es[1]!.waitFor('leader', 15_000));
      const store = () => {
        const leader = es.find((e) => e.isLeader());
        assert.ok(leader, 'someone leads');
        return new EtcdSpecStore({ client: clients[es.indexOf(leader)]!, endpoints, guard: () => leader.fence() });
      };
      await store().put('g', { spec: { ID: 'g', Properties: { Allocation: { Size: 1 } } }, previous: null, paused: false });
      await etcd().kill(0);
      // Raft elects a new etcd leader if needed (election timeout 1 s); our leadership rides through it.
      let ok = 0;
      const t0 = Date.now();
      while (Date.now() - t0 < 20_000 && ok < 3) {
        try {
          assert.equal(es.filter((e) => e.isLeader()).length, 1);
          await store().put('g', { spec: { ID: 'g', Properties: { Allocation: { Size: 2 + ok } } }, previous: null, paused: false });
          ok++;
        } catch {
          await new Promise((r) => setTimeout(r, 200));
        }
      }
      assert.equal(ok, 3, 'writes land on the remaining quorum');
      assert.equal(es.filter((e) => e.isLeader()).length, 1);
      assert.deepEqual((await store().load()).get('g')?.spec.Properties, { Allocation: { Size: 4 } });
    } finally {
      await Promise.all(es.map((e) => e.stop()));
      for (const c of clients) c.close();
    }
  });
});
