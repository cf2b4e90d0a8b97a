import assert from 'node:assert/strict';
import { Runtime } from '../../runtime/index.js';
import { Simulator } from '../../actors/simulator/simulator.js';
import { TagIndex, matchesTags } from '../../actors/spi/tag-index.js';
import { parseDurationMs } from '../../runtime/go-duration.js';
import { useRuntimeHome } from '../helpers/runtime-home.js';

const spec = (tags: Record<string, string> | null, extra: Record<string, unknown> = {}) => ({
  Properties: { cpu: 2 },
  Tags: tags,
  Init: 'echo hi',
  LogicalID: null,
  ...extra,
});

describe('simulator (logic)', () => {
  it('provisions with a sortable unique ID and the simulator tag, and describes it', async () => {
    const sim = new Simulator('sim');
    const a = await sim.provision({ Type: '', Spec: spec({ 'infrakit.group': 'g' }) });
    const b = await sim.provision({ Type: '', Spec: spec({ 'infrakit.group': 'g' }) });
    assert.equal(a.Type, '');
    assert.match(a.ID as string, /^\d{19}$/);
    assert.ok((a.ID as string) < (b.ID as string));
    const d = await sim.describe({ Type: '', Tags: { 'infrakit.group': 'g' } });
    assert.deepEqual(d, {
      Type: '',
      Descriptions: [
        { ID: a.ID, LogicalID: null, Tags: { 'infrakit.group': 'g', simulator: 'sim' } },
        { ID: b.ID, LogicalID: null, Tags: { 'infrakit.group': 'g', simulator: 'sim' } },
      ],
    });
  });

  it('honours the Properties flag and keeps LogicalID', async () => {
    const sim = new Simulator('sim');
    const { ID } = await sim.provision({ Spec: spec(null, { LogicalID: '10.0.0.1' }) });
    const without = await sim.describe({});
    assert.equal(without.Descriptions?.[0]?.Properties, undefined);
    assert.equal(without.Descriptions?.[0]?.LogicalID, '10.0.0.1');
    const withP = await sim.describe({ Properties: true });
    assert.deepEqual(withP.Descriptions?.[0], { ID, LogicalID: '10.0.0.1', Tags: { simulator: 'sim' }, Properties: { cpu: 2 } });
  });

  it('matches tags strictly (AND; a missing key does not match: docs/go-compat.md #25)', async () => {
    const sim = new Simulator('sim');
    await sim.provision({ Spec: spec({ a: '1', b: '2' }) });
    await sim.provision({ Spec: spec({ a: '1' }) });
    await sim.provision({ Spec: spec(null) });
    assert.equal((await sim.describe({ Tags: { a: '1' } })).Descriptions?.length, 2);
    assert.equal((await sim.describe({ Tags: { a: '1', b: '2' } })).Descriptions?.length, 1);
    assert.equal((await sim.describe({ Tags: { b: '3' } })).Descriptions, null);
    assert.equal((await sim.describe({ Tags: { c: 'x' } })).Descriptions, null);
    assert.equal((await sim.describe({ Tags: null })).Descriptions?.length, 3);
    assert.equal((await sim.describe({ Tags: {} })).Descriptions?.length, 3);
  });

  it('labels (re-indexing tags) and destroys; unknown IDs give "not found <id>"', async () => {
    const sim = new Simulator('sim');
    const { ID } = await sim.provision({ Spec: spec({ tier: 'web' }) });
    assert.deepEqual(sim.label({ Type: '', Instance: ID as string, Labels: { tier: 'db', x: 'y' } }), { Type: '', OK: true });
    assert.equal((await sim.describe({ Tags: { tier: 'web' } })).Descriptions, null);
    assert.equal((await sim.describe({ Tags: { tier: 'db', x: 'y' } })).Descriptions?.[0]?.ID, ID);
    assert.throws(() => sim.label({ Instance: 'nope', Labels: { a: 'b' } }), { message: 'not found nope' });
    assert.deepEqual(sim.destroy({ Type: '', Instance: ID as string }), { Type: '', OK: true });
    assert.throws(() => sim.destroy({ Instance: ID as string }), { message: `not found ${ID}` });
    assert.equal((await sim.describe({ Tags: { tier: 'db' } })).Descriptions, null);
  });

  it('keeps typed objects apart; "" is the first; unknown Type is no-plugin:<type>', async () => {
    const sim = new Simulator('sim', { objects: ['compute', 'disk'] });
    await sim.provision({ Type: 'compute', Spec: spec(null) });
    await sim.provision({ Type: '', Spec: spec(null) });
    await sim.provision({ Type: 'disk', Spec: spec(null) });
    assert.equal(sim.size('compute'), 2);
    assert.equal(sim.size('disk'), 1);
    assert.equal((await sim.describe({ Type: 'disk' })).Type, 'disk');
    assert.deepEqual(sim.validate({ Type: 'disk', Properties: {} }), { Type: 'disk', OK: true });
    await assert.rejects(sim.provision({ Type: 'gpu', Spec: spec(null) }), { message: 'no-plugin:gpu' });
    assert.throws(() => sim.validate({ Type: 'gpu' }), { message: 'no-plugin:gpu' });
  });

  it('rejects bad options with a clear message', () => {
    assert.throws(() => new Simulator('s', { failureRate: 2 }), /failureRate must be a number between 0 and 1/);
    assert.throws(() => new Simulator('s', { objects: [] }), /objects/);
    assert.throws(() => new Simulator('s', { provisionDelayMs: -1 }), /provisionDelayMs/);
  });

  it('enforces capacity (option and simulator_cap) with "at capacity N"', async () => {
    const sim = new Simulator('s', { capacity: 2 });
    await sim.provision({ Spec: spec(null) });
    await sim.provision({ Spec: spec(null) });
    await assert.rejects(sim.provision({ Spec: spec(null) }), { message: 'at capacity 2' });
    const sim2 = new Simulator('s');
    await sim2.provision({ Spec: { Properties: { simulator_cap: 1 } } });
    await assert.rejects(sim2.provision({ Spec: { Properties: { simulator_cap: 1 } } }), { message: 'at capacity 1' });
  });

  it('injects provision failures at failureRate (reproducible with seed)', async () => {
    const sim = new Simulator('s', { failureRate: 0.5, seed: 42 });
    let failed = 0;
    for (let i = 0; i < 200; i++) {
      try {
        await sim.provision({ Spec: spec(null) });
      } catch (err) {
        assert.match((err as Error).message, /injected provision failure/);
        failed++;
      }
    }
    assert.ok(failed > 60 && failed < 140, `failed ${failed}`);
    assert.equal(sim.size(), 200 - failed);
    const all = new Simulator('s', { failureRate: 1 });
    await assert.rejects(all.provision({ Spec: spec(null) }), /injected/);
  });

  it('delays provision (provisionDelayMs + simulator_delay)', async () => {
    const sim = new Simulator('s', { provisionDelayMs: 30 });
    const t0 = Date.now();
    await sim.provision({ Spec: { Properties: { simulator_delay: '20ms' } } });
    assert.ok(Date.now() - t0 >= 45);
    await assert.rejects(sim.provision({ Spec: { Properties: { simulator_delay: 'soon' } } }), /simulator_delay/);
  });

  it('makes instances vanish by IDs, by Count among matching tags, and by vanishRate', async () => {
    const sim = new Simulator('s', { seed: 1 });
    const ids: string[] = [];
    for (let i = 0; i < 10; i++) ids.push((await sim.provision({ Spec: spec({ g: i < 5 ? 'a' : 'b' }) })).ID as string);
    assert.deepEqual(sim.vanish({ IDs: [ids[0] as string, 'nope'] }), { Type: '', IDs: [ids[0]] });
    const r = sim.vanish({ Count: 2, Tags: { g: 'b' } });
    assert.equal(r.IDs?.length, 2);
    assert.equal((await sim.describe({ Tags: { g: 'b' } })).Descriptions?.length, 3);
    assert.equal(sim.size(), 7);
    assert.deepEqual(sim.vanish({ Count: 0 }), { Type: '', IDs: null });
    const lossy = new Simulator('l', { vanishRate: 1 });
    await lossy.provision({ Spec: spec(null) });
    assert.equal((await lossy.describe({})).Descriptions, null);
    assert.equal(lossy.size(), 0);
  });

  it('holds 10,000 instances and answers a tag query correctly', async function () {
    this.timeout(60_000);
    const sim = new Simulator('big');
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < 10_000; i++) {
      await sim.provision({ Spec: { Tags: { 'infrakit.group': `g${i % 100}`, shard: String(i % 7) } } });
    }
    const t1 = process.hrtime.bigint();
    const r = await sim.describe({ Tags: { 'infrakit.group': 'g42', shard: '3' } });
    const t2 = process.hrtime.bigint();
    // i ≡ 42 (mod 100) and i ≡ 3 (mod 7): one residue mod 700 → 14 or 15 hits below 10,000.
    const expected = [...Array(10_000).keys()].filter((i) => i % 100 === 42 && i % 7 === 3).length;
    assert.equal(r.Descriptions?.length, expected);
    for (const d of r.Descriptions ?? []) assert.deepEqual(d.Tags, { 'infrakit.group': 'g42', shard: '3', simulator: 'big' });
    assert.equal((await sim.describe({})).Descriptions?.length, 10_000);
    console.log(`      10k provision: ${Number(t1 - t0) / 1e6} ms; tag query: ${Number(t2 - t1) / 1e6} ms`);
  });
});

