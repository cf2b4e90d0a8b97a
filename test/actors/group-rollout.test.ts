import assert from 'node:assert/strict';
import { FAST, FakeWorld, props } from '../fixtures/group-fakes.js';
import type { GroupPlugin } from '../../actors/group/group-plugin.js';
import { ManualClock } from '../../actors/group/clock.js';

// Time is a ManualClock's: health timeouts pass when the test says so, however busy the machine.

describe('group: rolling update (fake plugins)', () => {
  let world: FakeWorld;
  let plugin: GroupPlugin;
  let events: { type: string; payload: any }[];
  let clock: ManualClock;
  beforeEach(() => {
    world = new FakeWorld();
    clock = new ManualClock();
    events = [];
  });
  afterEach(() => plugin.close());

  async function make(size: number, extra: Record<string, unknown> = {}): Promise<void> {
    const { GroupPlugin } = await import('../../actors/group/group-plugin.js');
    const { MemorySpecStore } = await import('../../actors/group/spec-store.js');
    plugin = new GroupPlugin(world.caller, new MemorySpecStore(), { ...FAST, clock }, undefined, (type, payload) =>
      events.push({ type, payload }),
    );
    await plugin.commitGroup({ ID: 'g', Properties: props(size, extra) }, false);
    await clock.until('converged', async () => (await plugin.describeGroup('g')).Converged);
  }
  const version = (v: number): number => world.members('g').filter((m) => (m.Properties as { v: number }).v === v).length;

  it('surges by MaxSurge, never below Size available, ends on the new config', async () => {
    await make(4);
    assert.equal(
      await plugin.commitGroup({ ID: 'g', Properties: props(4, {}, { v: 2 }) }, false),
      'Performing a rolling update on 4 instances',
    );
    let max = 0;
    let min = 99;
    await clock.until('rolled', async () => {
      const n = world.members('g').length;
      max = Math.max(max, n);
      min = Math.min(min, n);
      return (await plugin.describeGroup('g')).Converged;
    });
    await clock.run(FAST.pollIntervalMs); // a step of the loop sees it converged too (the event)
    assert.equal(version(2), 4);
    assert.ok(max <= 5, `at most Size+MaxSurge (saw ${max})`);
    assert.ok(min >= 4, `never below Size (saw ${min})`);
    assert.equal(world.destroyed.filter((d) => d.reason === 'rolling_update').length, 4);
    assert.ok(world.drained.length >= 4);
    assert.ok(events.some((e) => e.type === 'rollout:started'));
    assert.ok(events.some((e) => e.type === 'rollout:progress'));
    assert.ok(events.some((e) => e.type === 'rollout:completed'));
    assert.ok(events.some((e) => e.type === 'group:converged'));
  });

  it('waits for new instances to be Healthy; Unknown counts as healthy after HealthTimeout (docs/go-compat.md #21)', async () => {
    await make(2, { Updating: { HealthTimeout: '500ms' } });
    world.defaultHealth = 0; // everything new reports Unknown
    await plugin.commitGroup({ ID: 'g', Properties: props(2, { Updating: { HealthTimeout: '500ms' } }, { v: 2 }) }, false);
    await clock.run(250);
    assert.equal(version(1), 2, 'no old one removed while the new one is Unknown');
    await clock.until('rolled after the timeout', async () => (await plugin.describeGroup('g')).Converged);
    assert.equal(version(2), 2);
  });

  it('Unhealthy new instances block removal of old ones', async () => {
    await make(2);
    for (const m of world.members('g')) world.health.set(m.ID, 1);
    world.defaultHealth = 2;
    await plugin.commitGroup({ ID: 'g', Properties: props(2, {}, { v: 2 }) }, false);
    await clock.run(400);
    assert.equal(version(1), 2);
    assert.equal(version(2), 1, 'one surge instance, waiting');
    world.defaultHealth = 1;
    await clock.until('rolled', async () => (await plugin.describeGroup('g')).Converged);
  });

  it('pause holds the rollout, resume continues, rollback returns to the previous spec', async () => {
    await make(3);
    world.defaultHealth = 0; // hold at the first surge instance for a moment
    await plugin.commitGroup({ ID: 'g', Properties: props(3, { Updating: { HealthTimeout: '300ms' } }, { v: 2 }) }, false);
    assert.equal(await plugin.pauseUpdate('g'), 'Paused the rolling update of g');
    await clock.run(600);
    const d = await plugin.describeGroup('g');
    assert.equal(d.Converged, false);
    assert.equal((d['Rollout'] as { State: string }).State, 'paused');
    const v2 = version(2);
    assert.ok(v2 <= 1, 'nothing beyond the first surge while paused');
    assert.equal(version(1), 3);
    // healing continues while paused: a vanished old instance is replaced (with the new config)
    const victim = world.members('g').find((m) => (m.Properties as { v: number }).v === 1)!;
    world.instances.delete(victim.ID);
    await clock.until('healed while paused', () => world.members('g').length >= 3);
    assert.equal(await plugin.resumeUpdate('g'), 'Resumed the rolling update of g');
    await clock.until('rolled', async () => (await plugin.describeGroup('g')).Converged);
    assert.equal(version(2), 3);
    world.defaultHealth = 1; // the previous spec has the default HealthTimeout (1m)
    assert.equal(await plugin.rollbackUpdate('g'), 'Rolling back g to its previous configuration');
    await clock.until('rolled back', async () => (await plugin.describeGroup('g')).Converged && version(1) === 3);
    // rollback of the rollback goes forward again
    assert.equal(await plugin.rollbackUpdate('g'), 'Rolling back g to its previous configuration');
    await clock.until('forward again', async () => (await plugin.describeGroup('g')).Converged && version(2) === 3);
  });

  it('rollback without a previous spec is an error', async () => {
    await make(1);
    await assert.rejects(plugin.rollbackUpdate('g'), { message: "Group 'g' has no previous configuration to roll back to" });
    await assert.rejects(plugin.pauseUpdate('x'), { message: "Group 'x' is not being watched" });
  });

  it('Updating.Count needs that many consecutive healthy polls', async () => {
    await make(1, { Updating: { Count: 3 } });
    await plugin.commitGroup({ ID: 'g', Properties: props(1, { Updating: { Count: 3 } }, { v: 2 }) }, false);
    await clock.until('rolled', async () => (await plugin.describeGroup('g')).Converged);
    const newId = world.members('g')[0]!.ID;
    const checks = world.calls.filter((c) => c.method === 'Flavor.Healthy' && c.params.Instance.ID === newId).length;
    assert.ok(checks >= 3, `checked ${checks} times`);
  });

  it('MaxUnavailable without surge replaces in place', async () => {
    await make(4, { Updating: { MaxSurge: 0, MaxUnavailable: 2 } });
    await plugin.commitGroup({ ID: 'g', Properties: props(4, { Updating: { MaxSurge: 0, MaxUnavailable: 2 } }, { v: 2 }) }, false);
    let max = 0;
    await clock.until('rolled', async () => {
      max = Math.max(max, world.members('g').length);
      return (await plugin.describeGroup('g')).Converged;
    });
    assert.ok(max <= 4);
    assert.equal(version(2), 4);
  });
});
