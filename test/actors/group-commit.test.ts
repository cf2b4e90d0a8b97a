import assert from 'node:assert/strict';
import { FakeWorld, makePlugin, props, waitFor } from '../fixtures/group-fakes.js';
import type { GroupPlugin } from '../../actors/group/group-plugin.js';

describe('group: CommitGroup and the other methods (fake plugins)', () => {
  let world: FakeWorld;
  let plugin: GroupPlugin;
  beforeEach(() => {
    world = new FakeWorld();
    plugin = makePlugin(world);
  });
  afterEach(() => plugin.close());

  it("rejects a blank ID and bad properties with Go's texts", async () => {
    await assert.rejects(plugin.commitGroup(undefined, false), { message: 'Group ID must not be blank', code: 'IK_APPLICATION' });
    await assert.rejects(plugin.commitGroup({ ID: '' }, false), { message: 'Group ID must not be blank' });
    await assert.rejects(plugin.commitGroup({ ID: 'g', Properties: props(0) }, false), { message: 'Allocation must not be blank' });
    await assert.rejects(plugin.commitGroup({ ID: 'g', Properties: { ...props(1), Allocation: { Size: 1, LogicalIDs: ['a'] } } }, false), {
      message: 'Only one Allocation method may be used',
    });
  });

  it('reports plugin lookup failures and Validate errors', async () => {
    await assert.rejects(plugin.commitGroup({ ID: 'g', Properties: { ...props(1), Flavor: { Plugin: 'nope' } } }, false), {
      message: "Failed to find Flavor plugin 'nope':plugin not found:nope",
    });
    await assert.rejects(plugin.commitGroup({ ID: 'g', Properties: { ...props(1), Instance: { Plugin: 'gone/x' } } }, false), {
      message: "Failed to find Instance plugin 'gone/x':plugin not found:gone",
    });
    world.validateError = 'bad instance properties';
    await assert.rejects(plugin.commitGroup({ ID: 'g', Properties: props(1) }, false), { message: 'bad instance properties' });
  });

  it('Pretend computes the Details and changes nothing', async () => {
    assert.equal(await plugin.commitGroup({ ID: 'g', Properties: props(3) }, true), 'Managing 3 instances');
    assert.equal(plugin.inspectGroups(), null);
    assert.equal(world.count('Instance.Provision'), 0);
    await assert.rejects(plugin.describeGroup('g'), { message: "Group 'g' is not being watched" });
  });

  it('commits, converges, and explains later commits as InfraKit does', async () => {
    assert.equal(await plugin.commitGroup({ ID: 'g', Properties: props(3) }, false), 'Managing 3 instances');
    await waitFor(async () => (await plugin.describeGroup('g')).Converged, 5000, 'converged');
    const d = await plugin.describeGroup('g');
    assert.equal(d.Instances?.length, 3);
    assert.equal(d['Size'], 3);
    assert.equal(await plugin.commitGroup({ ID: 'g', Properties: props(3) }, true), 'Noop');
    assert.equal(await plugin.commitGroup({ ID: 'g', Properties: props(5) }, true), 'Adding 2 instances to increase the group size to 5');
    assert.equal(
      await plugin.commitGroup({ ID: 'g', Properties: props(1) }, true),
      'Terminating 2 instances to reduce the group size to 1',
    );
    assert.equal(
      await plugin.commitGroup({ ID: 'g', Properties: props(3, {}, { v: 2 }) }, true),
      'Performing a rolling update on 3 instances',
    );
    assert.equal(
      await plugin.commitGroup({ ID: 'g', Properties: props(4, {}, { v: 2 }) }, true),
      'Performing a rolling update on 3 instances, then adding 1 instances to increase the group size to 4',
    );
    assert.equal(
      await plugin.commitGroup({ ID: 'g', Properties: props(2, {}, { v: 2 }) }, true),
      'Terminating 1 instances to reduce the group size to 2, then performing a rolling update on 2 instances',
    );
    assert.equal(world.members('g').length, 3, 'pretend changed nothing');
  });

  it('InspectGroups: null when none, normalised specs otherwise', async () => {
    assert.equal(plugin.inspectGroups(), null);
    await plugin.commitGroup(
      { ID: 'g', Properties: { allocation: { size: 1 }, instance: { plugin: 'inst/compute' }, flavor: { plugin: 'flv' } } },
      false,
    );
    assert.deepEqual(plugin.inspectGroups(), [
      {
        ID: 'g',
        Properties: {
          Allocation: { Size: 1, LogicalIDs: null },
          Instance: { Plugin: 'inst/compute', Properties: null },
          Flavor: { Plugin: 'flv', Properties: null },
          Updating: { Duration: '0s', Count: 0 },
        },
      },
    ]);
  });

  it('Size / SetSize / errors', async () => {
    assert.throws(() => plugin.size('g'), { message: 'group g not found' });
    await assert.rejects(plugin.setSize('g', 2), { message: 'group not found g' });
    await assert.rejects(plugin.setSize('g', -1), { message: 'size cannot be negative' });
    await plugin.commitGroup({ ID: 'g', Properties: props(2) }, false);
    assert.equal(plugin.size('g'), 2);
    await plugin.setSize('g', 4);
    assert.equal(plugin.size('g'), 4);
    await waitFor(() => world.members('g').length === 4, 5000, '4 instances');
    await plugin.setSize('g', 0);
    await waitFor(() => world.members('g').length === 0, 5000, '0 instances');
    await plugin.commitGroup({ ID: 'p', Properties: props(['a']) }, false);
    await assert.rejects(plugin.setSize('p', 3), { message: 'cannot set size if logic ids are explicitly set' });
  });

  it('FreeGroup leaves instances; DestroyGroup drains and destroys them all', async () => {
    await plugin.commitGroup({ ID: 'a', Properties: props(2) }, false);
    await plugin.commitGroup({ ID: 'b', Properties: props(3) }, false);
    await waitFor(() => world.members('a').length === 2 && world.members('b').length === 3, 5000, 'sizes');
    await plugin.freeGroup('a');
    await assert.rejects(plugin.freeGroup('a'), { message: "Group 'a' is not being watched" });
    await plugin.destroyGroup('b');
    await assert.rejects(plugin.destroyGroup('b'), { message: "Group 'b' is not being watched" });
    assert.equal(world.members('a').length, 2);
    assert.equal(world.members('b').length, 0);
    assert.equal(world.drained.length, 3);
    assert.ok(world.destroyed.every((d) => d.reason === 'terminate'));
    assert.equal(plugin.inspectGroups(), null);
  });

  it('DestroyInstances destroys members, lowers the size by what was destroyed, names strangers (docs/go-compat.md #19)', async () => {
    await plugin.commitGroup({ ID: 'g', Properties: props(3) }, false);
    await waitFor(() => world.members('g').length === 3, 5000, '3');
    const [first] = world.members('g');
    await assert.rejects(plugin.destroyInstances('g', [first!.ID, 'i-nope']), { message: "Instances not in group 'g': i-nope" });
    assert.equal(plugin.size('g'), 2);
    await waitFor(async () => (await plugin.describeGroup('g')).Converged, 5000, 'converged');
    assert.equal(world.members('g').length, 2);
    await plugin.destroyInstances(
      'g',
      world.members('g').map((m) => m.ID),
    );
    assert.equal(plugin.size('g'), 0);
    await waitFor(async () => (await plugin.describeGroup('g')).Converged, 5000, 'converged at 0');
    assert.equal(world.members('g').length, 0);
  });
});
