import assert from 'node:assert/strict';
import { FakeWorld, props, sleep, waitFor } from '../fixtures/group-fakes.js';
import type { GroupPlugin } from '../../actors/group/group-plugin.js';

describe('group: rolling update (fake plugins)', () => {
  let world: FakeWorld;
  let plugin: GroupPlugin;
  let events: { type: string; payload: any }[];
  beforeEach(() => {
    world = new FakeWorld();
    events = [];
  });
  afterEach(() => plugin.close());

  async function make(size: number, extra: Record<string, unknown> = {}): Promise<void> {
    const { GroupPlugin } = await import('../../actors/group/group-plugin.js');
    const { MemorySpecStore } = await import('../../actors/group/spec-store.js');
    const { FAST } = await import('../fixtures/group-fakes.js');
    plugin = new GroupPlugin(world.caller, new MemorySpecStore(), FAST, undefined, (type, payload) => events.push({ type, payload }));
    await plugin.commitGroup({ ID: 'g', Properties: props(size, extra) }, false);
    await waitFor(async () => (await plugin.describeGroup('g')).Converged, 5000, 'converged');
  }
  const version = (v: number): number => world.members('g').filter((m) => (m.Properties as { v: number }).v === v).length;

  it('surges by MaxSurge, never below Size available, ends on the new config', async () => {
    await make(4);
    assert.equal(await plugin.commitGroup({ ID: 'g', Properties: props(4, {}, { v: 2 }) }, false), 'Performing a rolling update on 4 instances');
    let max = 0;
    let min = 99;
    await waitFor(async () => {
      const n = world.members('g').length;
      max = Math.max(max, n);
      min = Math.min(min, n);
      return (await plugin.describeGroup('g')).Converged;
    }, 10_000, 'rolled');
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

  it('waits for new instances to be Healthy; Unknown counts as healthy after HealthTimeout (bug #8)', async () => {
    await make(2, { Updating: { HealthTimeout: '500ms' } });
    world.defaultHealth = 0; // everything new reports Unknown
    await plugin.commitGroup({ ID: 'g', Properties: props(2, { Updating: { HealthTimeout: '500ms' } }, { v: 2 }) }, false);
    await sleep(250);
    assert.equal(version(1), 2, 'no old one removed while the new one is Unknown');
    await waitFor(async () => (await plugin.describeGroup('g')).Converged, 10_000, 'rolled after the timeout');
    assert.equal(version(2), 2);
  });

  it('Unhealthy new instances block removal of old ones', async () => {
    await make(2);
    for (const m of world.members('g')) world.health.set(m.ID, 1);
    world.defaultHealth = 2;
    await plugin.commitGroup({ ID: 'g', Properties: props(2, {}, { v: 2 }) }, false);
    await waitFor(() => version(2) >= 1, 10_000, 'the surge instance');
    await sleep(400); // time for a wrong second step to show
    assert.equal(version(1), 2);
    assert.equal(version(2), 1, 'one surge instance, waiting');
    world.defaultHealth = 1;
    await waitFor(async () => (await plugin.describeGroup('g')).Converged, 10_000, 'rolled');
  });

  it('pause holds the rollout, resume continues, rollback returns to the previous spec', async () => {
    await make(3);
    world.defaultHealth = 0; // hold at the first surge instance for a moment
    await plugin.commitGroup({ ID: 'g', Properties: props(3, { Updating: { HealthTimeout: '300ms' } }, { v: 2 }) }, false);
    assert.equal(await plugin.pauseUpdate('g'), 'Paused the rolling update of g');
    await sleep(600);
    const d = await plugin.describeGroup('g');
    assert.equal(d.Converged, false);
    assert.equal((d['Rollout'] as { State: string }).State, 'paused');
    const v2 = version(2);
    assert.ok(v2 <= 1, 'nothing beyond the first surge while paused');
    assert.equal(version(1), 3);
    // healing continues while paused: a vanished old instance is replaced (with the new config)
    const victim = world.members('g').find((m) => (m.Properties as { v: number }).v === 1)!;
    world.instances.delete(victim.ID);
    await waitFor(() => world.members('g').length >= 3, 5000, 'healed while paused');
    assert.equal(await plugin.resumeUpdate('g'), 'Resumed the rolling update of g');
    await waitFor(async () => (await plugin.describeGroup('g')).Converged, 10_000, 'rolled');
    assert.equal(version(2), 3);
    world.defaultHealth = 1; // the previous spec has the default HealthTimeout (1m)
    assert.equal(await plugin.rollbackUpdate('g'), 'Rolling back g to its previous configuration');
    await waitFor(async () => (await plugin.describeGroup('g')).Converged && version(1) === 3, 10_000, 'rolled back');
    // rollback of the rollback goes forward again
    assert.equal(await plugin.rollbackUpdate('g'), 'Rolling back g to its previous configuration');
    await waitFor(async () => (await plugin.describeGroup('g')).Converged && version(2) === 3, 10_000, 'forward again');
  });

  it('rollback without a previous spec is an error', async () => {
    await make(1);
    await assert.rejects(plugin.rollbackUpdate('g'), { message: "Group 'g' has no previous configuration to roll back to" });
    await assert.rejects(plugin.pauseUpdate('x'), { message: "Group 'x' is not being watched" });
  });

  it('Updating.Count needs that many consecutive healthy polls', async () => {
    await make(1, { Updating: { Count: 3 } });
    await plugin.commitGroup({ ID: 'g', Properties: props(1, { Updating: { Count: 3 } }, { v: 2 }) }, false);
    await waitFor(async () => (await plugin.describeGroup('g')).Converged, 10_000, 'rolled');
    const newId = world.members('g')[0]!.ID;
    const checks = world.calls.filter((c) => c.method === 'Flavor.Healthy' && c.params.Instance.ID === newId).length;
    assert.ok(checks >= 3, `checked ${checks} times`);
  });

  it('MaxUnavailable without surge replaces in place', async () => {
    await make(4, { Updating: { MaxSurge: 0, MaxUnavailable: 2 } });
    await plugin.commitGroup({ ID: 'g', Properties: props(4, { Updating: { MaxSurge: 0, MaxUnavailable: 2 } }, { v: 2 }) }, false);
    let max = 0;
    await waitFor(async () => {
      max = Math.max(max, world.members('g').length);
      return (await plugin.describeGroup('g')).Converged;
    }, 10_000, 'rolled');
    assert.ok(max <= 4);
    assert.equal(version(2), 4);
  });
});
