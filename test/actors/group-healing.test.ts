import assert from 'node:assert/strict';
import { FakeWorld, makePlugin, props, sleep, waitFor } from '../fixtures/group-fakes.js';
import type { GroupPlugin } from '../../actors/group/group-plugin.js';

describe('group: self-healing (fake plugins)', () => {
  let world: FakeWorld;
  let plugin: GroupPlugin;
  beforeEach(() => {
    world = new FakeWorld();
  });
  afterEach(() => plugin.close());

  it('replaces vanished instances', async () => {
    plugin = makePlugin(world);
    await plugin.commitGroup({ ID: 'g', Properties: props(4) }, false);
    await waitFor(async () => (await plugin.describeGroup('g')).Converged, 5000, 'converged');
    const gone = world.members('g').slice(0, 2).map((m) => m.ID);
    for (const id of gone) world.instances.delete(id);
    await waitFor(async () => (await plugin.describeGroup('g')).Converged, 5000, 'healed');
    assert.equal(world.members('g').length, 4);
    assert.ok(world.members('g').every((m) => !gone.includes(m.ID)));
  });

  it('replaces an instance that stays Unhealthy past the grace period, not before', async () => {
    plugin = makePlugin(world);
    await plugin.commitGroup({ ID: 'g', Properties: props(3, { Health: { GracePeriod: '400ms' } }) }, false);
    await waitFor(async () => (await plugin.describeGroup('g')).Converged, 5000, 'converged');
    const sick = world.members('g')[0]!.ID;
    world.health.set(sick, 2);
    await sleep(150);
    assert.ok(world.instances.has(sick), 'still there within the grace period');
    await waitFor(() => !world.instances.has(sick), 5000, 'sick one replaced');
    await waitFor(async () => (await plugin.describeGroup('g')).Converged, 5000, 'converged again');
    assert.equal(world.members('g').length, 3);
    assert.deepEqual(world.destroyed.map((d) => [d.id, d.reason]), [[sick, 'terminate']]);
  });

  it('an instance that recovers within the grace period stays', async () => {
    plugin = makePlugin(world);
    await plugin.commitGroup({ ID: 'g', Properties: props(2, { Health: { GracePeriod: '600ms' } }) }, false);
    await waitFor(async () => (await plugin.describeGroup('g')).Converged, 5000, 'converged');
    const flaky = world.members('g')[0]!.ID;
    world.health.set(flaky, 2);
    await sleep(250);
    world.health.set(flaky, 1);
    await sleep(700);
    assert.ok(world.instances.has(flaky));
    assert.equal(world.destroyed.length, 0);
  });

  it('an unreachable instance plugin is not ill health: nothing is replaced, trouble is reported, then it recovers', async () => {
    plugin = makePlugin(world);
    await plugin.commitGroup({ ID: 'g', Properties: props(3, { Health: { GracePeriod: '100ms' } }) }, false);
    await waitFor(async () => (await plugin.describeGroup('g')).Converged, 5000, 'converged');
    const before = world.members('g').map((m) => m.ID).sort();
    world.instanceDown = true;
    world.flavorDown = true;
    // Wait for the next poll to see the plugins down (a fixed sleep may end before it on a busy machine).
    let d = await plugin.describeGroup('g');
    await waitFor(async () => {
      d = await plugin.describeGroup('g');
      return d.Converged === false && /restarting/.test(JSON.stringify(d['Problems']));
    }, 10_000, 'the trouble reported');
    assert.equal(d.Converged, false);
    assert.match(JSON.stringify(d['Problems']), /restarting/);
    assert.equal(d.Instances?.length, 3, 'last known list while the plugin is down');
    world.instanceDown = false;
    world.flavorDown = false;
    await waitFor(async () => (await plugin.describeGroup('g')).Converged, 5000, 'converged after recovery');
    assert.deepEqual(world.members('g').map((m) => m.ID).sort(), before);
    assert.equal(world.count('Instance.Provision'), 3);
    assert.equal(world.count('Instance.Destroy'), 0);
    await waitFor(async () => (await plugin.describeGroup('g'))['Problems'] === null, 5000, 'problems cleared');
  });

  it('provision failures are retried and reported, not fatal', async () => {
    plugin = makePlugin(world);
    world.provisionError = 'at capacity 0';
    await plugin.commitGroup({ ID: 'g', Properties: props(2) }, false);
    await waitFor(async () => /at capacity/.test(JSON.stringify((await plugin.describeGroup('g'))['Problems'])), 5000, 'problem reported');
    world.provisionError = null;
    await waitFor(async () => (await plugin.describeGroup('g')).Converged, 5000, 'converged');
    assert.equal(world.members('g').length, 2);
  });
});
