/**
 * The group actor's durability (issue #12): a corrupt store refused with its path and position,
 * stored specs that do not parse or keep crashing the actor quarantined (not crash-looped), and
 * resumed groups waiting for the plugins they name instead of reporting problems.
 */
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { Runtime } from '../../runtime/index.js';
import { GroupQuarantinedError, StoreCorruptError } from '../../runtime/errors.js';
import { FileSpecStore } from '../../actors/group/file-spec-store.js';
import { GroupPlugin } from '../../actors/group/group-plugin.js';
import { resolveOptions } from '../../actors/group/index.js';
import { FAST, FakeWorld, makePlugin, props } from '../fixtures/group-fakes.js';
import { ApplicationError } from '../../runtime/errors.js';
import type { Caller } from '../../actors/spi/common.js';
import { useRuntimeHome } from '../helpers/runtime-home.js';
import { waitFor } from '../helpers/wait.js';

const BLOAT = new URL('./fixtures/bloat-instance.js', import.meta.url);

const spec = (id: string, size: number, instance = 'simulator/compute') => ({
  ID: id,
  Properties: {
    Allocation: { Size: size },
    Instance: { Plugin: instance, Properties: { note: id } },
    Flavor: { Plugin: 'vanilla', Properties: {} },
  },
});

/** Writes stored groups the way a previous runtime would have. */
async function storeGroups(home: string, groups: { ID: string; Properties: unknown }[]): Promise<void> {
  const store = new FileSpecStore(join(home, 'configs'), 'group');
  await store.load();
  for (const g of groups) await store.put(g.ID, { spec: g, previous: null, paused: false });
}

type Desc = { Description: { Converged: boolean; State?: string; Reason?: string; Status?: string; Problems?: unknown[] | null } };

