/**
 * An external plugin under `up`, as a user runs it: examples/external-python/up.yml hosts the group
 * and vanilla plugins as actors and the Python Instance plugin as an external one. A group converges
 * onto it; `plugin ls` shows its pid, state and restarts; kill -9 of the plugin: it is restarted and
 * the group heals (its instances, kept in the dead process's memory, are provisioned again); Ctrl-C
 * leaves no process and no socket.
 */
import { strict as assert } from 'node:assert';
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { removeHome, runCli, tempHome, UpProcess, waitFor } from '../helpers/cli.js';
import { groupAlive } from '../fixtures/process-helpers.js';

const EXAMPLE = fileURLToPath(new URL('../../../examples/external-python/', import.meta.url));

interface LsEntry {
  name: string;
  reachable: boolean;
  external?: { name: string; status: string; pid: number | null; restarts: number; supervisor: number };
}

describe('e2e: an external plugin in Python under up', function () {
  this.timeout(240_000);
  let home: string;
  let up: UpProcess | undefined;
  const pgids = new Set<number>();

  before(() => {
    home = tempHome();
  });
  after(async () => {
    await up?.interrupt();
    for (const g of pgids) if (groupAlive(g)) process.kill(-g, 'SIGKILL');
    removeHome(home);
  });

  const pyinst = async (): Promise<LsEntry> => {
    const r = await runCli(home, ['plugin', 'ls', '-o', 'json']);
    assert.equal(r.code, 0, r.stderr);
    const found = (JSON.parse(r.stdout) as LsEntry[]).find((p) => p.name === 'pyinst');
    assert.ok(found, r.stdout);
    if (found.external?.pid) pgids.add(found.external.pid);
    return found;
  };
  const members = async (): Promise<string[]> => {
    const r = await runCli(home, ['group', 'describe', 'pyworkers', '-o', 'json']);
    assert.equal(r.code, 0, r.stderr);
    return ((JSON.parse(r.stdout) as { Instances: { ID: string }[] | null }).Instances ?? []).map((i) => i.ID).sort();
  };

  it('a group converges onto it, kill -9 heals, Ctrl-C leaves nothing', async () => {
    up = new UpProcess(home, ['--config', `${EXAMPLE}up.yml`]);
    await up.ready();
    assert.match(up.stdout, /pyinst \(pid \d+\)\s+Instance\/0\.6\.1/);

    const commit = await runCli(home, ['group', 'commit', `${EXAMPLE}group.yml`, '--wait', '--timeout', '180s']);
    assert.equal(commit.code, 0, commit.stderr);
    const before = await members();
    assert.equal(before.length, 3);
    assert.ok(before.every((id) => id.startsWith('py-')));

    const first = await pyinst();
    assert.equal(first.reachable, true);
    assert.equal(first.external?.status, 'running');
    assert.equal(first.external?.restarts, 0);
    const pid = first.external?.pid;
    assert.ok(typeof pid === 'number');
    const table = await runCli(home, ['plugin', 'ls']);
    assert.match(table.stdout, new RegExp(`pyinst .* ${pid}\\s+ok, external running, 0 restarts`));

    process.kill(pid, 'SIGKILL');
    const again = await waitFor(
      'pyinst restarted',
      async () => {
        const p = await pyinst();
        return p.reachable && p.external?.status === 'running' && p.external.restarts === 1 ? p : undefined;
      },
      120_000,
      250,
    );
    assert.notEqual(again.external?.pid, pid);
    // The instances died with the process; the group provisions three new ones on the new process.
    const healed = await waitFor(
      'the group to heal onto the restarted plugin',
      async () => {
        const now = await members();
        return now.length === 3 && now.every((id) => !before.includes(id)) ? now : undefined;
      },
      120_000,
      500,
    );
    assert.equal(healed.length, 3);

    // Its output joined up's log, tagged with its name (JSON lines: stderr is not a terminal).
    assert.match(up.stderr, /"actor":"pyinst".*"stream":"stderr".*"msg":"listening on /);
    assert.match(up.stderr, /"actor":"pyinst".*"stream":"stdout".*"msg":"provisioned py-/);

    const code = await up.interrupt();
    assert.equal(code, 0, up.stderr);
    const lastPid = again.external?.pid;
    assert.ok(typeof lastPid === 'number');
    assert.equal(groupAlive(lastPid), false, 'the plugin process group is gone');
    assert.deepEqual(readdirSync(up.pluginsDir), [], 'no socket, pid file or status file left');
  });
});
