import assert from 'node:assert/strict';
import { FAST, FakeWorld, makePlugin as makeOn, props } from '../fixtures/group-fakes.js';
import type { GroupPlugin } from '../../actors/group/group-plugin.js';
import { ManualClock } from '../../actors/group/clock.js';

// Time is a ManualClock's: grace periods pass when the test says so, however busy the machine.

describe('group: self-healing (fake plugins)', () => {
  let world: FakeWorld;
  let plugin: GroupPlugin;
  let clock: ManualClock;
  const makePlugin = (w: FakeWorld): GroupPlugin => makeOn(w, { clock });
  const converged = (what = 'converged'): Promise<void> => clock.until(what, async () => (await plugin.describeGroup('g')).Converged);
  beforeEach(() => {
    world = new FakeWorld();
    clock = new ManualClock();
  });
  afterEach(() => plugin.close());

  it('replaces vanished instances', async () => {
    plugin = makePlugin(world);
    await plugin.commitGroup({ ID: 'g', Properties: props(4) }, false);
    await converged('converged');
    const gone = world
      .members('g')
      .slice(0, 2)
      .map((m) => m.ID);
    for (const id of gone) world.instances.delete(id);
    await converged('healed');
    assert.equal(world.members('g').length, 4);
    assert.ok(world.members('g').every((m) => !gone.includes(m.ID)));
  });

  it('replaces an instance that stays Unhealthy past the grace period, not before', async () => {
    plugin = makePlugin(world);
    await plugin.commitGroup({ ID: 'g', Properties: props(3, { Health: { GracePeriod: '400ms' } }) }, false);
    await converged('converged');
    const sick = world.members('g')[0]!.ID;
    world.health.set(sick, 2);
    await clock.run(150);
    assert.ok(world.instances.has(sick), 'still there within the grace period');
    await clock.until('sick one replaced', () => !world.instances.has(sick));
    await converged('converged again');
    assert.equal(world.members('g').length, 3);
    assert.deepEqual(
      world.destroyed.map((d) => [d.id, d.reason]),
      [[sick, 'terminate']],
    );
  });

  it("grace periods are measured on the group's clock: ten minutes of it pass without waiting ten minutes", async () => {
    plugin = makePlugin(world);
    await plugin.commitGroup({ ID: 'g', Properties: props(2, { Health: { GracePeriod: '10m' } }) }, false);
    await converged();
    const sick = world.members('g')[0]!.ID;
    world.health.set(sick, 2);
    await clock.run(9 * 60_000, 1000);
    assert.ok(world.instances.has(sick), 'still there a minute before the end of its grace');
    await clock.until('replaced after ten minutes', () => !world.instances.has(sick), 2 * 60_000, 1000);
    await converged('converged again');
    assert.deepEqual(
      world.destroyed.map((d) => [d.id, d.reason]),
      [[sick, 'terminate']],
    );
  });

  it('an instance that recovers within the grace period stays', async () => {
    plugin = makePlugin(world);
    await plugin.commitGroup({ ID: 'g', Properties: props(2, { Health: { GracePeriod: '600ms' } }) }, false);
    await converged('converged');
    const flaky = world.members('g')[0]!.ID;
    world.health.set(flaky, 2);
    await clock.run(250);
    world.health.set(flaky, 1);
    await clock.run(700);
    assert.ok(world.instances.has(flaky));
    assert.equal(world.destroyed.length, 0);
  });

  it('an unreachable instance plugin is not ill health: nothing is replaced, trouble is reported, then it recovers', async () => {
    plugin = makePlugin(world);
    await plugin.commitGroup({ ID: 'g', Properties: props(3, { Health: { GracePeriod: '100ms' } }) }, false);
    await converged('converged');
    await clock.run(FAST.pollIntervalMs); // a step lists the converged group: the last known list
    const before = world
      .members('g')
      .map((m) => m.ID)
      .sort();
    world.instanceDown = true;
    world.flavorDown = true;
    await clock.run(400);
    const d = await plugin.describeGroup('g');
    assert.equal(d.Converged, false);
    assert.match(JSON.stringify(d['Problems']), /restarting/);
    assert.equal(d.Instances?.length, 3, 'last known list while the plugin is down');
    world.instanceDown = false;
    world.flavorDown = false;
    await converged('converged after recovery');
    assert.deepEqual(
      world
        .members('g')
        .map((m) => m.ID)
        .sort(),
      before,
    );
    assert.equal(world.count('Instance.Provision'), 3);
    assert.equal(world.count('Instance.Destroy'), 0);
    await clock.until('problems cleared', async () => (await plugin.describeGroup('g'))['Problems'] === null);
  });

  it('provision failures are retried and reported, not fatal', async () => {
    plugin = makePlugin(world);
    world.provisionError = 'at capacity 0';
    await plugin.commitGroup({ ID: 'g', Properties: props(2) }, false);
    await clock.until('problem reported', async () => /at capacity/.test(JSON.stringify((await plugin.describeGroup('g'))['Problems'])));
    world.provisionError = null;
    await converged('converged');
    assert.equal(world.members('g').length, 2);
  });
});
