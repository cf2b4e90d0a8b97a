/**
 * Hot reload from the command line: `infrakit-ts up --watch` reloads a plugin whose file changed,
 * `infrakit-ts plugin reload <name>` reloads on demand, and `plugin ls` shows the last reload (a
 * failed one with its reason, while the old code answers on).
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ModuleDir } from '../fixtures/reload-source.js';
import { postSocket, removeHome, runCli, tempHome, UpProcess, waitFor } from '../helpers/cli.js';

async function version(up: UpProcess): Promise<string | undefined> {
  const r = await postSocket(up.socket('counter'), '{"jsonrpc":"2.0","method":"Counter.Get","params":{},"id":1}');
  return (JSON.parse(r.body) as { result?: { version: string } }).result?.version;
}

describe('cli: hot reload (up --watch, plugin reload, plugin ls)', function () {
  this.timeout(180_000);
  let home: string;
  let mods: ModuleDir;
  let up: UpProcess | undefined;
  beforeEach(() => {
    home = tempHome();
    mods = new ModuleDir({ version: 'v1', keepState: true });
    writeFileSync(join(mods.dir, 'up.yml'), 'actors:\n  - name: counter\n    plugin: ./counter.js\n');
  });
  afterEach(async () => {
    await up?.interrupt();
    up = undefined;
    removeHome(home);
    mods.remove();
  });

  it('up --watch reloads a changed plugin; plugin ls shows it; a broken file keeps the old code and says why', async () => {
    up = new UpProcess(home, ['--config', join(mods.dir, 'up.yml'), '--watch']);
    await up.ready();
    assert.equal(await version(up), 'v1');

    mods.writeCounter({ version: 'v2', keepState: true });
    await waitFor('v2 answering after the file changed', async () => (await version(up!)) === 'v2', 60_000);
    const ls = await runCli(home, ['plugin', 'ls']);
    assert.equal(ls.code, 0, ls.stderr);
    assert.match(ls.stdout, /counter .* ok, reloaded \(version 2\)/);

    mods.writeCounter({ version: 'v3', keepState: true, extra: 'export default 1; export default 2;' });
    await waitFor(
      'plugin ls to show the failed reload',
      async () => /reload failed: .*SyntaxError/.test((await runCli(home, ['plugin', 'ls'])).stdout),
      60_000,
    );
    assert.equal(await version(up), 'v2', 'the old code answers on');
    const json = await runCli(home, ['plugin', 'ls', '-o', 'json']);
    const row = (JSON.parse(json.stdout) as { name: string; runtime?: { version: number; reload?: { state: string } } }[]).find(
      (p) => p.name === 'counter',
    );
    assert.equal(row?.runtime?.version, 2);
    assert.equal(row?.runtime?.reload?.state, 'failed');
  });

  it('plugin reload <name> reloads on demand, and exits 1 with the reason when the new code does not load', async () => {
    up = new UpProcess(home, ['--config', join(mods.dir, 'up.yml')]);
    await up.ready();
    mods.writeCounter({ version: 'v2', keepState: true });
    const ok = await runCli(home, ['plugin', 'reload', 'counter']);
    assert.equal(ok.code, 0, ok.stderr);
    assert.match(ok.stdout, /reloaded counter \(version 2, \d+ ms, state carried over\)/);
    assert.equal(await version(up), 'v2');

    mods.writeCounter({ version: 'v3', keepState: true, inCreate: "throw new Error('not today');" });
    const bad = await runCli(home, ['plugin', 'reload', 'counter']);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /counter: .*not today/);
    assert.equal(await version(up), 'v2');

    const missing = await runCli(home, ['plugin', 'reload', 'nobody']);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /nobody/);
  });
});
