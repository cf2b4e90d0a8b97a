import assert from 'node:assert/strict';
import { Simulator } from '../../actors/simulator/simulator.js';
import { checkPacked, type PackedDescriptions } from '../../actors/spi/instance.js';
import { PackedMembers } from '../../actors/group/packed-members.js';
import { TAG_LOGICAL_ID, type Description } from '../../actors/spi/common.js';

/** What the group's listMembers makes of an unpacked answer (the reference the packed path must match). */
function membersOf(all: readonly Description[], id: string): Description[] {
  const out: Description[] = [];
  for (const d of all) {
    const tags = d.Tags ?? undefined;
    if (tags?.['infrakit.group'] !== id) continue;
    const lid = tags[TAG_LOGICAL_ID];
    out.push(d.LogicalID == null && lid !== undefined ? { ...d, LogicalID: lid } : d);
  }
  return out;
}

async function mixed(): Promise<Simulator> {
  const sim = new Simulator('sim');
  const put = (tags: Record<string, string>, extra: Record<string, unknown> = {}) =>
    sim.provision({ Spec: { Properties: { cpu: 2 }, Tags: tags, Init: '', LogicalID: null, ...extra } });
  await put({ 'infrakit.group': 'g', 'infrakit.config.hash': 'h1' });
  await put({ 'infrakit.group': 'g', 'infrakit.config.hash': 'h2' }, { Properties: { cpu: 4, name: 'ü "q" \\' } });
  await put({ 'infrakit.group': 'g', 'infrakit.logical_id': 'from-tag' });
  await put({ 'infrakit.group': 'g', 'infrakit.logical_id': 'tag' }, { LogicalID: 'own' });
  await put({ 'infrakit.group': 'g' }, { Properties: undefined });
  await put({ 'infrakit.group': 'g', 'infrakit.config.hash': 'h1' });
  await put({ 'infrakit.group': 'other' });
  await put({ 'infrakit.group': 'g', emoji: '😀\u0001' }, { LogicalID: 'l\u2028"' });
  return sim;
}

describe('DescribeInstances packed (simulator → group)', () => {
  for (const withProps of [true, false]) {
    it(`the group's members from a packed answer equal those from Descriptions, byte for byte in JSON (Properties ${withProps})`, async () => {
      const sim = await mixed();
      for (const tags of [{ 'infrakit.group': 'g' }, null]) {
        const plain = await sim.describe({ Tags: tags, Properties: withProps });
        const packed = await sim.describe({ Tags: tags, Properties: withProps, Packed: true });
        assert.equal(packed.Descriptions, null);
        const p = checkPacked(structuredClone(packed.Packed));
        const want = membersOf(plain.Descriptions ?? [], 'g');
        const got = new PackedMembers(p, 'g').list();
        assert.deepEqual(got, want);
        assert.equal(JSON.stringify(got), JSON.stringify(want));
      }
    });
  }

  it('shares each tag set and Properties value once', async () => {
    const sim = new Simulator('sim');
    for (let i = 0; i < 50; i++) {
      await sim.provision({ Spec: { Properties: { cpu: 2 }, Tags: { 'infrakit.group': 'g' }, Init: '', LogicalID: null } });
    }
    const { Packed } = await sim.describe({ Properties: true, Packed: true });
    const p = Packed as PackedDescriptions;
    assert.equal(p.IDs.length, 50);
    assert.equal(p.TagSets.length, 1);
    assert.equal(p.PropertySets.length, 1);
    assert.equal(p.LogicalIDs, null);
    assert.deepEqual(new Set(p.TagSet), new Set([0]));
  });

  it('an empty listing packs to empty columns, and gives no members', async () => {
    const sim = new Simulator('sim');
    const { Packed } = await sim.describe({ Tags: { 'infrakit.group': 'g' }, Packed: true });
    assert.deepEqual(new PackedMembers(checkPacked(Packed), 'g').list(), []);
  });

  it('a malformed packed answer is refused, naming what is wrong', () => {
    const good: PackedDescriptions = { IDs: ['a'], LogicalIDs: null, TagSets: [{}], TagSet: [0], PropertySets: [], Property: null };
    assert.equal(checkPacked(good), good);
    const bad: [string, unknown][] = [
      ['not an object', null],
      ['IDs', { ...good, IDs: 'a' }],
      ['TagSet', { ...good, TagSet: [] }],
      ['TagSet[0]', { ...good, TagSet: [1] }],
      ['TagSet[0]', { ...good, TagSet: [0.5] }],
      ['IDs[0]', { ...good, IDs: [1] }],
      ['LogicalIDs', { ...good, LogicalIDs: [] }],
      ['LogicalIDs[0]', { ...good, LogicalIDs: [3] }],
      ['Property', { ...good, Property: [] }],
      ['Property[0]', { ...good, Property: [0] }],
      ['TagSets[0]', { ...good, TagSets: [null] }],
    ];
    for (const [what, v] of bad)
      assert.throws(() => checkPacked(v), new RegExp(`malformed Packed answer: ${what.replace(/[[\]]/g, '\\$&')}$`), what);
  });

  it('the members JSON written from the columns is exactly JSON.stringify of the members, between any head and tail', async () => {
    const sim = await mixed();
    for (const withProps of [true, false]) {
      const { Packed } = await sim.describe({ Properties: withProps, Packed: true });
      const m = new PackedMembers(checkPacked(structuredClone(Packed)), 'g');
      const head = '{"Description":{"Status":"ü\u2028","Instances":';
      const tail = ',"Converged":false}}';
      const bytes = m.json(head, tail);
      assert.ok(bytes !== undefined);
      assert.equal(Buffer.from(bytes).toString('utf8'), `${head}${JSON.stringify(m.list())}${tail}`);
      assert.equal(bytes.byteOffset, 0);
      assert.equal(bytes.byteLength, bytes.buffer.byteLength);
    }
  });

  it('odd Properties values: primitives, undefined (left out), and not plain JSON (no bytes: the value is stringified instead)', () => {
    const base = { IDs: ['1', '2', '3', '4'], LogicalIDs: null, TagSets: [{ 'infrakit.group': 'g' }], TagSet: [0, 0, 0, 0] };
    const m = new PackedMembers({ ...base, PropertySets: ['s', 0, undefined, null], Property: [0, 1, 2, 3] }, 'g');
    assert.equal(Buffer.from(m.json('', '') as Uint8Array).toString(), JSON.stringify(m.list()));
    const dated = new PackedMembers({ ...base, PropertySets: [new Date(0)], Property: [0, -1, -1, 0] }, 'g');
    assert.equal(dated.json('', ''), undefined);
    const none = new PackedMembers({ ...base, TagSets: [{ 'infrakit.group': 'h' }], PropertySets: [], Property: null }, 'g');
    assert.equal(none.length, 0);
    assert.equal(none.json('', ''), undefined);
  });
});
