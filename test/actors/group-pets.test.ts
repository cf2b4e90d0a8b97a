import assert from 'node:assert/strict';
import { FakeWorld, makePlugin, props, waitFor } from '../fixtures/group-fakes.js';
import type { GroupPlugin } from '../../actors/group/group-plugin.js';

describe('group: pets (fake plugins)', () => {
  let world: FakeWorld;
  let plugin: GroupPlugin;
  beforeEach(() => {
    world = new FakeWorld();
    plugin = makePlugin(world);
  });
  afterEach(() => plugin.close());

  const lids = (g: string): string[] =>
    world
      .members(g)
      .map((m) => m.LogicalID ?? '-')
      .sort();

  it("one instance per logical ID, tagged, with the logical ID's index as sequence", async () => {
    assert.equal(
      await plugin.commitGroup({ ID: 'q', Properties: props(['10.0.0.1', '10.0.0.2', '10.0.0.3']) }, false),
      'Managing 3 instances',
    );
    await waitFor(async () => (await plugin.describeGroup('q')).Converged, 5000, 'converged');
    assert.deepEqual(lids('q'), ['10.0.0.1', '10.0.0.2', '10.0.0.3']);
    for (const m of world.members('q')) assert.equal(m.Tags['infrakit.logical_id'], m.LogicalID);
    assert.deepEqual([...world.sequences].sort(), [0, 1, 2]);
  });

  it('replaces a vanished pet with the same logical ID; removes strays and duplicates', async () => {
    await plugin.commitGroup({ ID: 'q', Properties: props(['a', 'b']) }, false);
    await waitFor(async () => (await plugin.describeGroup('q')).Converged, 5000, 'converged');
    const hash = plugin.group('q')!.current.hash;
    const a = world.members('q').find((m) => m.LogicalID === 'a')!;
    world.instances.delete(a.ID);
    world.add({ 'infrakit.group': 'q', 'infrakit.config.hash': hash }); // no logical ID
    world.add({ 'infrakit.group': 'q', 'infrakit.config.hash': hash, 'infrakit.logical_id': 'zz' }); // unknown one
    world.add({ 'infrakit.group': 'q', 'infrakit.config.hash': hash, 'infrakit.logical_id': 'b' }); // duplicate (lid from the tag)
    await waitFor(async () => (await plugin.describeGroup('q')).Converged, 5000, 'converged again');
    assert.deepEqual(lids('q'), ['a', 'b']);
  });

  it('logical ID changes are carried out (Go refuses them)', async () => {
    await plugin.commitGroup({ ID: 'q', Properties: props(['a', 'b']) }, false);
    await waitFor(async () => (await plugin.describeGroup('q')).Converged, 5000, 'converged');
    assert.equal(
      await plugin.commitGroup({ ID: 'q', Properties: props(['b', 'c', 'd']) }, false),
      'Terminating 1 instances to reduce the group size to 3, then adding 2 instances to increase the group size to 3',
    );
    await waitFor(async () => (await plugin.describeGroup('q')).Converged, 5000, 'converged');
    assert.deepEqual(lids('q'), ['b', 'c', 'd']);
  });

  it('rolls pets one at a time, keeping each logical ID', async () => {
    await plugin.commitGroup({ ID: 'q', Properties: props(['a', 'b', 'c']) }, false);
    await waitFor(async () => (await plugin.describeGroup('q')).Converged, 5000, 'converged');
    assert.equal(
      await plugin.commitGroup({ ID: 'q', Properties: props(['a', 'b', 'c'], {}, { v: 2 }) }, false),
      'Performing a rolling update on 3 instances',
    );
    let maxMissing = 0;
    await waitFor(
      async () => {
        maxMissing = Math.max(maxMissing, 3 - world.members('q').length);
        return (await plugin.describeGroup('q')).Converged;
      },
      5000,
      'rolled',
    );
    assert.deepEqual(lids('q'), ['a', 'b', 'c']);
    assert.ok(world.members('q').every((m) => (m.Properties as { v: number }).v === 2));
    assert.ok(maxMissing <= 1, `at most one pet down at a time (saw ${maxMissing})`);
    assert.equal(world.destroyed.filter((d) => d.reason === 'rolling_update').length, 3);
  });
});
