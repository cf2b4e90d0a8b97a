import assert from 'node:assert/strict';
import type { Etcd3 } from 'etcd3';
import { createEtcdClient } from '../../cluster/etcd-client.js';
import { EtcdSpecStore } from '../../cluster/etcd-spec-store.js';
import { NotLeaderError, StoreUnavailableError, notLeader } from '../../cluster/cluster-errors.js';
import { decodeHeadSpecs, encodeHeadSpecs } from '../../cluster/head-format.js';
import type { StoredGroup } from '../../actors/group/spec-store.js';
import { EtcdHarness, etcdBinary, useEtcd } from '../helpers/etcd-harness.js';
import { settlesWithin } from '../helpers/wait.js';

const props = (size: number) => ({
  Allocation: { Size: size },
  Instance: { Plugin: 'file', Properties: { Note: 'x' } },
  Flavor: { Plugin: 'vanilla', Properties: { Init: ['echo hi'] } },
});
const group = (id: string, size = 3): StoredGroup => ({ spec: { ID: id, Properties: props(size) }, previous: null, paused: false });
const head = (id: string, size = 3, Handler = 'group') => ({ ID: id, Properties: props(size), Handler });

describe('cluster/etcd-spec-store', function () {
  const etcd = useEtcd();
  const clients: Etcd3[] = [];
  let n = 0;
  let prefix = '';

  const client = (): Etcd3 => {
    const c = createEtcdClient({ endpoints: etcd().endpoints });
    clients.push(c);
    return c;
  };
  const store = (c = client(), extra: Partial<ConstructorParameters<typeof EtcdSpecStore>[0]> = {}): EtcdSpecStore =>
    new EtcdSpecStore({ client: c, endpoints: etcd().endpoints, prefix, ...extra });

  beforeEach(() => {
    prefix = `t${++n}/`;
  });
  afterEach(() => {
    for (const c of clients.splice(0)) c.close();
  });

  it('round-trips groups: put, load, replace, remove', async () => {
    const s = store();
    assert.equal((await s.load()).size, 0);
    await s.put('workers', group('workers', 3));
    await s.put('db', { ...group('db', 1), previous: { ID: 'db', Properties: props(2) }, paused: true });
    let loaded = await s.load();
    assert.deepEqual([...loaded.keys()].sort(), ['db', 'workers']);
    assert.deepEqual(loaded.get('workers')?.spec.Properties, props(3));
    assert.deepEqual(
      loaded.get('db'),
      { spec: { ID: 'db', Properties: props(1) }, previous: { ID: 'db', Properties: props(2) }, paused: true },
      'rollout state survives',
    );
    await s.put('workers', group('workers', 5));
    await s.remove('db');
    await s.remove('never-there');
    loaded = await s.load();
    assert.deepEqual([...loaded.keys()], ['workers']);
    assert.deepEqual(loaded.get('workers')?.spec.Properties, props(5));
  });

  it("keeps HEAD's infrakit/configs/specs array in step (docs/go-compat.md #10)", async () => {
    const c = client();
    const s = store(c);
    await s.put('workers', group('workers', 3));
    await s.put('alpha', group('alpha', 2));
    const text = await c.get(`${prefix}configs/specs`).string();
    assert.ok(text);
    assert.equal(text, encodeHeadSpecs([head('alpha', 2), head('workers', 3)]));
    const doc = JSON.parse(text) as { Key: unknown; Record: { Handler: string; Spec: { metadata: unknown; properties: unknown } } }[];
    assert.deepEqual(doc[1]?.Key, { Kind: 'group', Name: 'workers' });
    assert.equal(doc[1]?.Record.Handler, 'group', "HEAD's Handler is the group actor's name");
    assert.deepEqual(doc[1]?.Record.Spec.metadata, { name: 'workers', tags: null });
    assert.deepEqual(doc[1]?.Record.Spec.properties, props(3));
    assert.match(text, /^\[\n {4}\{\n {6}"Key"/, 'MarshalIndent(prefix "  ", indent "  ")');
    await s.remove('alpha');
    await s.remove('workers');
    assert.equal(await c.get(`${prefix}configs/specs`).string(), 'null');
  });

  it("imports HEAD's array when no per-group key exists (a store Go InfraKit wrote)", async () => {
    const c = client();
    await c.put(`${prefix}configs/specs`).value(encodeHeadSpecs([head('legacy', 4, 'group-stateless'), head('other', 1, 'group2')]));
    const loaded = await store(c).load();
    assert.deepEqual([...loaded.keys()], ['legacy'], "Go's default handler is adopted by 'group'; other handlers' groups are not ours");
    assert.deepEqual(loaded.get('legacy')?.spec.Properties, props(4));
    assert.deepEqual(decodeHeadSpecs('null'), []);
  });

  it('an acknowledged write is visible to another client at once', async () => {
    const a = store();
    const b = store();
    for (let i = 0; i < 5; i++) {
      await a.put('g', group('g', i + 1));
      assert.deepEqual((await b.load()).get('g')?.spec.Properties, props(i + 1));
    }
  });

  it('concurrent writers of different groups lose nothing (CAS on the HEAD array)', async () => {
    const c1 = client();
    const s1 = store(c1);
    const s2 = store();
    await Promise.all([
      ...Array.from({ length: 8 }, (_, i) => s1.put(`a${i}`, group(`a${i}`))),
      ...Array.from({ length: 8 }, (_, i) => s2.put(`b${i}`, group(`b${i}`))),
    ]);
    assert.equal((await s1.load()).size, 16);
    const arr = decodeHeadSpecs((await c1.get(`${prefix}configs/specs`).string()) ?? 'null');
    assert.equal(arr.length, 16, 'the HEAD array holds every group');
  });

  it('each handler sees only its own groups; the HEAD array holds all of them', async () => {
    const c = client();
    const g1 = store(c);
    const g2 = store(c, { handler: 'group2' });
    await g1.put('web', group('web'));
    await g2.put('web', group('web', 7));
    assert.deepEqual((await g1.load()).get('web')?.spec.Properties, props(3));
    assert.deepEqual((await g2.load()).get('web')?.spec.Properties, props(7));
    const arr = decodeHeadSpecs((await c.get(`${prefix}configs/specs`).string()) ?? 'null');
    assert.deepEqual(
      arr.map((g) => `${g.Handler}/${g.ID}`),
      ['group/web', 'group2/web'],
    );
  });

  it('a fenced write fails with NotLeaderError when the fence key is gone, and saves nothing', async () => {
    const c = client();
    await c.put(`${prefix}fence`).value('me');
    const rev = (await c.get(`${prefix}fence`).exec()).kvs[0]?.create_revision;
    assert.ok(rev);
    const s = store(c, { guard: () => ({ key: `${prefix}fence`, createRevision: rev }) });
    await s.put('ok', group('ok'));
    await c.delete().key(`${prefix}fence`);
    await assert.rejects(
      s.put('late', group('late')),
      (err: unknown) => err instanceof NotLeaderError && /not the leader/.test(err.message),
    );
    assert.deepEqual([...(await s.load()).keys()], ['ok']);
    const refusing = store(c, {
      guard: () => {
        throw notLeader({ id: 'n2', location: '/tmp/n2/plugins' });
      },
    });
    await assert.rejects(refusing.put('x', group('x')), /not the leader: runtime n2 at \/tmp\/n2\/plugins leads; send writes there/);
  });
});

describe('cluster/etcd-spec-store with etcd down', function () {
  let etcd: EtcdHarness | undefined;
  let c: Etcd3 | undefined;
  before(async function () {
    this.timeout(30_000);
    if (etcdBinary() === undefined) this.skip();
    etcd = await EtcdHarness.start();
  });
  after(async () => {
    c?.close();
    await etcd?.stop();
  });

  it('answers a clear StoreUnavailableError in bounded time, and works again once etcd is back', async function () {
    this.timeout(20_000);
    const h = etcd!;
    c = createEtcdClient({ endpoints: h.endpoints, callTimeoutMs: 1000 });
    const s = new EtcdSpecStore({ client: c, endpoints: h.endpoints });
    await s.put('workers', group('workers'));
    await h.kill(0);
    // Each call fails by its 1 s deadline; 8 s apart from a hang however busy the machine is.
    const what = 'the call to a dead etcd (refused by its 1 s deadline, not hanging)';
    await assert.rejects(settlesWithin(s.put('workers', group('workers', 9)), 8000, what), (err: unknown) => {
      assert.ok(err instanceof StoreUnavailableError, `got ${String(err)}`);
      assert.match(err.message, /^spec store unavailable: etcd at http:\/\/127\.0\.0\.1:\d+ did not answer saving group 'workers'/);
      return true;
    });
    await assert.rejects(settlesWithin(s.load(), 8000, what), StoreUnavailableError);
    await h.restart(0);
    // The failed write was never acknowledged, and it did not land.
    let loaded: Map<string, StoredGroup> | undefined;
    for (let i = 0; i < 50 && loaded === undefined; i++) {
      loaded = await s.load().catch(() => new Promise<undefined>((r) => setTimeout(() => r(undefined), 100)));
    }
    assert.deepEqual(loaded?.get('workers')?.spec.Properties, props(3));
  });

  it('a cut-off etcd (SIGSTOP) makes calls fail by their deadline, not hang', async function () {
    this.timeout(20_000);
    const h = etcd!;
    const c2 = createEtcdClient({ endpoints: h.endpoints, callTimeoutMs: 800 });
    try {
      const s = new EtcdSpecStore({ client: c2, endpoints: h.endpoints });
      await s.load();
      h.pause(0);
      await assert.rejects(
        settlesWithin(s.put('cut', group('cut')), 15_000, 'the call to a stopped etcd (refused by its 800 ms deadline, not hanging)'),
        StoreUnavailableError,
      );
    } finally {
      h.resume(0);
      c2.close();
    }
  });
});