describe('TagIndex', () => {
  it('intersects posting sets and forgets removed ids', () => {
    const ix = new TagIndex();
    ix.add('1', { a: 'x', b: 'y' });
    ix.add('2', { a: 'x' });
    assert.equal(ix.query(null), undefined);
    assert.deepEqual(ix.query({ a: 'x' }), ['1', '2']);
    assert.deepEqual(ix.query({ a: 'x', b: 'y' }), ['1']);
    ix.remove('1', { a: 'x', b: 'y' });
    assert.deepEqual(ix.query({ b: 'y' }), []);
    assert.ok(matchesTags({ a: '1' }, { a: '1' }));
    assert.ok(!matchesTags({}, { a: '1' }));
    assert.ok(matchesTags(null, null));
  });
});

describe('parseDurationMs', () => {
  it('parses Go durations', () => {
    assert.equal(parseDurationMs('1.5s'), 1500);
    assert.equal(parseDurationMs('1m30s'), 90_000);
    assert.equal(parseDurationMs('300ms'), 300);
    assert.equal(parseDurationMs(25), 25);
    assert.equal(parseDurationMs('0'), 0);
    assert.throws(() => parseDurationMs('1x'));
    assert.throws(() => parseDurationMs(''));
  });
});

describe('simulator (through a Runtime)', () => {
  const t = useRuntimeHome();

  it('serves every method, with its manifest objects, Type routing and Go error texts', async () => {
    t.rt = await Runtime.start({
      home: t.home,
      logLevel: 'silent',
      actors: [{ name: 'simulator', module: 'simulator', options: { objects: ['compute', 'disk'] } }],
    });
    assert.deepEqual(t.rt.info('simulator')?.manifest?.objects, ['compute', 'disk']);
    assert.deepEqual(await t.rt.call('simulator', 'Instance.Validate', { Type: 'compute', Properties: {} }), { Type: 'compute', OK: true });
    // Keys normalised case-insensitively by the runtime.
    const p = await t.rt.call<{ Type: string; ID: string }>('simulator', 'Instance.Provision', {
      type: 'disk',
      spec: { tags: { 'infrakit.group': 'g' }, logicalid: 'L' },
    });
    assert.equal(p.Type, 'disk');
    assert.deepEqual(await t.rt.call('simulator', 'Instance.Label', { Type: 'disk', Instance: p.ID, Labels: { x: 'y' } }), {
      Type: 'disk',
      OK: true,
    });
    assert.deepEqual(await t.rt.call('simulator', 'Instance.DescribeInstances', { Type: 'disk', Tags: { x: 'y' }, Properties: false }), {
      Type: 'disk',
      Descriptions: [{ ID: p.ID, LogicalID: 'L', Tags: { 'infrakit.group': 'g', simulator: 'simulator', x: 'y' } }],
    });
    assert.deepEqual(await t.rt.call('simulator', 'Instance.DescribeInstances', { Type: 'compute' }), {
      Type: 'compute',
      Descriptions: null,
    });
    assert.deepEqual(await t.rt.call('simulator', 'Instance.Destroy', { Type: 'disk', Instance: p.ID, Context: { Reason: 'terminate' } }), {
      Type: 'disk',
      OK: true,
    });
    await assert.rejects(t.rt.call('simulator', 'Instance.Destroy', { Type: 'disk', Instance: p.ID }), (err: Error & { code?: string }) => {
      assert.equal(err.message, `not found ${p.ID}`);
      assert.equal(err.code, 'IK_APPLICATION');
      return true;
    });
    await assert.rejects(t.rt.call('simulator', 'Instance.Validate', { Type: 'gpu' }), { message: 'no-plugin:gpu' });
    const v = await t.rt.call<{ IDs: string[] | null }>('simulator', 'Simulator.Vanish', { Type: 'compute', Count: 1 });
    assert.equal(v.IDs, null);
  });

  it('keeps two simulators apart (sim-a / sim-b)', async () => {
    t.rt = await Runtime.start({
      home: t.home,
      logLevel: 'silent',
      actors: [
        { name: 'sim-a', module: 'simulator' },
        { name: 'sim-b', module: 'simulator' },
      ],
    });
    await t.rt.call('sim-a', 'Instance.Provision', { Spec: { Tags: { g: '1' } } });
    await t.rt.call('sim-a', 'Instance.Provision', { Spec: { Tags: { g: '1' } } });
    await t.rt.call('sim-b', 'Instance.Provision', { Spec: { Tags: { g: '1' } } });
    const a = await t.rt.call<{ Descriptions: { Tags: Record<string, string> }[] }>('sim-a', 'Instance.DescribeInstances', {
      Tags: { g: '1' },
    });
    const b = await t.rt.call<{ Descriptions: { Tags: Record<string, string> }[] }>('sim-b', 'Instance.DescribeInstances', {
      Tags: { g: '1' },
    });
    assert.equal(a.Descriptions.length, 2);
    assert.equal(b.Descriptions.length, 1);
    assert.equal(b.Descriptions[0]?.Tags['simulator'], 'sim-b');
  });

  it('provisions 10,000 instances and answers a tag query over them', async function () {
    this.timeout(120_000);
    t.rt = await Runtime.start({ home: t.home, logLevel: 'silent', actors: [{ name: 'sim', module: 'simulator' }] });
    const r = t.rt;
    const t0 = process.hrtime.bigint();
    const ids: string[] = [];
    for (let base = 0; base < 10_000; base += 500) {
      const batch = await Promise.all(
        Array.from({ length: 500 }, (_, k) =>
          r.call<{ ID: string }>('sim', 'Instance.Provision', {
            Type: '',
            Spec: { Tags: { 'infrakit.group': `g${(base + k) % 50}`, n: String(base + k) } },
          }),
        ),
      );
      ids.push(...batch.map((x) => x.ID));
    }
    const t1 = process.hrtime.bigint();
    assert.equal(new Set(ids).size, 10_000);
    const q = await r.call<{ Descriptions: { ID: string; Tags: Record<string, string> }[] }>('sim', 'Instance.DescribeInstances', {
      Tags: { 'infrakit.group': 'g7' },
    });
    const t2 = process.hrtime.bigint();
    assert.equal(q.Descriptions.length, 200);
    assert.ok(q.Descriptions.every((d) => d.Tags['infrakit.group'] === 'g7' && Number(d.Tags['n']) % 50 === 7));
    const one = await r.call<{ Descriptions: { ID: string }[] }>('sim', 'Instance.DescribeInstances', {
      Tags: { 'infrakit.group': 'g7', n: '4507' },
    });
    const t3 = process.hrtime.bigint();
    assert.deepEqual(
      one.Descriptions.map((d) => d.ID),
      [ids[4507]],
    );
    console.log(
      `      runtime: 10k provision ${(Number(t1 - t0) / 1e6).toFixed(0)} ms; 200-hit tag query ${(Number(t2 - t1) / 1e6).toFixed(1)} ms; 1-hit query ${(Number(t3 - t2) / 1e6).toFixed(1)} ms`,
    );
  });
});
