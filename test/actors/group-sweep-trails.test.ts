/**
 * A health sweep whose answers cannot change the step's plan (cattle, no surplus, no rolling update)
 * does not hold the step: the group says converged while the sweep's Flavor.Healthy calls are still
 * unanswered, and the answers still count once they come (actors/group/group-controller.ts).
 */
import assert from 'node:assert/strict';
import type { Caller } from '../../actors/spi/common.js';
import { GroupPlugin } from '../../actors/group/group-plugin.js';
import { ManualClock } from '../../actors/group/clock.js';
import { silentLog } from '../../actors/group/problems.js';
import { FAST, FakeWorld, MemorySpecStore, props } from '../fixtures/group-fakes.js';

describe('group: a health sweep that cannot change the plan trails the step', () => {
  let plugin: GroupPlugin | undefined;
  afterEach(async () => {
    await plugin?.close();
    plugin = undefined;
  });

  it('emits group:converged while the sweep waits for its answers; a later Unhealthy answer is still acted on', async () => {
    const world = new FakeWorld();
    const clock = new ManualClock();
    let release: () => void = () => {};
    const held = new Promise<void>((resolve) => (release = resolve));
    let asked = 0;
    const caller: Caller = async <R>(actor: string, method: string, params?: unknown): Promise<R> => {
      if (method === 'Flavor.Healthy') {
        asked++;
        await held;
      }
      return world.caller<R>(actor, method, params);
    };
    const events: string[] = [];
    plugin = new GroupPlugin(caller, new MemorySpecStore(), { ...FAST, clock, healthGraceMs: 400 }, silentLog, (type) => events.push(type));
    await plugin.commitGroup({ ID: 'g', Properties: props(3) }, false);
    await clock.until('a sweep asked about every member', () => asked >= 3);
    await clock.until('converged while the sweep is unanswered', () => events.includes('group:converged'));
    assert.equal(world.count('Flavor.Healthy'), 0, 'no Healthy answer yet');
    // The sweep's answers land after the step, and count: a member that answers Unhealthy is replaced after its grace period.
    const sick = world.members('g')[0]!.ID;
    world.health.set(sick, 2);
    release();
    await clock.until('the sick member replaced', () => !world.instances.has(sick));
    await clock.until('three members again', () => world.members('g').length === 3);
  });
});
