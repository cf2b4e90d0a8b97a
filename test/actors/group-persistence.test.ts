import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FakeWorld, FileSpecStore, makePlugin, props, waitFor } from '../fixtures/group-fakes.js';
import type { GroupPlugin } from '../../actors/group/group-plugin.js';

describe('group: persistence (file spec store, fake plugins)', () => {
  let dir: string;
  let world: FakeWorld;
  let plugin: GroupPlugin | undefined;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'group-store-'));
    world = new FakeWorld();
  });
  afterEach(async () => {
    await plugin?.close(); // its journal write finishes before the directory goes
    await rm(dir, { recursive: true, force: true });
  });

  it("writes HEAD's global.config format before CommitGroup answers, and keeps other entries", async () => {
    const other = [
      {
        Key: { Kind: 'ingress', Name: 'lb' },
        Record: { Handler: 'ingress', Spec: { kind: 'ingress', version: '', metadata: { name: 'lb', tags: null }, properties: {} } },
      },
    ];
    await writeFile(join(dir, 'global.config'), JSON.stringify(other));
    plugin = makePlugin(world, {}, new FileSpecStore(dir, 'group'));
    await plugin.init();
    await plugin.commitGroup({ ID: 'workers', Properties: props(3) }, false);
    const text = await readFile(join(dir, 'global.config'), 'utf8');
    assert.match(text, /^\[\n {4}\{\n {6}"Key": \{/);
    const entries = JSON.parse(text);
    assert.deepEqual(entries[0], other[0]);
    assert.deepEqual(entries[1], {
      Key: { Kind: 'group', Name: 'workers' },
      Record: { Handler: 'group', Spec: { kind: 'group', version: '', metadata: { name: 'workers', tags: null }, properties: props(3) } },
    });
    await plugin.freeGroup('workers');
    assert.deepEqual(JSON.parse(await readFile(join(dir, 'global.config'), 'utf8')), other);
  });

  it('a restarted plugin resumes its groups from the store without provisioning twice', async () => {
    world.provisionDelayMs = 30;
    plugin = makePlugin(world, { maxParallel: 4 }, new FileSpecStore(dir, 'group'));
    await plugin.init();
    await plugin.commitGroup({ ID: 'g', Properties: props(12) }, false);
    await waitFor(() => world.members('g').length >= 4, 5000, 'some provisioned');
    void plugin.close(); // "crash": loops stop; provisions in flight still land at the plugin
    await waitFor(() => world.members('g').length === world.count('Instance.Provision'), 5000, 'provisions in flight landed');
    plugin = makePlugin(world, { maxParallel: 4 }, new FileSpecStore(dir, 'group'));
    await plugin.init();
    assert.equal(plugin.size('g'), 12);
    await waitFor(async () => (await plugin!.describeGroup('g')).Converged, 10_000, 'converged after restart');
    const listed = world.count('Instance.DescribeInstances');
    await waitFor(() => world.count('Instance.DescribeInstances') >= listed + 3, 5000, 'three more steps');
    assert.equal(world.members('g').length, 12);
  });

  it('keeps the previous spec and the paused flag across a restart (rollback still works)', async () => {
    plugin = makePlugin(world, {}, new FileSpecStore(dir, 'group'));
    await plugin.init();
    await plugin.commitGroup({ ID: 'g', Properties: props(2) }, false);
    await plugin.commitGroup({ ID: 'g', Properties: props(2, {}, { v: 2 }) }, false);
    await plugin.pauseUpdate('g');
    await plugin.close();
    plugin = makePlugin(world, {}, new FileSpecStore(dir, 'group'));
    await plugin.init();
    const d = await plugin.describeGroup('g');
    assert.equal((d['Rollout'] as { Paused: boolean }).Paused, true);
    await plugin.rollbackUpdate('g');
    await waitFor(async () => (await plugin!.describeGroup('g')).Converged, 5000, 'converged');
    assert.ok(world.members('g').every((m) => (m.Properties as { v: number }).v === 1));
  });
});
