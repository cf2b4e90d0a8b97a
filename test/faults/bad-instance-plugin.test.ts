/**
 * Fault: instance plugins that are slow, hang, or fail half their calls, each behind its own group,
 * next to a group on a healthy simulator. The healthy group converges regardless; the troubled ones
 * report it in DescribeGroup's `Problems` and keep retrying; the slow and the flaky one get there.
 * Behaviour is asserted, not timing.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Runtime } from '../../runtime/index.js';
import { waitFor } from '../helpers/cli.js';

const HANG = new URL('../fixtures/hang-instance.js', import.meta.url);

interface Description {
  Converged: boolean;
  Problems: { Source: string; Message: string; Count: number }[] | null;
}

describe('faults: a slow, a hanging and a half-failing instance plugin', function () {
  this.timeout(90_000);
  let home: string;
  let rt: Runtime | undefined;

  before(() => {
    home = mkdtempSync(join(tmpdir(), 'ikb-'));
  });
  after(async () => {
    await rt?.stop({ timeoutMs: 500 }); // the hanging Provision calls never finish
    rmSync(home, { recursive: true, force: true });
  });

  it('the healthy group converges; the others report Problems, retry, and the slow and flaky ones converge', async () => {
    rt = await Runtime.start({
      home,
      logLevel: 'silent',
      actors: [
        { name: 'good', module: 'simulator', options: { objects: ['compute'] } },
        { name: 'flaky', module: 'simulator', options: { objects: ['compute'], failureRate: 0.5, seed: 42 } },
        { name: 'slow', module: 'simulator', options: { objects: ['compute'], provisionDelayMs: 400, describeDelayMs: 100 } },
        { name: 'stuck', module: HANG },
        { name: 'vanilla', module: 'vanilla' },
        { name: 'group', module: 'group', options: { pollIntervalMs: 100, callTimeoutMs: 500 } },
      ],
    });
    const r = rt;
    const spec = (id: string, plugin: string, size: number) => ({
      Spec: {
        ID: id,
        Properties: {
          Allocation: { Size: size },
          Instance: { Plugin: plugin, Properties: { g: id } },
          Flavor: { Plugin: 'vanilla', Properties: {} },
        },
      },
    });
    const describe_ = async (id: string) =>
      (await r.call<{ Description: Description }>('group', 'Group.DescribeGroup', { ID: id })).Description;
    const count = async (plugin: string, id: string) =>
      (
        (
          await r.call<{ Descriptions: unknown[] | null }>(plugin, 'Instance.DescribeInstances', {
            Type: '',
            Tags: { 'infrakit.group': id },
          })
        ).Descriptions ?? []
      ).length;

    // Every problem the group reports is also an event (`group:problem`): record them all from the
    // start, since a flaky plugin's problem may clear again before any poll of DescribeGroup sees it.
    const seen = new Set<string>();
    r.on('actor:event', (e) => {
      if (e.type !== 'group:problem') return;
      const p = e.payload as { ID: string; Source: string };
      seen.add(`${p.ID}:${p.Source}`);
    });

    for (const [id, plugin, size] of [
      ['stuck', 'stuck', 2],
      ['flaky', 'flaky', 10],
      ['slow', 'slow', 3],
      ['good', 'good', 5],
    ] as const) {
      await r.call('group', 'Group.CommitGroup', spec(id, plugin, size));
    }

    await waitFor('the healthy group converged', async () => (await describe_('good')).Converged, 30_000);
    assert.equal(await count('good', 'good'), 5);
    assert.equal((await describe_('good')).Problems, null);

    await waitFor(
      'the hanging plugin reported',
      async () => (await describe_('stuck')).Problems?.some((p) => p.Source === 'provision' && /timed out/.test(p.Message)),
      30_000,
    );
    assert.equal((await describe_('stuck')).Converged, false);
    const firstAttempts = await r.call<number>('stuck', 'Test.Attempts');
    await waitFor(
      'the group retried the hanging plugin',
      async () => (await r.call<number>('stuck', 'Test.Attempts')) > firstAttempts,
      30_000,
    );

    await waitFor('the flaky group converged', async () => (await describe_('flaky')).Converged, 60_000);
    assert.equal(await count('flaky', 'flaky'), 10);
    await waitFor('the slow group converged', async () => (await describe_('slow')).Converged, 30_000);
    assert.equal(await count('slow', 'slow'), 3);

    assert.ok(seen.has('flaky:provision'), `the flaky plugin's failures were reported: ${[...seen].join(', ')}`);
    assert.ok(!seen.has('good:provision'), 'the healthy group had no provision problem');
    // Still serving everything, nothing crashed.
    for (const info of r.list()) assert.equal(info.restarts, 0, `${info.name} restarted`);
  });
});
