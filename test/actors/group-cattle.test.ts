import assert from 'node:assert/strict';
import { FakeWorld, makePlugin, props, waitFor } from '../fixtures/group-fakes.js';
import type { GroupPlugin } from '../../actors/group/group-plugin.js';

describe('group: cattle convergence (fake plugins)', () => {
  let world: FakeWorld;
  let plugin: GroupPlugin;
  beforeEach(() => {
    world = new FakeWorld();
  });
  afterEach(() => plugin.close());

  it("provisions with InfraKit tags, the flavor's spec and each instance's own sequence (docs/go-compat.md #18)", async () => {
    plugin = makePlugin(world);
    await plugin.commitGroup({ ID: 'g', Properties: props(3) }, false);
    await waitFor(() => world.members('g').length === 3, 5000, '3');
    const hash = plugin.group('g')!.current.hash;
    for (const m of world.members('g')) {
      assert.equal(m.Tags['infrakit.group'], 'g');
      assert.equal(m.Tags['infrakit.config.hash'], hash);
      assert.equal(m.Tags['flavor'], 'fake');
      assert.deepEqual(m.Properties, { v: 1 });
    }
    assert.deepEqual([...world.sequences].sort(), [0, 1, 2]);
    const prov = world.calls.find((c) => c.method === 'Instance.Provision')!;
    assert.equal(prov.params.Type, 'compute');
    assert.equal(prov.params.Spec.Init, 'echo hi');
  });

  it('never provisions twice while provisions are slow', async () => {
    world.provisionDelayMs = 150;
    plugin = makePlugin(world, { pollIntervalMs: 10 });
    await plugin.commitGroup({ ID: 'g', Properties: props(5) }, false);
    await waitFor(async () => (await plugin.describeGroup('g')).Converged, 5000, 'converged');
    const listed = world.count('Instance.DescribeInstances');
    await waitFor(() => world.count('Instance.DescribeInstances') >= listed + 3, 5000, 'three more steps');
    assert.equal(world.count('Instance.Provision'), 5);
    assert.equal(world.members('g').length, 5);
  });

  it('scales down removing outdated instances first, with terminate', async () => {
    plugin = makePlugin(world);
    world.add({ 'infrakit.group': 'g', 'infrakit.config.hash': 'old' });
    world.add({ 'infrakit.group': 'g', 'infrakit.config.hash': 'old' });
    await plugin.commitGroup({ ID: 'g', Properties: props(4) }, false);
    await waitFor(() => world.members('g').length >= 4, 5000, '4');
    await plugin.setSize('g', 2);
    await waitFor(async () => (await plugin.describeGroup('g')).Converged, 5000, 'converged');
    const hash = plugin.group('g')!.current.hash;
    assert.ok(world.members('g').every((m) => m.Tags['infrakit.config.hash'] === hash));
  });

  it('adopts instances by tag, relabels bootstrap ones, accepts v0.5 hash tags, ignores other groups', async () => {
    plugin = makePlugin(world);
    const hash = (await import('../../actors/group/properties.js')).propertiesHash(
      (await import('../../actors/group/properties.js')).parseGroupProperties(props(3)),
    );
    const boot = world.add({ 'infrakit.group': 'g', 'infrakit.config.hash': 'bootstrap' });
    world.add({ 'infrakit.group': 'g', 'infrakit.config_sha': hash });
    world.add({ 'infrakit.group': 'other', 'infrakit.config.hash': hash });
    await plugin.commitGroup({ ID: 'g', Properties: props(3) }, false);
    await waitFor(async () => (await plugin.describeGroup('g')).Converged, 5000, 'converged');
    assert.equal(world.instances.get(boot)!.Tags['infrakit.config.hash'], hash);
    assert.equal(world.count('Instance.Provision'), 1);
    assert.equal(world.members('other').length, 1);
  });

  it('provisions beyond maxParallel wait in a queue: at most maxParallel at once, no listing per tick while some wait', async () => {
    world.provisionDelayMs = 20;
    let running = 0;
    let most = 0;
    let listedAt20: number | undefined;
    const inner = world.caller;
    world.caller = async <R>(actor: string, method: string, params?: unknown): Promise<R> => {
      if (method !== 'Instance.Provision') return inner<R>(actor, method, params);
      if (world.count('Instance.Provision') === 20) listedAt20 = world.count('Instance.DescribeInstances');
      most = Math.max(most, ++running);
      try {
        return await inner<R>(actor, method, params);
      } finally {
        running--;
      }
    };
    plugin = makePlugin(world, { maxParallel: 4, pollIntervalMs: 5 });
    await plugin.commitGroup({ ID: 'q', Properties: props(40) }, false);
    await waitFor(() => world.members('q').length === 40, 10_000, '40 members');
    await waitFor(async () => (await plugin.describeGroup('q')).Converged, 10_000, 'converged');
    assert.equal(world.count('Instance.Provision'), 40);
    assert.equal(world.members('q').length, 40);
    assert.ok(most <= 4, `at most 4 provisions at once, saw ${most}`);
    // 20 provisions in, 16 or more still queued: only the first step has listed (nothing called DescribeGroup yet).
    assert.equal(listedAt20, 1);
  });

  it('converges 2,000 instances quickly with bounded parallelism', async function () {
    this.timeout(20_000);
    plugin = makePlugin(world, { maxParallel: 64, pollIntervalMs: 1000 });
    await plugin.commitGroup({ ID: 'big', Properties: props(2000) }, false);
    // The deadline (not a measured time) is the bound: converged well within the test's timeout.
    await waitFor(async () => (await plugin.describeGroup('big')).Converged, 15_000, 'converged');
    assert.equal(world.count('Instance.Provision'), 2000);
  });

  it('groups are independent: a hung instance plugin on one group does not stall another', async () => {
    const { GroupPlugin } = await import('../../actors/group/group-plugin.js');
    const { withDeadline } = await import('../../actors/group/plugin-calls.js');
    const { MemorySpecStore } = await import('../../actors/group/spec-store.js');
    // 'hung' validates, then never answers anything else.
    const caller = async <R>(actor: string, method: string, params?: unknown): Promise<R> => {
      if (actor !== 'hung') return world.caller<R>(actor, method, params);
      if (method === 'Instance.Validate') return { Type: '', OK: true } as R;
      return new Promise<R>(() => {});
    };
    plugin = new GroupPlugin(withDeadline(caller, 200), new MemorySpecStore(), {
      pollIntervalMs: 40,
      maxParallel: 8,
      healthGraceMs: 1e9,
      healthIntervalMs: 40,
      callTimeoutMs: 200,
      soonMs: 5,
    });
    await plugin.commitGroup({ ID: 'stuck', Properties: { ...props(3), Instance: { Plugin: 'hung' } } }, false);
    await plugin.commitGroup({ ID: 'ok', Properties: props(3) }, false);
    await waitFor(async () => (await plugin.describeGroup('ok')).Converged, 5000, 'ok converged');
    const d = await plugin.describeGroup('stuck');
    assert.equal(d.Converged, false);
    assert.match(JSON.stringify(d['Problems']), /timed out/);
  });
});
