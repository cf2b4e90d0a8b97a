/**
 * Fault: the whole `infrakit-ts up` process SIGKILLed while a group converges 1,000 instances on the
 * file instance plugin (instances persist as files). A new `up` on the same INFRAKIT_HOME cleans the
 * stale sockets, resumes from the committed spec, and ends with exactly 1,000 instances: no
 * duplicates, no orphans.
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { removeHome, tempHome, UpProcess, waitFor } from '../helpers/cli.js';
import { rpc as post } from '../sockets/helpers.js';

const SIZE = 1000;

describe('faults: SIGKILL of up mid-convergence of 1,000 file instances', function () {
  this.timeout(120_000);
  let home: string;
  let up: UpProcess | undefined;

  beforeEach(() => {
    home = tempHome();
  });
  afterEach(async () => {
    if (up !== undefined && up.proc.exitCode === null) await up.interrupt();
    up = undefined;
    removeHome(home);
  });

  it('a new up converges to exactly 1,000, no duplicates, no orphans, stale sockets cleaned', async () => {
    const cfg = join(home, 'up.yml');
    writeFileSync(
      cfg,
      [
        'actors:',
        '  - { name: file, plugin: file }',
        '  - { name: vanilla, plugin: vanilla }',
        '  - { name: group, plugin: group, options: { pollIntervalMs: 100, maxParallel: 16 } }',
        '',
      ].join('\n'),
    );
    const instancesDir = join(home, 'instances', 'file');
    const instanceFiles = (): string[] =>
      existsSync(instancesDir) ? readdirSync(instancesDir).filter((f) => !f.startsWith('.') && !f.endsWith('.tmp')) : [];
    const rpc = async (u: UpProcess, method: string, params: unknown): Promise<any> => {
      const res = await post(u.socket('group'), JSON.stringify({ jsonrpc: '2.0', method, params, id: 1 }));
      return JSON.parse(res.body);
    };

    up = new UpProcess(home, ['--config', cfg]);
    await up.ready();
    const spec = {
      ID: 'thousand',
      Properties: {
        Allocation: { Size: SIZE },
        Instance: { Plugin: 'file', Properties: { note: 'sigkill test' } },
        Flavor: { Plugin: 'vanilla', Properties: { Init: ['echo hi'] } },
      },
    };
    assert.deepEqual((await rpc(up, 'Group.CommitGroup', { Spec: spec })).result, { Details: `Managing ${SIZE} instances` });
    await waitFor('some instances provisioned', () => instanceFiles().length >= 100, 60_000, 10);
    up.proc.kill('SIGKILL');
    await up.exited;
    const atKill = instanceFiles().length;
    assert.ok(atKill < SIZE, `killed too late: ${atKill} already provisioned`);
    for (const name of ['file', 'vanilla', 'group'])
      assert.ok(existsSync(join(home, 'plugins', name)), `the killed up left no stale socket for ${name}?`);

    const t0 = Date.now();
    up = new UpProcess(home, ['--config', cfg]);
    await up.ready();
    const second = up;
    await waitFor(
      `converged to ${SIZE}`,
      async () => {
        const d = await rpc(second, 'Group.DescribeGroup', { ID: 'thousand' });
        return d.result?.Description?.Converged === true && instanceFiles().length === SIZE;
      },
      90_000,
      250,
    );
    const convergeMs = Date.now() - t0;
    // Settle: a few more ticks must change nothing.
    await new Promise((r) => setTimeout(r, 1000));
    const files = instanceFiles();
    assert.equal(files.length, SIZE, 'exactly 1,000 instance files');
    const ids = new Set<string>();
    for (const f of files) {
      const inst = JSON.parse(readFileSync(join(instancesDir, f), 'utf8')) as { ID: string; Tags: Record<string, string> | null };
      assert.equal(inst.ID, f);
      assert.equal(inst.Tags?.['infrakit.group'], 'thousand', `${f} is not the group's: an orphan`);
      ids.add(inst.ID);
    }
    assert.equal(ids.size, SIZE, 'no duplicate IDs');
    const described = await rpc(second, 'Group.DescribeGroup', { ID: 'thousand' });
    assert.equal(described.result.Description.Instances.length, SIZE);
    const temps = existsSync(instancesDir) ? readdirSync(instancesDir).length - files.length : 0;
    console.log(
      `      killed with ${atKill}/${SIZE} provisioned; the new up converged to ${SIZE} in ${convergeMs} ms; ${temps} temp files of interrupted writes left`,
    );
  });
});
