/**
 * `infrakit-ts up` as a user runs it: plugins listed, the seed's curl examples answered, and
 * Ctrl-C leaves no socket or pid file behind. The default-set tests share one `up` (which also shows
 * the JSON log lines); the last ends it.
 */
import { strict as assert } from 'node:assert';
import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { CLI, cliEnv, postSocket, removeHome, runCli, tempHome, UpProcess, waitFor } from '../helpers/cli.js';
import { useUpHome } from '../helpers/up-home.js';

describe('e2e: infrakit-ts up', function () {
  this.timeout(180_000);
  let home: string;
  let up: UpProcess | undefined;

  beforeEach(() => {
    home = tempHome();
  });
  afterEach(async () => {
    await up?.interrupt();
    up = undefined;
    removeHome(home);
  });

  describe('the default set, one up (with --log-format json)', () => {
    const shared = useUpHome(['--log-format', 'json']);

    it('hosts the default set, lists it, and answers the seed examples', async () => {
      const { home, up } = shared;
      for (const name of ['group', 'simulator', 'file', 'process', 'vanilla', 'combo'])
        assert.ok(up.hasSocket(name), `no socket for ${name}`);

      const ls = await runCli(home, ['plugin', 'ls']);
      assert.equal(ls.code, 0, ls.stderr);
      assert.match(ls.stdout, /^INTERFACE\s+NAME\s+LISTEN/m);
      assert.match(ls.stdout, /Group\/0\.1\.1\s+group\s/);
      assert.match(ls.stdout, /Instance\/0\.6\.1\s+simulator\/compute\s/);
      assert.match(ls.stdout, /Flavor\/0\.1\.1\s+vanilla\s/);

      const lsJson = JSON.parse((await runCli(home, ['plugin', 'ls', '-o', 'json'])).stdout) as { name: string; reachable: boolean }[];
      assert.deepEqual(lsJson.map((p) => p.name).sort(), ['combo', 'file', 'group', 'process', 'simulator', 'vanilla']);
      assert.ok(lsJson.every((p) => p.reachable));

      const group = up.socket('group');
      assert.equal(
        (await postSocket(group, '{"jsonrpc":"2.0","method":"Group.InspectGroups","params":{},"id":1}')).body,
        '{"jsonrpc":"2.0","result":{"Groups":null},"id":1}\n',
      );
      assert.equal(
        (await postSocket(group, '{"jsonrpc":"2.0","method":"Group.CommitGroup","params":{},"id":1}')).body,
        '{"jsonrpc":"2.0","error":{"code":-32000,"message":"Group ID must not be blank","data":null},"id":1}\n',
      );
      const impl = JSON.parse((await postSocket(group, '{"jsonrpc":"2.0","method":"Plugin.Implements","params":{},"id":1}')).body);
      assert.deepEqual(impl.result.Interfaces, [{ Name: 'Group', Version: '0.1.0' }]);
    });

    it('refuses a second up on the same home, or on the same plugins dir from another home, and leaves the first serving', async () => {
      const { home, up } = shared;
      const second = new UpProcess(home);
      const code = await second.exited;
      assert.notEqual(code, 0);
      assert.match(second.stderr, /is already running in/);
      const otherHome = tempHome();
      try {
        const third = await runCli(otherHome, ['--plugins-dir', up.pluginsDir, 'up']);
        assert.notEqual(third.code, 0);
        assert.match(third.stderr, /live process already serves/);
      } finally {
        removeHome(otherHome);
      }
      const ls = await runCli(home, ['plugin', 'ls', '-o', 'json']);
      assert.ok((JSON.parse(ls.stdout) as { reachable: boolean }[]).every((p) => p.reachable));
    });

    it('logs JSON lines with --log-format json (workers too)', () => {
      const { up } = shared;
      // Whole lines only: this up has served other tests and may be writing one right now.
      const lines = up.stderr
        .split('\n')
        .slice(0, -1)
        .filter((l) => l.startsWith('{'));
      assert.ok(lines.some((l) => (JSON.parse(l) as { msg?: string; actor?: string }).msg === 'plugin socket bound'));
      assert.ok(lines.some((l) => (JSON.parse(l) as { msg?: string }).msg === 'process plugin ready'));
    });

    // Last: it ends the shared `up`.
    it('leaves nothing on Ctrl-C', async () => {
      const { home, up } = shared;
      assert.equal(await up.interrupt(), 0, up.exitReport());
      assert.deepEqual(readdirSync(join(home, 'plugins')), [], 'sockets or pid files left behind');
    });
  });

  it('hosts the actors a config file names, two simulators with separate state', async () => {
    const cfg = join(home, 'up.yml');
    writeFileSync(cfg, 'actors:\n  - { name: sim-a, plugin: simulator }\n  - { name: sim-b, plugin: simulator }\n');
    up = new UpProcess(home, ['--config', cfg]);
    await up.ready();
    const spec = join(home, 'spec.json');
    writeFileSync(spec, JSON.stringify({ Tags: { app: 'demo' }, Properties: { note: 'x' } }));
    const p = await runCli(home, ['instance', 'provision', 'sim-a/compute', spec]);
    assert.equal(p.code, 0, p.stderr);
    const a = JSON.parse((await runCli(home, ['instance', 'describe', 'sim-a/compute', '-o', 'json'])).stdout) as unknown[];
    const b = JSON.parse((await runCli(home, ['instance', 'describe', 'sim-b/compute', '-o', 'json'])).stdout) as unknown[];
    assert.equal(a.length, 1);
    assert.equal(b.length, 0);
  });

  // JSON lines (--log-format json) are checked on the shared up above.
  it('logs readable lines with --log-format term (workers too)', async () => {
    up = new UpProcess(home, ['--log-format', 'term']);
    await up.ready();
    assert.match(up.stderr, /^\[\d\d:\d\d:\d\d\.\d{3}\] INFO: group: plugin socket bound/m);
    assert.match(up.stderr, /INFO: process: process plugin ready/, 'a worker thread logs the same way');
    assert.doesNotMatch(up.stderr, /"level":/);
    assert.equal(await up.interrupt(), 0, up.exitReport());
  });

  it('plugin start hosts just the named plugins (kind and kind:name), and Ctrl-C removes them', async () => {
    const p = spawn(process.execPath, [CLI, 'plugin', 'start', 'simulator:sim-x', 'vanilla'], {
      env: cliEnv(home),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    p.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    const exited = new Promise<number | null>((r) => p.on('exit', (code) => r(code)));
    try {
      await waitFor('plugin start to be up', () => /is up/.test(out), 30_000);
      const ls = JSON.parse((await runCli(home, ['plugin', 'ls', '-o', 'json'])).stdout) as { name: string }[];
      assert.deepEqual(ls.map((x) => x.name).sort(), ['sim-x', 'vanilla']);
    } finally {
      p.kill('SIGINT');
    }
    assert.equal(await exited, 0);
    assert.deepEqual(readdirSync(join(home, 'plugins')), []);
  });

  it('explains a bad spec file with a non-zero exit', async () => {
    const bad = join(home, 'bad.yml');
    writeFileSync(bad, 'ID: workers\nProperties: [1, 2\n');
    const r = await runCli(home, ['group', 'commit', bad]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /bad\.yml: not valid YAML/);
    const missing = await runCli(home, ['group', 'commit', join(home, 'nope.yml')]);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /nope\.yml: no such file/);
    const noId = join(home, 'noid.json');
    writeFileSync(noId, '{"Properties":{}}');
    const r2 = await runCli(home, ['group', 'commit', noId]);
    assert.equal(r2.code, 2);
    assert.match(r2.stderr, /missing ID/);
  });

  it('says what to do when no plugin is running', async () => {
    const r = await runCli(home, ['group', 'ls']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /is the plugin running\?/);
  });
});
