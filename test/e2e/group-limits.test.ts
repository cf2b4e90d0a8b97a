/**
 * Issue #12 through the built CLI against a real `up`: a group commit or `group size` over the
 * limits prints the plain message and exits 1, and the runtime keeps serving (it used to abort).
 */
import { strict as assert } from 'node:assert';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { removeHome, runCli, tempHome, UpProcess } from '../helpers/cli.js';

describe('e2e: group limits through the CLI', function () {
  this.timeout(120_000);
  let home: string;
  let up: UpProcess | undefined;
  const spec = (allocation: object) =>
    JSON.stringify({
      ID: 'workers',
      Properties: {
        Allocation: allocation,
        Instance: { Plugin: 'simulator/compute', Properties: {} },
        Flavor: { Plugin: 'vanilla', Properties: { Init: ['echo hi'] } },
      },
    });
  const file = (name: string, text: string): string => {
    const f = join(home, name);
    writeFileSync(f, text);
    return f;
  };

  beforeEach(async () => {
    home = tempHome();
    up = new UpProcess(home, [], { INFRAKIT_GROUP_POLL_INTERVAL: '200ms' });
    await up.ready();
  });
  afterEach(async () => {
    await up?.interrupt();
    up = undefined;
    removeHome(home);
  });

  it('group commit of Size 1e9, duplicate logical IDs, and group size 1e9: the plain message, exit 1, runtime still up', async () => {
    const huge = await runCli(home, ['group', 'commit', file('huge.json', spec({ Size: 1e9 }))]);
    assert.equal(huge.code, 1, huge.stderr);
    assert.equal(huge.stderr, 'error: Allocation.Size is 1000000000, over the limit of 100000\n');
    assert.equal(huge.stdout, '');

    const dup = await runCli(home, ['group', 'commit', file('dup.json', spec({ LogicalIDs: ['a', 'a', 'b'] }))]);
    assert.equal(dup.code, 1, dup.stderr);
    assert.equal(dup.stderr, 'error: Allocation.LogicalIDs has "a" more than once; each logical ID names one instance\n');

    const ls = await runCli(home, ['group', 'ls']);
    assert.equal(ls.code, 0, ls.stderr);
    assert.match(ls.stdout, /No groups/);

    const ok = await runCli(home, ['group', 'commit', file('ok.json', spec({ Size: 2 }))]);
    assert.equal(ok.code, 0, ok.stderr);
    const size = await runCli(home, ['group', 'size', 'workers', '1e9']);
    assert.equal(size.code, 1, size.stderr);
    assert.equal(size.stderr, 'error: Allocation.Size is 1000000000, over the limit of 100000\n');
    const now = await runCli(home, ['group', 'size', 'workers']);
    assert.equal(now.code, 0, now.stderr);
    assert.equal(now.stdout.trim(), 'Group workers at 2 instances');
    assert.equal(up?.proc.exitCode, null, 'the runtime is still running');
  });
});
