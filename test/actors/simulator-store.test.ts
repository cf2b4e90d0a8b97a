import assert from 'node:assert/strict';
import { MessageChannel, receiveMessageOnPort } from 'node:worker_threads';
import { Simulator } from '../../actors/simulator/simulator.js';
import { ObjectStore, plainJsonKey } from '../../actors/simulator/store.js';
import type { Description, Tags } from '../../actors/spi/index.js';

/** What a caller in another thread gets: the answer after a structured clone. */
function cloned<T>(v: T): T {
  const { port1, port2 } = new MessageChannel();
  port1.postMessage(v);
  const m = receiveMessageOnPort(port2) as { message: T };
  port1.close();
  return m.message;
}

describe('simulator store (compact, shared tag sets and Properties)', () => {
  it('describes exactly what was provisioned: IDs, logical IDs, tags in their order, Properties', async () => {
    const sim = new Simulator('sim');
    const when = new Date(0);
    const specs: { Tags: Tags; Properties: unknown; LogicalID: string | null }[] = [
      { Tags: { 'infrakit.group': 'g', 'infrakit.config.hash': 'h1', tier: 'web' }, Properties: { cpu: 2, image: 'u' }, LogicalID: null },
      { Tags: { 'infrakit.group': 'g', 'infrakit.config.hash': 'h1', tier: 'web' }, Properties: { cpu: 2, image: 'u' }, LogicalID: null },
      { Tags: { tier: 'web', 'infrakit.group': 'g', 'infrakit.config.hash': 'h1' }, Properties: { image: 'u', cpu: 2 }, LogicalID: 'a' },
      {
        Tags: { 'infrakit.group': 'g', 'infrakit.config.hash': 'h2' },
        Properties: { cpu: 2, image: 'u', extra: undefined },
        LogicalID: 'b',
      },
      { Tags: { 'infrakit.group': 'g', 'infrakit.config.hash': 'h2' }, Properties: { at: when }, LogicalID: null },
      { Tags: { 'infrakit.group': 'g', 'infrakit.config.hash': 'h2' }, Properties: { at: when.toJSON() }, LogicalID: null },
      { Tags: { 'infrakit.group': 'g', 'infrakit.config.hash': 'h2' }, Properties: { n: -0 }, LogicalID: null },
      { Tags: { 'infrakit.group': 'g', 'infrakit.config.hash': 'h2' }, Properties: { n: 0 }, LogicalID: null },
      { Tags: { 'infrakit.group': 'g', 'infrakit.config.hash': 'h2' }, Properties: undefined, LogicalID: null },
    ];
    const want: Description[] = [];
    for (const s of specs) {
      const { ID } = await sim.provision({ Spec: { ...s, Init: '', Attachments: null } });
      const d: Description = { ID: ID as string, LogicalID: s.LogicalID, Tags: { ...s.Tags, simulator: 'sim' } };
      if (s.Properties !== undefined) d.Properties = s.Properties;
      want.push(d);
    }
    const got = await sim.describe({ Tags: { 'infrakit.group': 'g' }, Properties: true });
    assert.deepStrictEqual(got.Descriptions, want);
    // Key order is kept as provisioned (the JSON on the wire stays the same).
    assert.equal(JSON.stringify(got.Descriptions), JSON.stringify(want));
    assert.equal(JSON.stringify(cloned(got).Descriptions), JSON.stringify(want));
    // Equal tag sets and Properties are shared, not copied; different orders are not merged.
    const [a, b, c] = got.Descriptions as [Description, Description, Description];
    assert.equal(a.Tags, b.Tags);
    assert.equal(a.Properties, b.Properties);
    assert.notEqual(a.Tags, c.Tags);
    assert.notEqual(a.Properties, c.Properties);
    assert.ok(Object.isFrozen(a.Tags));
  });

  it('a Label moves an instance to its new tag set, and queries keep ID order', async () => {
    const sim = new Simulator('sim');
    const ids: string[] = [];
    for (let i = 0; i < 6; i++)
      ids.push((await sim.provision({ Spec: { Tags: { g: i % 2 === 0 ? 'even' : 'odd' }, Properties: {} } })).ID as string);
    // Move the last even one into the odd set, then the first odd one into the even set: out of join order.
    sim.label({ Instance: ids[4] as string, Labels: { g: 'odd' } });
    sim.label({ Instance: ids[1] as string, Labels: { g: 'even' } });
    const even = await sim.describe({ Tags: { g: 'even' } });
    const odd = await sim.describe({ Tags: { g: 'odd' } });
    assert.deepEqual(
      even.Descriptions?.map((d) => d.ID),
      [ids[0], ids[1], ids[2]],
    );
    assert.deepEqual(
      odd.Descriptions?.map((d) => d.ID),
      [ids[3], ids[4], ids[5]],
    );
    assert.deepEqual(odd.Descriptions?.[1]?.Tags, { g: 'odd', simulator: 'sim' });
    const all = await sim.describe({ Tags: { simulator: 'sim' } });
    assert.deepEqual(
      all.Descriptions?.map((d) => d.ID),
      ids,
    );
  });

  it('answers a repeated packed listing with the same value until an instance changes', async () => {
    const store = new ObjectStore();
    store.put('1', null, { g: 'a' }, { p: 1 });
    store.put('2', 'x', { g: 'a' }, { p: 2 });
    store.put('3', null, { g: 'b' }, undefined);
    const first = store.packed({ g: 'a' }, true);
    assert.deepEqual(first, store.pack(['1', '2'], true));
    assert.equal(store.packed({ g: 'a' }, true), first, 'same query, nothing changed: the same value');
    assert.notEqual(store.packed({ g: 'a' }, false), first, 'without Properties is another query');
    assert.deepEqual(store.packed({ g: 'b' }, true), store.pack(['3'], true));
    const again = store.packed({ g: 'a' }, true);
    assert.deepEqual(again, first);
    const changes: [string, () => void, string[]][] = [
      ['put', () => store.put('4', null, { g: 'a' }, { p: 1 }), ['1', '2', '4']],
      ['label', () => store.label('1', { g: 'c' }), ['2', '4']],
      ['label that keeps the set', () => store.label('2', { z: 'y' }), ['2', '4']],
      ['label of the other set', () => store.label('3', { g: 'a' }), ['2', '3', '4']],
      ['delete', () => assert.ok(store.delete('2')), ['3', '4']],
    ];
    let last = store.packed({ g: 'a' }, true);
    for (const [what, change, ids] of changes) {
      change();
      const now = store.packed({ g: 'a' }, true);
      assert.notEqual(now, last, `a new listing after ${what}`);
      assert.deepEqual(now, store.pack(ids, true), what);
      last = now;
    }
    // Through the simulator's DescribeInstances (Packed: true), as the group asks.
    const sim = new Simulator('sim');
    await sim.provision({ Spec: { Tags: { 'infrakit.group': 'g' }, Properties: { v: 1 }, Init: '', LogicalID: null, Attachments: null } });
    const ask = async (): Promise<unknown> =>
      (await sim.describe({ Tags: { 'infrakit.group': 'g' }, Properties: true, Packed: true })).Packed;
    const a = await ask();
    assert.equal(await ask(), a);
    await sim.provision({ Spec: { Tags: { 'infrakit.group': 'g' }, Properties: { v: 1 }, Init: '', LogicalID: null, Attachments: null } });
    const b = (await ask()) as { IDs: string[] };
    assert.notEqual(b, a);
    assert.equal(b.IDs.length, 2);
  });

  it('drops a tag set and a Properties value with their last instance', () => {
    const store = new ObjectStore();
    store.put('1', null, { g: 'a' }, { p: 1 });
    store.put('2', null, { g: 'a' }, { p: 1 });
    store.put('3', 'x', { g: 'b' }, { p: 2 });
    assert.deepEqual(store.select({ g: 'a' }), ['1', '2']);
    assert.ok(store.delete('1'));
    assert.ok(store.delete('2'));
    assert.ok(!store.delete('2'));
    assert.deepEqual(store.select({ g: 'a' }), []);
    store.put('4', null, { g: 'a' }, { p: 1 });
    assert.deepEqual(store.describe('4', true), { ID: '4', LogicalID: null, Tags: { g: 'a' }, Properties: { p: 1 } });
    assert.deepEqual(store.select(null), ['3', '4']);
    assert.equal(store.size, 2);
  });

  it('Provisions sharing their Tags and Properties objects (one batch) are stored as if each had its own', async () => {
    const sim = new Simulator('sim');
    const Tags: Tags = { 'infrakit.group': 'g', tier: 'web' };
    const Properties = { cpu: 2 };
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) ids.push((await sim.provision({ Spec: { Tags, Properties, LogicalID: null } })).ID as string);
    const all = await sim.describe({ Tags: { 'infrakit.group': 'g' }, Properties: true });
    assert.deepEqual(
      all.Descriptions,
      ids.map((ID) => ({ ID, LogicalID: null, Tags: { 'infrakit.group': 'g', tier: 'web', simulator: 'sim' }, Properties: { cpu: 2 } })),
    );
    // Every instance of the set gone, then the same objects again: a new set, found by its tags.
    for (const id of ids) sim.destroy({ Instance: id });
    const again = (await sim.provision({ Spec: { Tags, Properties, LogicalID: 'x' } })).ID as string;
    assert.deepEqual((await sim.describe({ Tags: { tier: 'web' }, Properties: true })).Descriptions, [
      { ID: again, LogicalID: 'x', Tags: { 'infrakit.group': 'g', tier: 'web', simulator: 'sim' }, Properties: { cpu: 2 } },
    ]);
    // A label moves it to another set; a new object with the old tags joins the old set's equal.
    sim.label({ Instance: again, Labels: { tier: 'db' } });
    const other = (await sim.provision({ Spec: { Tags: { ...Tags }, Properties: { cpu: 2 }, LogicalID: null } })).ID as string;
    assert.deepEqual(
      (await sim.describe({ Tags: { tier: 'web' } })).Descriptions?.map((d) => d.ID),
      [other],
    );
    assert.deepEqual(
      (await sim.describe({ Tags: { tier: 'db' } })).Descriptions?.map((d) => d.ID),
      [again],
    );
  });

  it('a store not told its objects are fixed keys them anew on each put (a caller may change them in between)', () => {
    const store = new ObjectStore();
    const tags: Tags = { g: 'a' };
    const props = { p: 1 };
    store.put('1', null, tags, props);
    tags['g'] = 'b';
    props.p = 2;
    store.put('2', null, tags, props);
    assert.deepEqual(store.select({ g: 'a' }), ['1']);
    assert.deepEqual(store.select({ g: 'b' }), ['2']);
    assert.deepEqual(store.describe('1', false), { ID: '1', LogicalID: null, Tags: { g: 'a' } });
  });

  it('shares only plain JSON values', () => {
    assert.equal(plainJsonKey({ a: [1, 'x', null, true, { b: 2 }] }), '{"a":[1,"x",null,true,{"b":2}]}');
    const holey: unknown[] = [1];
    holey[2] = 2;
    for (const v of [{ a: undefined }, { d: new Date(0) }, { n: -0 }, { n: NaN }, holey, new Map(), { f: () => 1 }]) {
      assert.equal(plainJsonKey(v), undefined, String(JSON.stringify(v)));
    }
    let deep: unknown = 1;
    for (let i = 0; i < 200_000; i++) deep = [deep];
    assert.equal(plainJsonKey(deep), undefined);
  });
});
