/**
 * The group actor inside a real Runtime, with the simulator and vanilla actors (and a scripted-health
 * flavor fixture): the wire shapes, convergence, healing, rolling updates, and crashes.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Runtime } from '../../runtime/index.js';
import type { ActorDeclaration } from '../../runtime/declaration.js';
import type { Description } from '../../actors/spi/common.js';
import { waitFor } from '../fixtures/group-fakes.js';

const healthFlavor = new URL('../fixtures/group-health-flavor.js', import.meta.url);

function groupProps(
  size: number | string[],
  instanceProps: Record<string, unknown> = { cpu: 1 },
  extra: Record<string, unknown> = {},
  flavor = 'vanilla',
) {
  return {
    Allocation: Array.isArray(size) ? { LogicalIDs: size } : { Size: size },
    Instance: { Plugin: 'simulator/compute', Properties: instanceProps },
    Flavor: { Plugin: flavor, Properties: flavor === 'vanilla' ? { Init: ['echo hello'], Tags: { tier: 'web' } } : {} },
    ...extra,
  };
}

describe('group actor in a Runtime (simulator + vanilla)', function () {
  this.timeout(60_000);
  let home: string;
  let rt: Runtime | undefined;
  const events: { actor: string; type: string; payload: any }[] = [];

  async function start(groupOptions: Record<string, unknown> = {}, more: ActorDeclaration[] = []): Promise<Runtime> {
    const r = await Runtime.start({
      home,
      logLevel: 'silent',
      actors: [
        { name: 'simulator', module: 'simulator', options: { objects: ['compute'] } },
        { name: 'vanilla', module: 'vanilla' },
        { name: 'health', module: healthFlavor },
        ...more,
        { name: 'group', module: 'group', options: { pollIntervalMs: 100, testHooks: true, ...groupOptions } },
      ],
    });
    r.on('actor:event', (e) => events.push(e as never));
    return r;
  }
  const call = <R = any>(method: string, params: unknown): Promise<R> => rt!.call<R>('group', method, params);
  const describe_ = async (id: string) => (await call('Group.DescribeGroup', { ID: id })).Description;
  const members = async (id: string, plugin = 'simulator'): Promise<Description[]> =>
    (
      await rt!.call<{ Descriptions: Description[] | null }>(plugin, 'Instance.DescribeInstances', {
        Type: '',
        Tags: { 'infrakit.group': id },
        Properties: true,
      })
    ).Descriptions ?? [];
  /** Flavor.Healthy calls the `health` flavor has answered: in all, and for one instance. */
  const checks = async (id?: string): Promise<number> => {
    const r = await rt!.call<{ Checks: number; ByID: Record<string, number> }>('health', 'Test.Checks', {});
    return id === undefined ? r.Checks : (r.ByID[id] ?? 0);
  };
  /** Waits until the group has checked health `n` more times (its loop has taken more steps): no sleeping. */
  const moreChecks = async (n: number, id?: string): Promise<void> => {
    const before = await checks(id);
    await waitFor(async () => (await checks(id)) >= before + n, 20_000, `${n} more health checks`);
  };
  const converged = (id: string, ms = 20_000) => waitFor(async () => (await describe_(id)).Converged === true, ms, `${id} converged`);

  beforeEach(() => {
    home = mkdtempSync(join(tmpdir(), 'group-rt-'));
    events.length = 0;
  });
  afterEach(async () => {
    await rt?.stop();
    rt = undefined;
    rmSync(home, { recursive: true, force: true });
  });

  it("answers the seed's curl examples exactly, and echoes Name/ID for HEAD clients", async () => {
    rt = await start();
    assert.deepEqual(await call('Group.InspectGroups', {}), { Groups: null });
    assert.deepEqual(await call('Group.InspectGroups', { Name: 'group', ID: '' }), { Name: 'group', ID: '', Groups: null });
    await assert.rejects(
      call('Group.CommitGroup', {}),
      (err: any) => err.message === 'Group ID must not be blank' && err.code === 'IK_APPLICATION',
    );
    await assert.rejects(call('Group.DescribeGroup', { ID: 'nope' }), { message: "Group 'nope' is not being watched" });
    await assert.rejects(call('Group.SetSize', { ID: 'nope', Size: -1 }), { message: 'size cannot be negative' });
    const r = await call('Group.CommitGroup', { Name: 'group', Spec: { ID: 'workers', Properties: groupProps(3) }, Pretend: true });
    assert.deepEqual(r, { Name: 'group', ID: 'workers', Details: 'Managing 3 instances' });
  });

  it('commit, describe, inspect, size, setsize, destroy instances, free, destroy', async () => {
    rt = await start();
    assert.deepEqual(await call('Group.CommitGroup', { Spec: { ID: 'workers', Properties: groupProps(3) } }), {
      Details: 'Managing 3 instances',
    });
    await converged('workers');
    const d = await describe_('workers');
    assert.equal(d.Instances.length, 3);
    for (const i of d.Instances) {
      assert.equal(i.Tags['infrakit.group'], 'workers');
      assert.equal(i.Tags['tier'], 'web');
      assert.match(i.Tags['infrakit.config.hash'], /^[a-z2-7]{32}$/);
    }
    await waitFor(
      () => events.some((e) => e.actor === 'group' && e.type === 'group:converged' && e.payload.ID === 'workers'),
      5000,
      'group:converged event',
    );
    const inspect = await call('Group.InspectGroups', {});
    assert.equal(inspect.Groups.length, 1);
    assert.deepEqual(inspect.Groups[0].Properties.Allocation, { Size: 3, LogicalIDs: null });
    assert.deepEqual(await call('Group.Size', { Name: 'group', ID: 'workers' }), { Name: 'group', ID: 'workers', Size: 3 });
    await call('Group.SetSize', { ID: 'workers', Size: 5 });
    await converged('workers');
    assert.equal((await members('workers')).length, 5);
    const victim = (await members('workers'))[0]!.ID;
    assert.deepEqual(await call('Group.DestroyInstances', { ID: 'workers', Instances: [victim] }), { OK: true });
    assert.equal((await call('Group.Size', { ID: 'workers' })).Size, 4);
    await converged('workers');
    assert.equal((await members('workers')).length, 4);
    await call('Group.CommitGroup', { Spec: { ID: 'kept', Properties: groupProps(2) } });
    await converged('kept');
    assert.deepEqual(await call('Group.FreeGroup', { ID: 'kept' }), { OK: true });
    assert.deepEqual(await call('Group.DestroyGroup', { Name: 'group', ID: 'workers' }), { Name: 'group', ID: 'workers', OK: true });
    assert.equal((await members('workers')).length, 0);
    assert.equal((await members('kept')).length, 2);
    assert.deepEqual(await call('Group.InspectGroups', {}), { Groups: null });
  });

  it('pets: one per logical ID, replaced with the same ID after vanishing', async () => {
    rt = await start();
    await call('Group.CommitGroup', { Spec: { ID: 'quorum', Properties: groupProps(['10.0.0.1', '10.0.0.2', '10.0.0.3']) } });
    await converged('quorum');
    const before = await members('quorum');
    assert.deepEqual(before.map((m) => m.LogicalID).sort(), ['10.0.0.1', '10.0.0.2', '10.0.0.3']);
    const lost = before.find((m) => m.LogicalID === '10.0.0.2')!;
    await rt.call('simulator', 'Simulator.Vanish', { Type: '', IDs: [lost.ID] });
    await waitFor(
      async () => (await members('quorum')).some((m) => m.LogicalID === '10.0.0.2' && m.ID !== lost.ID),
      20_000,
      'pet replaced',
    );
    await converged('quorum');
    assert.deepEqual((await members('quorum')).map((m) => m.LogicalID).sort(), ['10.0.0.1', '10.0.0.2', '10.0.0.3']);
  });

  it('heals vanished instances (Simulator.Vanish)', async () => {
    rt = await start();
    await call('Group.CommitGroup', { Spec: { ID: 'g', Properties: groupProps(10) } });
    await converged('g');
    await rt.call('simulator', 'Simulator.Vanish', { Type: '', Count: 4, Tags: { 'infrakit.group': 'g' } });
    await waitFor(async () => (await members('g')).length < 10 || true, 1000);
    await converged('g');
    assert.equal((await members('g')).length, 10);
    assert.ok(events.some((e) => e.type === 'group:changed'));
  });

  it('replaces an instance its flavor reports Unhealthy past the grace period', async () => {
    rt = await start({ healthIntervalMs: 100 });
    await call('Group.CommitGroup', {
      Spec: { ID: 'g', Properties: groupProps(3, { cpu: 1 }, { Health: { GracePeriod: '300ms' } }, 'health') },
    });
    await converged('g');
    const sick = (await members('g'))[0]!.ID;
    await rt.call('health', 'Test.SetHealth', { ID: sick, Health: 2 });
    await waitFor(async () => !(await members('g')).some((m) => m.ID === sick), 20_000, 'sick instance replaced');
    await converged('g');
    assert.equal((await members('g')).length, 3);
  });

  it('rolling update with surge, gated on health, with pause / resume / rollback', async () => {
    rt = await start();
    await call('Group.CommitGroup', { Spec: { ID: 'g', Properties: groupProps(4, { v: 1 }, { Updating: { MaxSurge: 1 } }, 'health') } });
    await converged('g');
    // the new config comes up Unhealthy: nothing old may go
    const next = groupProps(4, { v: 2, health: 2 }, { Updating: { MaxSurge: 1 } }, 'health');
    assert.deepEqual(await call('Group.CommitGroup', { Spec: { ID: 'g', Properties: next } }), {
      Details: 'Performing a rolling update on 4 instances',
    });
    await waitFor(async () => (await members('g')).length === 5, 20_000, 'one surge instance');
    const surge = (await members('g')).find((m) => (m.Properties as any).v === 2)!.ID;
    await moreChecks(3, surge); // judged unhealthy in three more steps
    let list = await members('g');
    assert.equal(list.length, 5);
    assert.equal(list.filter((m) => (m.Properties as any).v === 1).length, 4, 'old ones kept while the new one is unhealthy');
    const d = await describe_('g');
    assert.equal(d.Converged, false);
    assert.equal(d.Rollout.State, 'rolling');
    // a healthy new config rolls through
    // Paused first (a pause holds across commits), so no old instance may go however fast the machine.
    await call('Group.PauseUpdate', { ID: 'g' });
    const good = groupProps(4, { v: 3 }, { Updating: { MaxSurge: 1 } }, 'health');
    await call('Group.CommitGroup', { Spec: { ID: 'g', Properties: good } });
    await moreChecks(10); // two rounds of health checks: steps taken while paused
    const pausedCount = (await members('g')).filter((m) => (m.Properties as any).v === 1).length;
    assert.equal(pausedCount, 4, 'paused: old ones stay');
    assert.equal((await describe_('g')).Rollout.Paused, true);
    assert.deepEqual(await call('Group.ResumeUpdate', { ID: 'g' }), { Details: 'Resumed the rolling update of g' });
    await converged('g');
    list = await members('g');
    assert.equal(list.length, 4);
    assert.ok(list.every((m) => (m.Properties as any).v === 3));
    assert.ok(events.some((e) => e.type === 'rollout:progress'));
    // rollback goes to the previous committed spec (the unhealthy v2) — then roll back again to v3
    await call('Group.RollbackUpdate', { ID: 'g' });
    await waitFor(async () => (await members('g')).some((m) => (m.Properties as any).v === 2), 20_000, 'rollback started');
    await call('Group.RollbackUpdate', { ID: 'g' });
    await converged('g');
    assert.ok((await members('g')).every((m) => (m.Properties as any).v === 3));
  });

  it('a group worker that crashes mid-convergence resumes from the store: exactly Size, no duplicates', async () => {
    rt = await Runtime.start({
      home,
      logLevel: 'silent',
      actors: [
        { name: 'simulator', module: 'simulator', options: { objects: ['compute'], provisionDelayMs: 20 } },
        { name: 'vanilla', module: 'vanilla' },
        { name: 'health', module: healthFlavor },
        { name: 'group', module: 'group', options: { pollIntervalMs: 100, testHooks: true, maxParallel: 8 } },
      ],
    });
    const restarted = new Promise<void>((resolve) =>
      rt!.on('actor:started', (e) => (e.name === 'group' && e.restarts > 0 ? resolve() : undefined)),
    );
    await call('Group.CommitGroup', { Spec: { ID: 'g', Properties: groupProps(60, { cpu: 1 }, {}, 'health') } });
    await waitFor(async () => (await members('g')).length >= 10, 20_000, 'some provisioned');
    await call('Group.TestCrash', {});
    await restarted;
    await waitFor(
      async () => {
        try {
          return (await describe_('g')).Converged === true;
        } catch {
          return false;
        }
      },
      30_000,
      'converged after the crash',
    );
    await moreChecks(120); // two more rounds of health checks: steps taken after converging
    const list = await members('g');
    assert.equal(list.length, 60);
    assert.equal(new Set(list.map((m) => m.ID)).size, 60);
  });

  it('a whole-runtime stop/start mid-convergence on a persistent instance plugin converges to exactly Size', async () => {
    const fileDecl: ActorDeclaration = { name: 'file', module: 'file' };
    const startFile = () =>
      Runtime.start({
        home,
        logLevel: 'silent',
        actors: [
          fileDecl,
          { name: 'vanilla', module: 'vanilla' },
          { name: 'health', module: healthFlavor },
          { name: 'group', module: 'group', options: { pollIntervalMs: 100, maxParallel: 4 } },
        ],
      });
    const props = { ...groupProps(40, { cpu: 1 }, {}, 'health'), Instance: { Plugin: 'file', Properties: { note: 'persist' } } };
    rt = await startFile();
    await call('Group.CommitGroup', { Spec: { ID: 'disk', Properties: props } });
    await waitFor(async () => (await members('disk', 'file')).length >= 5, 20_000, 'some provisioned');
    await rt.stop();
    rt = await startFile();
    await waitFor(async () => (await describe_('disk')).Converged === true, 30_000, 'converged after restart');
    await moreChecks(80); // two more rounds of health checks: steps taken after converging
    const list = await members('disk', 'file');
    assert.equal(list.length, 40);
    const files = readdirSync(join(home, 'instances', 'file')).filter((f) => !f.startsWith('.'));
    assert.equal(files.length, 40, 'no orphan instance files');
  });
});
