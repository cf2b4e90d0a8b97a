/**
 * The demo users try first, as they would run it: `up`, three local web servers committed from
 * examples/process-web, one killed behind the group's back and healed, a rolling update to v2,
 * and a destroy that leaves no process behind.
 */
import { strict as assert } from 'node:assert';
import { get } from 'node:http';
import { fileURLToPath } from 'node:url';
import { RemoteClient } from '../../sockets/remote-client.js';
import { removeHome, runCli, tempHome, UpProcess, waitFor } from '../helpers/cli.js';

const EXAMPLE = fileURLToPath(new URL('../../../examples/process-web/', import.meta.url));

interface Instance {
  ID: string;
  Tags: Record<string, string> | null;
  Properties?: { Process?: { PID: number } };
}

function fetchText(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = get({ host: '127.0.0.1', port, path: '/', timeout: 2000 }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (d: string) => (body += d));
      res.on('end', () => resolve(body));
    });
    req.on('error', reject);
    req.on('timeout', () => req.destroy(new Error('timeout')));
  });
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('e2e: examples/process-web (real processes)', function () {
  this.timeout(180_000);
  let home: string;
  let up: UpProcess | undefined;
  let plugin: RemoteClient | undefined;
  const pids = new Set<number>();

  const seen = (list: Instance[]): Instance[] => {
    for (const i of list) if (i.Properties?.Process?.PID) pids.add(i.Properties.Process.PID);
    return list;
  };
  /** What `instance describe` prints, as the user runs it. */
  const instances = async (): Promise<Instance[]> => {
    const r = await runCli(home, ['instance', 'describe', 'process', '-p', '--tags', 'infrakit.group=web', '-o', 'json']);
    assert.equal(r.code, 0, r.stderr);
    return seen(JSON.parse(r.stdout) as Instance[]);
  };
  /** The same over the plugin's socket, for the waits' polls (a CLI run per look costs a process). */
  const described = async (): Promise<Instance[]> => {
    plugin ??= new RemoteClient(up!.socket('process'), { timeoutMs: 15_000 });
    const r = (await plugin.call('Instance.DescribeInstances', { Tags: { 'infrakit.group': 'web' }, Properties: true })) as {
      Descriptions: Instance[] | null;
    };
    return seen(r.Descriptions ?? []);
  };
  const versionsOf = async (list: Instance[]): Promise<string[]> =>
    Promise.all(list.map(async (i) => (await fetchText(Number(i.Tags?.['port']))).split(' ')[1] ?? ''));
  const versions = async (): Promise<string[]> => versionsOf(await instances());

  before(() => {
    home = tempHome();
  });
  after(async () => {
    plugin?.close();
    await up?.interrupt();
    // Whatever the outcome, no server outlives the test.
    for (const pid of pids) if (alive(pid)) process.kill(-pid, 'SIGKILL');
    removeHome(home);
  });

  it('serves three servers, heals a killed one, rolls them to v2, and destroys them', async () => {
    up = new UpProcess(home, [], { INFRAKIT_GROUP_POLL_INTERVAL: '1s' });
    await up.ready();

    const commit = await runCli(home, ['group', 'commit', `${EXAMPLE}group.yml`, '--wait', '--timeout', '60s']);
    assert.equal(commit.code, 0, commit.stderr);
    assert.match(commit.stdout, /Committed web: Managing 3 instances/);
    assert.deepEqual(await versions(), ['v1', 'v1', 'v1']);

    const victim = (await instances())[0];
    assert.ok(victim?.Properties?.Process?.PID);
    process.kill(-victim.Properties.Process.PID, 'SIGKILL');
    await waitFor(
      'the group to replace the killed server',
      async () => {
        const now = await described();
        return now.length === 3 && !now.some((i) => i.ID === victim.ID);
      },
      60_000,
      250,
    );
    await waitFor('three servers answering v1', async () => (await versionsOf(await described())).join() === 'v1,v1,v1', 30_000, 250);
    assert.deepEqual(await versions(), ['v1', 'v1', 'v1']);

    const roll = await runCli(home, ['group', 'commit', `${EXAMPLE}group-v2.yml`, '--wait', '--timeout', '90s']);
    assert.equal(roll.code, 0, roll.stderr);
    assert.match(roll.stdout, /Performing a rolling update on 3 instances/);
    assert.deepEqual(await versions(), ['v2', 'v2', 'v2']);

    const before = [...pids];
    const destroy = await runCli(home, ['group', 'destroy', 'web']);
    assert.equal(destroy.code, 0, destroy.stderr);
    await waitFor('every server to be gone', () => before.every((pid) => !alive(pid)), 30_000, 100);
  });
});
