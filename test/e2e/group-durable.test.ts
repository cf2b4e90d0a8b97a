/**
 * The group's durability through the real CLI and real processes: a DestroyGroup interrupted by
 * SIGKILL is finished by the next `up`; `group forget` edits a stopped home's store (and refuses a
 * live one); `group ls` / `describe` show a quarantined group; `up` refuses a corrupt store.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { removeHome, runCli, tempHome, UpProcess, waitFor } from '../helpers/cli.js';
import { rpc as post } from '../sockets/helpers.js';

const rpc = async (u: UpProcess, method: string, params: unknown): Promise<any> =>
  JSON.parse((await post(u.socket('group'), JSON.stringify({ jsonrpc: '2.0', method, params, id: 1 }))).body);

const groupEntries = (home: string): string[] => {
  const path = join(home, 'configs', 'global.config');
  if (!existsSync(path)) return [];
  return (JSON.parse(readFileSync(path, 'utf8')) as { Key: { Kind: string; Name: string } }[])
    .filter((e) => e.Key.Kind === 'group')
    .map((e) => e.Key.Name);
};

describe('e2e: group durability (destroy across SIGKILL, forget, quarantine, corrupt store)', function () {
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

  it('SIGKILL mid-DestroyGroup of 500 file instances: the next up finishes the destroy, then forgets the group', async () => {
    const SIZE = 500;
    const cfg = join(home, 'up.yml');
    writeFileSync(
      cfg,
      [
        'actors:',
        '  - { name: file, plugin: file }',
        '  - { name: vanilla, plugin: vanilla }',
        '  - { name: group, plugin: group, options: { pollIntervalMs: 100, maxParallel: 4 } }',
        '',
      ].join('\n'),
    );
    const dir = join(home, 'instances', 'file');
    const tagged = (): number => {
      if (!existsSync(dir)) return 0;
      let n = 0;
      for (const f of readdirSync(dir)) {
        if (f.startsWith('.') || f.endsWith('.tmp')) continue;
        try {
          if ((JSON.parse(readFileSync(join(dir, f), 'utf8')) as { Tags?: Record<string, string> }).Tags?.['infrakit.group'] === 'doomed')
            n++;
        } catch {
          // removed while we looked
        }
      }
      return n;
    };
    up = new UpProcess(home, ['--config', cfg]);
    await up.ready();
    const first = up;
    const spec = {
      ID: 'doomed',
      Properties: {
        Allocation: { Size: SIZE },
        Instance: { Plugin: 'file', Properties: {} },
        Flavor: { Plugin: 'vanilla', Properties: {} },
      },
    };
    assert.ok((await rpc(first, 'Group.CommitGroup', { Spec: spec })).result);
    await waitFor(
      'converged',
      async () => (await rpc(first, 'Group.DescribeGroup', { ID: 'doomed' })).result?.Description?.Converged === true,
      90_000,
      200,
    );
    void rpc(first, 'Group.DestroyGroup', { ID: 'doomed' }).catch(() => undefined);
    await waitFor('the destroy under way', () => tagged() <= SIZE - 20, 60_000, 5);
    first.proc.kill('SIGKILL');
    await first.exited;
    const atKill = tagged();
    assert.ok(atKill > 0, 'killed too late: the destroy had finished');
    assert.deepEqual(groupEntries(home), ['doomed'], 'the tombstone is still in global.config');
    const side = JSON.parse(readFileSync(join(home, 'configs', 'group.group-state.json'), 'utf8')) as Record<
      string,
      { Destroying?: boolean }
    >;
    assert.equal(side['doomed']?.Destroying, true);

    up = new UpProcess(home, ['--config', cfg]);
    await up.ready();
    const second = up;
    await waitFor(
      'every tagged instance destroyed and the group gone from the store',
      // The store entry goes first, then the in-memory tombstone: wait for InspectGroups to agree too.
      async () =>
        tagged() === 0 && groupEntries(home).length === 0 && (await rpc(second, 'Group.InspectGroups', {})).result?.Groups === null,
      60_000,
      100,
    );
    assert.equal((await rpc(second, 'Group.InspectGroups', {})).result.Groups, null);
    assert.match((await rpc(second, 'Group.DescribeGroup', { ID: 'doomed' })).error?.message ?? '', /not being watched/);
    console.log(`      killed with ${atKill}/${SIZE} instances left; the next up destroyed them and dropped the tombstone`);
  });

  it('group ls / describe show a quarantined group; group forget refuses a live home and edits a stopped one', async () => {
    const dir = join(home, 'configs');
    mkdirSync(dir, { recursive: true });
    const entry = (id: string, properties: unknown) => ({
      Key: { Kind: 'group', Name: id },
      Record: { Handler: 'group', Spec: { kind: 'group', version: '', metadata: { name: id, tags: null }, properties } },
    });
    const good = {
      Allocation: { Size: 1 },
      Instance: { Plugin: 'simulator/compute', Properties: {} },
      Flavor: { Plugin: 'vanilla', Properties: {} },
    };
    writeFileSync(join(dir, 'global.config'), JSON.stringify([entry('bad', { Allocation: { Size: 'many' } }), entry('good', good)]));
    up = new UpProcess(home, [], { INFRAKIT_GROUP_POLL_INTERVAL: '200ms' });
    await up.ready();
    const ls = await runCli(home, ['group', 'ls']);
    assert.equal(ls.code, 0, ls.stderr);
    assert.match(ls.stdout, /STATE/);
    assert.match(ls.stdout, /bad\s.*quarantined/);
    assert.match(ls.stdout, /good\s.*managed/);
    assert.match(ls.stdout, /bad: quarantined: its stored spec does not parse/);
    const desc = await runCli(home, ['group', 'describe', 'bad']);
    assert.equal(desc.code, 0, desc.stderr);
    assert.match(desc.stdout, /Group bad: 0 instances, quarantined/);
    assert.match(desc.stdout, /Reason: its stored spec does not parse/);

    const refused = await runCli(home, ['group', 'forget', 'bad']);
    assert.notEqual(refused.code, 0);
    assert.match(refused.stderr, /live runtime serves/);
    assert.match(refused.stderr, /group free bad/);
    assert.deepEqual(groupEntries(home), ['bad', 'good'], 'nothing changed');

    assert.equal(await up.interrupt(), 0, up.exitReport());
    const forgot = await runCli(home, ['group', 'forget', 'bad', '--home', home], { env: { INFRAKIT_HOME: join(home, 'elsewhere') } });
    assert.equal(forgot.code, 0, forgot.stderr);
    assert.match(forgot.stdout, /Forgot bad/);
    assert.deepEqual(groupEntries(home), ['good']);
    const missing = await runCli(home, ['group', 'forget', 'bad']);
    assert.notEqual(missing.code, 0);
    assert.match(missing.stderr, /group 'bad' not found/);

    up = new UpProcess(home, [], { INFRAKIT_GROUP_POLL_INTERVAL: '200ms' });
    await up.ready();
    const after = await runCli(home, ['group', 'ls']);
    assert.doesNotMatch(after.stdout, /bad|STATE/);
    assert.match(after.stdout, /good/);
  });

  it('up refuses a corrupt global.config naming the file and the position, and exits 1', async () => {
    const path = join(home, 'configs', 'global.config');
    mkdirSync(join(home, 'configs'), { recursive: true });
    writeFileSync(path, '[\n  {"Key": x}\n]\n');
    up = new UpProcess(home);
    assert.equal(await up.exited, 1);
    assert.ok(up.stderr.includes(path), up.stderr);
    assert.match(up.stderr, /corrupt at line 2, column 11/);
    assert.equal(readFileSync(path, 'utf8'), '[\n  {"Key": x}\n]\n', 'left as found');
  });
});