describe('group: durability (corrupt store, quarantine, waiting for plugins)', function () {
  this.timeout(60_000);
  const t = useRuntimeHome();

  it('DestroyGroup keeps a tombstone while instances remain: shown destroying, commit refused, finished in the background, then by a new plugin', async () => {
    const dir = join(t.home, 'configs');
    const world = new FakeWorld();
    let failDestroy = false;
    const caller: Caller = (actor, method, params) =>
      failDestroy && method === 'Instance.Destroy'
        ? Promise.reject(new ApplicationError('disk on fire'))
        : world.caller(actor, method, params);
    const plugin = new GroupPlugin(caller, new FileSpecStore(dir, 'group'), FAST);
    try {
      await plugin.init();
      await plugin.commitGroup({ ID: 'g', Properties: props(3) }, false);
      await waitFor('converged', async () => (await plugin.describeGroup('g')).Converged);
      failDestroy = true;
      await assert.rejects(
        plugin.destroyGroup('g'),
        /Failed to destroy 3 instances of group 'g' \(retrying in the background\): .*disk on fire/,
      );
      const side = JSON.parse(readFileSync(join(dir, 'group.group-state.json'), 'utf8')) as Record<string, { Destroying?: boolean }>;
      assert.equal(side['g']?.Destroying, true);
      assert.equal(JSON.parse(readFileSync(join(dir, 'global.config'), 'utf8')).length, 1, 'global.config unchanged for Go');
      assert.deepEqual(
        plugin.inspectGroups()?.map((g) => [g.ID, (g as { State?: string }).State]),
        [['g', 'destroying']],
      );
      assert.equal((await plugin.describeGroup('g'))['State'], 'destroying');
      await assert.rejects(plugin.commitGroup({ ID: 'g', Properties: props(1) }, false), /being destroyed/);
      await assert.rejects(plugin.setSize('g', 5), /being destroyed/);
      // A new plugin on the same store (a restart) finishes it too; here the first one's retries do.
      failDestroy = false;
      await waitFor('destroyed in the background', () => world.members('g').length === 0 && plugin.inspectGroups() === null);
      assert.deepEqual(JSON.parse(readFileSync(join(dir, 'global.config'), 'utf8')), []);
    } finally {
      await plugin.close();
    }
    // A tombstone left by a dead runtime is finished by the next one.
    world.add({ 'infrakit.group': 'h' });
    const store = new FileSpecStore(dir, 'group');
    await store.load();
    await store.put('h', { spec: { ID: 'h', Properties: props(1) }, previous: null, paused: false, destroying: true });
    const next = makePlugin(world, {}, new FileSpecStore(dir, 'group'));
    try {
      await next.init();
      await waitFor('tombstone finished', () => world.members('h').length === 0 && next.inspectGroups() === null);
      assert.deepEqual(JSON.parse(readFileSync(join(dir, 'global.config'), 'utf8')), []);
    } finally {
      await next.close();
    }
  });

  it('a corrupt global.config is refused with StoreCorruptError naming the file, line and column', async () => {
    const dir = join(t.home, 'configs');
    mkdirSync(dir, { recursive: true });
    const path = join(dir, 'global.config');
    writeFileSync(path, '[\n  {\n    "Key": oops\n  }\n]\n');
    const plugin = new GroupPlugin(async () => undefined as never, new FileSpecStore(dir, 'group'), resolveOptions({}));
    await assert.rejects(plugin.init(), (err: unknown) => {
      assert.ok(err instanceof StoreCorruptError, String(err));
      assert.equal(err.code, 'IK_STORE_CORRUPT');
      assert.ok(err.message.includes(path), err.message);
      assert.match(err.message, /line 3, column 12/);
      return true;
    });
    // Cut short: the position is the end of the text.
    writeFileSync(path, '[\n  {"Key":');
    await assert.rejects(new FileSpecStore(dir, 'group').load(), /global\.config is corrupt at line 2, column 10/);
  });

  it('a stored spec that does not parse is quarantined (shown, refused, lifted by a valid commit); the others run', async () => {
    await storeGroups(t.home, [
      spec('good', 2),
      {
        ID: 'bad',
        Properties: { Allocation: { Size: 'three' }, Instance: { Plugin: 'simulator/compute' }, Flavor: { Plugin: 'vanilla' } },
      },
    ]);
    t.rt = await Runtime.start({
      home: t.home,
      logLevel: 'silent',
      actors: [
        { name: 'simulator', module: 'simulator' },
        { name: 'vanilla', module: 'vanilla' },
        { name: 'group', module: 'group', options: { pollIntervalMs: 100 } },
      ],
    });
    const rt = t.rt;
    await waitFor(
      'good converged',
      async () => (await rt.call<Desc>('group', 'Group.DescribeGroup', { ID: 'good' })).Description.Converged,
    );
    const groups = (await rt.call<{ Groups: { ID: string; State?: string; Reason?: string }[] }>('group', 'Group.InspectGroups', {}))
      .Groups;
    const bad = groups.find((g) => g.ID === 'bad');
    assert.equal(bad?.State, 'quarantined');
    assert.match(bad?.Reason ?? '', /does not parse/);
    assert.equal(groups.find((g) => g.ID === 'good')?.State, undefined);
    const d = (await rt.call<Desc>('group', 'Group.DescribeGroup', { ID: 'bad' })).Description;
    assert.equal(d.State, 'quarantined');
    assert.equal(d.Converged, false);
    for (const [method, params] of [
      ['Group.SetSize', { ID: 'bad', Size: 3 }],
      ['Group.DestroyGroup', { ID: 'bad' }],
      ['Group.PauseUpdate', { ID: 'bad' }],
    ] as const) {
      await assert.rejects(
        rt.call('group', method, params),
        (err: unknown) => err instanceof GroupQuarantinedError && /does not parse/.test(err.message),
      );
    }
    await rt.call('group', 'Group.CommitGroup', { Spec: spec('bad', 1) });
    await waitFor(
      'bad converged after a valid commit',
      async () => (await rt.call<Desc>('group', 'Group.DescribeGroup', { ID: 'bad' })).Description.Converged,
    );
    assert.equal(
      (await rt.call<{ Groups: { State?: string }[] }>('group', 'Group.InspectGroups', {})).Groups.filter((g) => g.State !== undefined)
        .length,
      0,
    );
  });

  it('a stored spec whose handling kills the group worker (out of memory) ends quarantined; the other group converges', async () => {
    await storeGroups(t.home, [spec('poison', 1, 'bloat'), spec('small', 2)]);
    t.rt = await Runtime.start({
      home: t.home,
      logLevel: 'silent',
      actors: [
        { name: 'simulator', module: 'simulator' },
        { name: 'vanilla', module: 'vanilla' },
        { name: 'bloat', module: BLOAT, options: { count: 60_000 } },
        { name: 'group', module: 'group', options: { pollIntervalMs: 100 }, resourceLimits: { maxOldGenerationSizeMb: 20 } },
      ],
    });
    const rt = t.rt;
    const quarantined = await waitFor(
      'poison quarantined',
      async () => {
        const d = (await rt.call<Desc>('group', 'Group.DescribeGroup', { ID: 'poison' })).Description;
        return d.State === 'quarantined' ? d : undefined;
      },
      45_000,
      100,
    );
    assert.match(quarantined.Reason ?? '', /its handling crashed the group actor 3 times/);
    await waitFor(
      'small converged',
      async () => (await rt.call<Desc>('group', 'Group.DescribeGroup', { ID: 'small' })).Description.Converged,
      20_000,
    );
    const info = rt.info('group')!;
    assert.equal(info.status, 'running');
    assert.ok(info.restarts >= 3, `restarts: ${info.restarts}`);
    const restarts = info.restarts;
    await assert.rejects(rt.call('group', 'Group.SetSize', { ID: 'poison', Size: 2 }), GroupQuarantinedError);
    const journal = join(t.home, 'configs', 'group.group-journal.json');
    assert.equal(statSync(journal).mode & 0o777, 0o600);
    // A group that was in progress at the first death is a suspect too; its next good step clears it,
    // and the journal is written after that step (not before DescribeGroup says converged): wait for it.
    const crashes = (): unknown => (JSON.parse(readFileSync(journal, 'utf8')) as { Crashes?: unknown }).Crashes;
    await waitFor('the journal to count poison alone', () => isDeepStrictEqual(crashes(), { poison: 3 }), 15_000).catch(() => undefined);
    assert.deepEqual(crashes(), { poison: 3 });
    // It stays set aside: no more crashes.
    await rt.call<Desc>('group', 'Group.DescribeGroup', { ID: 'small' });
    assert.equal(rt.info('group')!.restarts, restarts);
    // Forgotten, it is gone for good.
    await rt.call('group', 'Group.FreeGroup', { ID: 'poison' });
    assert.deepEqual(
      (await rt.call<{ Groups: { ID: string }[] }>('group', 'Group.InspectGroups', {})).Groups.map((g) => g.ID),
      ['small'],
    );
  });

  it('a resumed group waits for an instance plugin added later: no problem recorded, then it converges', async () => {
    await storeGroups(t.home, [spec('late', 2)]);
    t.rt = await Runtime.start({
      home: t.home,
      logLevel: 'silent',
      actors: [
        { name: 'vanilla', module: 'vanilla' },
        { name: 'group', module: 'group', options: { pollIntervalMs: 100 } },
      ],
    });
    const rt = t.rt;
    const problems: unknown[] = [];
    rt.on('actor:event', (e) => {
      if (e.type === 'group:problem') problems.push(e.payload);
    });
    const waiting = await waitFor('waiting status', async () => {
      const d = (await rt.call<Desc>('group', 'Group.DescribeGroup', { ID: 'late' })).Description;
      return d.Status !== undefined ? d : undefined;
    });
    assert.match(waiting.Status ?? '', /waiting for plugin simulator\/compute/);
    assert.equal(waiting.Problems, null);
    await rt.add({ name: 'simulator', module: 'simulator' });
    const done = await waitFor('late converged', async () => {
      const d = (await rt.call<Desc>('group', 'Group.DescribeGroup', { ID: 'late' })).Description;
      return d.Converged ? d : undefined;
    });
    assert.equal(done.Problems, null);
    assert.equal(done.Status, undefined);
    assert.deepEqual(problems, []);
  });
});
