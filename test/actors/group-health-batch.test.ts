/**
 * The group's health sweep asks a flavor that serves `Flavor.HealthyBatch` in chunks, and one that
 * does not (our MethodNotFound, or Go's -32000 `rpc: can't find method`) one member at a time,
 * remembering that for a while (actors/group/health.ts). Fake plugins, a ManualClock: no sleeping.
 */
import assert from 'node:assert/strict';
import { ManualClock } from '../../actors/group/clock.js';
import { GroupPlugin } from '../../actors/group/group-plugin.js';
import { HEALTH_BATCH_SIZE, SWEEP_YIELD_BUDGET_MS } from '../../actors/group/health.js';
import type { Caller } from '../../actors/spi/common.js';
import { HEALTHY_BATCH_RETRY_MS } from '../../actors/spi/flavor.js';
import { FAST, FakeWorld, MemorySpecStore, makePlugin, props } from '../fixtures/group-fakes.js';

describe('group: health sweeps in batches, or per member for a flavor that does not serve them', () => {
  let world: FakeWorld;
  let plugin: GroupPlugin | undefined;
  let clock: ManualClock;
  const converged = (what = 'converged'): Promise<void> => clock.until(what, async () => (await plugin!.describeGroup('g')).Converged);
  const batches = (): { Instances: { ID: string }[] }[] =>
    world.calls.filter((c) => c.method === 'Flavor.HealthyBatch').map((c) => c.params as { Instances: { ID: string }[] });
  beforeEach(() => {
    world = new FakeWorld();
    clock = new ManualClock();
  });
  afterEach(async () => {
    await plugin?.close();
    plugin = undefined;
  });

  it('a flavor that serves the batch is asked in chunks (no Flavor.Healthy), and an Unhealthy member is replaced', async () => {
    world.batch = 'serve';
    plugin = makePlugin(world, { clock });
    const size = HEALTH_BATCH_SIZE + 50;
    await plugin.commitGroup({ ID: 'g', Properties: props(size, { Health: { GracePeriod: '400ms' } }) }, false);
    await converged();
    await clock.until('a whole sweep in batches', () => batches().length >= 2);
    for (const b of batches()) assert.ok(b.Instances.length <= HEALTH_BATCH_SIZE, `a batch of ${b.Instances.length}`);
    assert.equal(world.count('Flavor.Healthy'), 0);
    const sick = world.members('g')[0]!.ID;
    world.health.set(sick, 2);
    await clock.until('the sick member replaced', () => !world.instances.has(sick));
    await converged('converged again');
    assert.equal(world.members('g').length, size);
    assert.equal(world.count('Flavor.Healthy'), 0);
  });

  for (const kind of ['unknown', 'go'] as const) {
    it(`a flavor that does not serve it (${kind === 'go' ? "Go's -32000 rpc: can't find method" : 'MethodNotFound'}) is asked per member, is not asked the batch again every sweep, and still heals`, async () => {
      world.batch = kind;
      plugin = makePlugin(world, { clock });
      await plugin.commitGroup({ ID: 'g', Properties: props(3, { Health: { GracePeriod: '400ms' } }) }, false);
      await converged();
      await clock.until('several sweeps per member', () => world.count('Flavor.Healthy') >= 9);
      assert.equal(world.count('Flavor.HealthyBatch'), 1, 'asked the batch once, then remembered');
      assert.equal((await plugin.describeGroup('g'))['Problems'], null, 'not serving the batch is not a problem');
      const sick = world.members('g')[1]!.ID;
      world.health.set(sick, 2);
      await clock.until('the sick member replaced', () => !world.instances.has(sick));
      await converged('converged again');
      assert.equal(world.count('Flavor.HealthyBatch'), 1);
    });
  }

  it('a flavor that starts serving the batch (replaced) is asked it again after a while, and no longer per member', async () => {
    world.batch = 'unknown';
    plugin = makePlugin(world, { clock });
    await plugin.commitGroup({ ID: 'g', Properties: props(3) }, false);
    await converged();
    await clock.until('sweeps per member', () => world.count('Flavor.Healthy') >= 6);
    assert.equal(batches().length, 1, 'asked the batch once');
    world.batch = 'serve';
    await clock.run(HEALTHY_BATCH_RETRY_MS - 1000, 200);
    assert.equal(batches().length, 1, 'not asked the batch again before HEALTHY_BATCH_RETRY_MS');
    await clock.until('asked the batch again', () => batches().length >= 2, HEALTHY_BATCH_RETRY_MS, 200);
    const perMember = world.count('Flavor.Healthy');
    await clock.until('more sweeps in batches', () => batches().length >= 4);
    assert.equal(world.count('Flavor.Healthy'), perMember, 'no Healthy once the batch is served');
  });

  it("a member's error in a batch is recorded as a health problem and leaves it Unknown (not replaced); the others count", async () => {
    world.batch = 'serve';
    plugin = makePlugin(world, { clock });
    await plugin.commitGroup({ ID: 'g', Properties: props(3, { Health: { GracePeriod: '400ms' } }) }, false);
    await converged();
    const [a, b] = world.members('g').map((m) => m.ID);
    world.healthErrors.set(a!, 'cannot reach the health endpoint of ' + a);
    world.health.set(b!, 2);
    await clock.until('the Unhealthy member replaced', () => !world.instances.has(b!));
    const problems = (await plugin.describeGroup('g'))['Problems'] as { Source: string; Message: string }[] | null;
    assert.ok(
      problems?.some((p) => p.Source === 'health' && p.Message === 'cannot reach the health endpoint of ' + a),
      JSON.stringify(problems),
    );
    await clock.run(2000, 50);
    assert.ok(world.instances.has(a!), 'a member whose check failed is Unknown, never replaced for it');
    assert.equal(world.count('Flavor.Healthy'), 0);
  });

  it('a poll step and a sweep let a DescribeGroup in flight go first: no listing and no batch while it lists; both go on after it', async () => {
    world.batch = 'serve';
    let hold: Promise<void> | null = null;
    let release: () => void = () => {};
    let held = 0;
    const caller: Caller = async <R>(actor: string, method: string, params?: unknown): Promise<R> => {
      if (method === 'Instance.DescribeInstances' && hold !== null) {
        const h = hold;
        hold = null;
        held++;
        await h;
      }
      return world.caller<R>(actor, method, params);
    };
    plugin = new GroupPlugin(caller, new MemorySpecStore(), { ...FAST, clock });
    await plugin.commitGroup({ ID: 'g', Properties: props(3 * HEALTH_BATCH_SIZE) }, false);
    await converged();
    await clock.until('a first sweep', () => batches().length >= 3);
    // The next DescribeInstances (this DescribeGroup's listing) is held until released.
    hold = new Promise<void>((resolve) => (release = resolve));
    const described = plugin.describeGroup('g');
    await clock.until('the describe listing', () => held === 1);
    const before = batches().length;
    const listings = world.count('Instance.DescribeInstances');
    // Poll ticks fall due (every 40 ms) and so does a sweep, but both wait for the DescribeGroup.
    await clock.run(SWEEP_YIELD_BUDGET_MS / 2, 20);
    assert.equal(batches().length, before, 'no batch while the DescribeGroup lists');
    assert.equal(world.count('Instance.DescribeInstances'), listings, 'no poll step lists while the DescribeGroup lists');
    release();
    assert.equal((await described).Instances?.length, 3 * HEALTH_BATCH_SIZE);
    await clock.until('the steps and the sweep go on', () => batches().length >= before + 3);
    assert.ok(world.count('Instance.DescribeInstances') > listings + 1);
  });

  it('a sweep under way sends no further batch while a DescribeGroup lists, and goes on after it', async () => {
    world.batch = 'serve';
    let batchGate: Promise<void> | null = null;
    let openBatches: () => void = () => {};
    let listGate: Promise<void> | null = null;
    let openList: () => void = () => {};
    let heldLists = 0;
    let asked = 0;
    const caller: Caller = async <R>(actor: string, method: string, params?: unknown): Promise<R> => {
      if (method === 'Flavor.HealthyBatch') asked++;
      if (method === 'Flavor.HealthyBatch' && batchGate !== null) await batchGate;
      if (method === 'Instance.DescribeInstances' && listGate !== null) {
        const g = listGate;
        listGate = null;
        heldLists++;
        await g;
      }
      return world.caller<R>(actor, method, params);
    };
    plugin = new GroupPlugin(caller, new MemorySpecStore(), { ...FAST, clock });
    await plugin.commitGroup({ ID: 'g', Properties: props(5 * HEALTH_BATCH_SIZE) }, false);
    await converged();
    await clock.until('a first sweep', () => asked >= 5);
    // The next sweep's first two batches (two in flight) are held...
    batchGate = new Promise<void>((resolve) => (openBatches = resolve));
    const sent = asked;
    await clock.until('a sweep under way', () => asked === sent + 2);
    // ...a DescribeGroup starts listing (held), and then the two batches are answered.
    listGate = new Promise<void>((resolve) => (openList = resolve));
    const described = plugin.describeGroup('g');
    await clock.until('the describe listing', () => heldLists === 1);
    batchGate = null;
    openBatches();
    await clock.run(SWEEP_YIELD_BUDGET_MS / 2, 20);
    assert.equal(asked, sent + 2, 'no further batch while the DescribeGroup lists');
    openList();
    await described;
    await clock.until('the sweep goes on', () => asked >= sent + 5);
  });

  it('an unreachable flavor says nothing about any member: none is replaced, and the trouble shows', async () => {
    world.batch = 'serve';
    plugin = makePlugin(world, { clock });
    await plugin.commitGroup({ ID: 'g', Properties: props(3, { Health: { GracePeriod: '100ms' } }) }, false);
    await converged();
    const before = world.members('g').map((m) => m.ID);
    world.flavorDown = true;
    await clock.until('the trouble shows', async () => /restarting/.test(JSON.stringify((await plugin!.describeGroup('g'))['Problems'])));
    await clock.run(1000, 50);
    assert.deepEqual(
      world.members('g').map((m) => m.ID),
      before,
    );
    world.flavorDown = false;
    const asked = batches().length;
    await clock.until('asked in batches again', () => batches().length > asked);
    assert.equal(world.count('Flavor.Healthy'), 0, 'unreachable is not "does not serve the batch"');
  });
});
