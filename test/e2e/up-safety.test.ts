/**
 * `infrakit-ts up` against a hostile home: files it creates are private (0700/0600), a link or FIFO at a
 * pid path is refused (never followed, never waited on), and a second `up` in a home that a live runtime
 * serves refuses before starting anything.
 */
import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import { chmodSync, lstatSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { postSocket, removeHome, runCli, tempHome, UpProcess, waitFor } from '../helpers/cli.js';

const IMPLEMENTS = '{"jsonrpc":"2.0","method":"Plugin.Implements","params":{},"id":1}';
const mode = (p: string): number => lstatSync(p).mode & 0o777;

describe('e2e: up in a hostile home', function () {
  this.timeout(180_000);
  let home: string;

  beforeEach(() => {
    home = tempHome();
  });
  afterEach(() => {
    removeHome(home);
  });

  it('refuses a symlink at <plugins>/group.pid: exit 1, the link target untouched, nothing bound', async () => {
    const plugins = join(home, 'plugins');
    mkdirSync(plugins, { mode: 0o700 });
    const victim = join(home, 'victim');
    writeFileSync(victim, 'precious\n');
    symlinkSync(victim, join(plugins, 'group.pid'));
    const r = await runCli(home, ['up'], { timeoutMs: 30_000 });
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /refusing .*group\.pid: it is a symbolic link/);
    assert.equal(readFileSync(victim, 'utf8'), 'precious\n');
    assert.deepEqual(readdirSync(plugins), ['group.pid'], 'a socket or pid file was left behind');
    assert.doesNotMatch(r.stderr, /plugin socket bound/);
    assert.ok(!readdirSync(home).includes('runtime.pid'), 'the home lock was not released');
  });

  it('refuses a FIFO at <plugins>/simulator.pid at once instead of hanging', async () => {
    const plugins = join(home, 'plugins');
    mkdirSync(plugins, { mode: 0o700 });
    execFileSync('mkfifo', [join(plugins, 'simulator.pid')]);
    // Today's code blocks forever opening the FIFO; the runCli deadline kills it (code null).
    const r = await runCli(home, ['up'], { timeoutMs: 45_000 });
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /refusing .*simulator\.pid: it is a FIFO/);
    assert.deepEqual(readdirSync(plugins), ['simulator.pid']);
    // plugin ls and plugin stop never open it either.
    const ls = await runCli(home, ['plugin', 'ls'], { timeoutMs: 45_000 });
    assert.equal(ls.code, 0, ls.stderr);
    const stop = await runCli(home, ['plugin', 'stop', 'simulator'], { timeoutMs: 45_000 });
    assert.equal(stop.code, 1);
    assert.match(stop.stderr, /it is a FIFO/);
  });

  // Three tests share one `up` (a process and its workers each): it starts in a home made 0755 first,
  // holding a stale runtime.pid (0644, so the 0600 check below sees the file `up` wrote in its place).
  describe('one up, in a 0755 home left a stale runtime.pid', () => {
    let shared: { home: string; up: UpProcess; dead: number } | undefined;
    const served = (): { home: string; up: UpProcess; dead: number } => {
      if (shared === undefined) throw new Error('up not started');
      return shared;
    };
    before(async function () {
      this.timeout(90_000);
      const home = tempHome();
      chmodSync(home, 0o755);
      // A pid that is certainly dead: a child that has exited.
      const dead = Number(execFileSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']).toString());
      writeFileSync(join(home, 'runtime.pid'), `${dead}\n`, { mode: 0o644 });
      shared = { home, up: new UpProcess(home, [], { INFRAKIT_GROUP_POLL_INTERVAL: '200ms' }), dead };
      await shared.up.ready();
    });
    after(async function () {
      this.timeout(90_000);
      await shared?.up.interrupt();
      if (shared !== undefined) removeHome(shared.home);
      shared = undefined;
    });

    it('takes over a stale runtime.pid (its process is gone)', () => {
      const { home, up, dead } = served();
      assert.notEqual(dead, up.proc.pid);
      assert.equal(readFileSync(join(home, 'runtime.pid'), 'utf8').trim(), String(up.proc.pid));
    });

    it('creates its directories 0700 and its files 0600, even in a 0755 home', async () => {
      const { home } = served();
      const spec = join(home, 'spec.json');
      writeFileSync(
        spec,
        JSON.stringify({
          ID: 'secret',
          Properties: {
            Allocation: { Size: 2 },
            Instance: { Plugin: 'file', Properties: { Token: 't0ken' } },
            Flavor: { Plugin: 'vanilla', Properties: {} },
          },
        }),
      );
      const commit = await runCli(home, ['group', 'commit', spec, '--wait', '--timeout', '30s']);
      assert.equal(commit.code, 0, commit.stderr);
      const instances = join(home, 'instances', 'file');
      await waitFor('two instance files', () => readdirSync(instances).filter((f) => !f.startsWith('.')).length === 2);

      const dirs = [join(home, 'plugins'), join(home, 'configs'), join(home, 'instances'), instances];
      for (const d of dirs) assert.equal(mode(d).toString(8), '700', d);
      const files = [
        join(home, 'runtime.pid'),
        join(home, 'configs', 'global.config'),
        join(home, 'plugins', 'group.pid'),
        ...readdirSync(instances).map((f) => join(instances, f)),
      ];
      for (const f of files) assert.equal(mode(f).toString(8), '600', f);
      for (const f of readdirSync(join(home, 'configs'))) assert.equal(mode(join(home, 'configs', f)).toString(8), '600', f);
    });

    // Last: it ends the shared `up`.
    it('a second up (or plugin start) in the same home exits 1 naming the pid; the first keeps serving', async () => {
      const { home, up } = served();
      const pid = up.proc.pid!;
      const before = readdirSync(up.pluginsDir).sort();
      const lock = readFileSync(join(home, 'runtime.pid'), 'utf8');
      assert.equal(lock.trim(), String(pid));

      for (const args of [['up'], ['plugin', 'start', 'simulator:other']]) {
        const r = await runCli(home, args, { timeoutMs: 45_000 });
        assert.equal(r.code, 1, r.stderr);
        assert.match(
          r.stderr,
          new RegExp(`a runtime \\(pid ${pid}\\) is already running in ${home.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`),
        );
        assert.doesNotMatch(r.stderr, /socket bound|plugin ready/i, 'the second runtime started something');
      }
      assert.deepEqual(readdirSync(up.pluginsDir).sort(), before);
      assert.equal(readFileSync(join(home, 'runtime.pid'), 'utf8'), lock);
      const res = await postSocket(up.socket('group'), IMPLEMENTS);
      assert.match(res.body, /"Interfaces":\[\{"Name":"Group"/);

      assert.equal(await up.interrupt(), 0, up.exitReport());
      assert.ok(!readdirSync(home).includes('runtime.pid'), 'runtime.pid left behind');
    });
  });
});
