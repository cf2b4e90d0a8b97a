/**
 * The CLI verbs the README tour does not use, as a user runs them against a real `up`:
 * group size/free/destroy-instances/pause/resume/rollback, `-o yaml`, instance validate,
 * flavor validate/prepare/healthy, and plugin stop. The tests share one `up` (plugin stop, last, ends
 * it); waits poll the group socket, then the CLI's own output is asserted once.
 */
import { strict as assert } from 'node:assert';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';
import { runCli, waitFor } from '../helpers/cli.js';
import { useUpHome } from '../helpers/up-home.js';

interface Described {
  Converged: boolean;
  Instances: { ID: string; LogicalID: string | null; Properties?: { Image?: string } }[];
}

describe('e2e: more CLI verbs', function () {
  this.timeout(300_000);
  const shared = useUpHome([], { INFRAKIT_GROUP_POLL_INTERVAL: '200ms' });
  const file = (name: string, text: string): string => {
    const f = join(shared.home, name);
    writeFileSync(f, text);
    return f;
  };
  const ok = async (...args: string[]) => {
    const r = await runCli(shared.home, args);
    assert.equal(r.code, 0, `${args.join(' ')}: ${r.stderr}`);
    return r.stdout;
  };
  const spec = (size: number, image: string) =>
    JSON.stringify({
      ID: 'web',
      Properties: {
        Allocation: { Size: size },
        Instance: { Plugin: 'simulator/compute', Properties: { Image: image } },
        Flavor: { Plugin: 'vanilla', Properties: { Init: ['echo hi'] } },
      },
    });

  /** DescribeGroup over the socket: what `group describe -o json` prints, without a process per look. */
  const described = async (id: string): Promise<Described> =>
    ((await shared.group().call('Group.DescribeGroup', { ID: id })) as { Description: Described }).Description;

  it('group size, destroy-instances, pause/resume/rollback, free; -o yaml', async () => {
    await ok('group', 'commit', file('v1.json', spec(4, 'app:v1')), '--wait', '--timeout', '30s');
    assert.equal((await ok('group', 'size', 'web')).trim(), 'Group web at 4 instances');
    assert.deepEqual(parseYaml(await ok('group', 'size', 'web', '-o', 'yaml')), { ID: 'web', Size: 4 });

    const ids = (await ok('instance', 'describe', 'simulator/compute', '--tags', 'infrakit.group=web', '-q')).trim().split('\n');
    assert.equal(ids.length, 4);
    assert.equal((await ok('group', 'destroy-instances', 'web', ids[0] ?? '')).trim(), 'Initiated.');
    assert.equal((await ok('group', 'size', 'web')).trim(), 'Group web at 3 instances');

    assert.match(await ok('group', 'pause', 'web'), /Paused/);
    const roll = await ok('group', 'commit', file('v2.json', spec(3, 'app:v2')));
    assert.match(roll, /Committed web: Performing a rolling update on 3 instances/);
    const paused = parseYaml(await ok('group', 'describe', 'web', '-o', 'yaml')) as { Converged: boolean; Rollout?: { Paused?: boolean } };
    assert.equal(paused.Converged, false);
    assert.equal(paused.Rollout?.Paused, true);
    assert.match(await ok('group', 'resume', 'web'), /Resumed/);
    await waitFor(
      'the rollout to finish',
      async () => {
        const d = await described('web');
        return d.Converged && d.Instances.length === 3;
      },
      30_000,
      100,
    );
    assert.match(await ok('group', 'describe', 'web'), /3\/3 instances, converged/);
    assert.match(await ok('group', 'rollback', 'web'), /Rolling back|previous/i);
    const rolledBack = (d: Described): boolean =>
      d.Converged && d.Instances.length === 3 && d.Instances.every((i) => i.Properties?.Image === 'app:v1');
    await waitFor('the rollback to v1 to finish', async () => rolledBack(await described('web')), 30_000, 100);
    assert.ok(rolledBack(JSON.parse(await ok('group', 'describe', 'web', '-o', 'json')) as Described), 'the CLI shows it rolled back');

    assert.equal((await ok('group', 'free', 'web')).trim(), 'Freed web');
    assert.match(await ok('group', 'ls'), /No groups/);
    const left = (await ok('instance', 'describe', 'simulator/compute', '--tags', 'infrakit.group=web', '-q')).trim().split('\n');
    assert.equal(left.length, 3, 'free leaves the instances running');
  });

  it('examples/pets: one instance per logical ID, and a replacement keeps the ID', async () => {
    const pets = fileURLToPath(new URL('../../../examples/pets/group.yml', import.meta.url));
    assert.match(await ok('group', 'commit', pets, '--wait', '--timeout', '30s'), /Committed quorum: Managing 3 instances/);
    const members = async (): Promise<Described['Instances']> =>
      (JSON.parse(await ok('group', 'describe', 'quorum', '-o', 'json')) as Described).Instances;
    const before = await members();
    assert.deepEqual(before.map((m) => m.LogicalID).sort(), ['10.0.0.1', '10.0.0.2', '10.0.0.3']);
    const victim = before.find((m) => m.LogicalID === '10.0.0.2');
    assert.ok(victim);
    await ok('instance', 'destroy', 'simulator/compute', victim.ID);
    await waitFor(
      '10.0.0.2 to be replaced',
      async () => {
        const now = (await described('quorum')).Instances;
        return now.length === 3 && now.some((m) => m.LogicalID === '10.0.0.2' && m.ID !== victim.ID);
      },
      30_000,
      100,
    );
    assert.deepEqual((await members()).map((m) => m.LogicalID).sort(), ['10.0.0.1', '10.0.0.2', '10.0.0.3']);
  });

  it('instance validate; flavor validate, prepare and healthy', async () => {
    assert.equal((await ok('instance', 'validate', 'simulator/compute', file('props.json', '{"Image":"x"}'))).trim(), 'validate:ok');
    const flavorProps = file('flavor.yml', 'Init:\n  - echo one\nTags:\n  tier: web\n');
    assert.equal((await ok('flavor', 'validate', 'vanilla', flavorProps, '--size', '3')).trim(), 'validate:ok');
    const bad = await runCli(shared.home, ['flavor', 'validate', 'vanilla', file('bad.json', '{"Init":"not a list"}')]);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /Init/);
    const prepared = JSON.parse(await ok('flavor', 'prepare', 'vanilla', flavorProps, '--index-group', 'g', '--index-sequence', '2')) as {
      Init: string;
      Tags: Record<string, string>;
    };
    assert.equal(prepared.Init, 'echo one');
    assert.equal(prepared.Tags['tier'], 'web');
    await ok('instance', 'provision', 'simulator/compute', file('inst.json', '{"Tags":{"app":"h"}}'));
    const health = await ok('flavor', 'healthy', 'vanilla', '--instance-plugin', 'simulator/compute', '--tags', 'app=h');
    assert.match(health, /^ID\s+HEALTH\n\S+\s+healthy$/m);
  });

  // Last: it ends the shared `up`.
  it('plugin stop refuses to take down a shared process without --force, then stops it', async () => {
    const { home, up } = shared;
    const refused = await runCli(home, ['plugin', 'stop', 'simulator']);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /also hosts .*--force/);
    assert.ok(up.hasSocket('simulator'), 'nothing was stopped');
    assert.match(await ok('plugin', 'stop', 'simulator', '--force'), /stopped simulator \(pid \d+\)/);
    assert.equal(await up.exited, 0);
    assert.equal(existsSync(join(home, 'plugins', 'simulator')), false, 'the socket is gone');
    const none = await runCli(home, ['plugin', 'stop', 'simulator']);
    assert.equal(none.code, 1);
    assert.match(none.stderr, /no pid file/);
  });
});
