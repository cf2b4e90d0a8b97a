/**
 * What the built CLI says and how it exits, as a user runs it: value errors in plain words, one
 * wording for a missing group in every verb, exit codes 2/1, `--wait` saying converged once, counts
 * in the singular, and `watch` showing heals and resizes. Tests that need a runtime share one `up`.
 */
import { strict as assert } from 'node:assert';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { CLI, cliEnv, removeHome, runCli, tempHome, waitFor } from '../helpers/cli.js';
import { useUpHome } from '../helpers/up-home.js';

const NOT_FOUND = "error: group 'nope' not found (infrakit-ts group ls lists the groups)\n";

function spec(id: string, allocation: unknown): string {
  return JSON.stringify({
    ID: id,
    Properties: {
      Allocation: allocation,
      Instance: { Plugin: 'simulator/compute', Properties: {} },
      Flavor: { Plugin: 'vanilla', Properties: {} },
    },
  });
}

describe('e2e: CLI words and exit codes', function () {
  this.timeout(300_000);
  /** This test's own temp dir (spec files; the home of tests with no runtime). */
  let home: string;
  /** The INFRAKIT_HOME the CLI runs against: `home`, or the shared `up`'s. */
  let at: string;
  let child: ChildProcess | undefined;
  let server: Server | undefined;
  const file = (name: string, text: string): string => {
    const f = join(home, name);
    writeFileSync(f, text);
    return f;
  };
  /** A background CLI command (watch, plugin start), its stdout collected. */
  const background = (args: readonly string[]): { out: () => string } => {
    let out = '';
    child = spawn(process.execPath, [CLI, ...args], { env: cliEnv(at), stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout?.setEncoding('utf8').on('data', (d: string) => (out += d));
    return { out: () => out };
  };

  beforeEach(() => {
    home = tempHome();
    at = home;
  });
  afterEach(async () => {
    if (child && child.exitCode === null) {
      const exited = new Promise((r) => child?.once('exit', r));
      child.kill('SIGINT');
      await exited;
    }
    child = undefined;
    await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
    server = undefined;
    removeHome(home);
  });

  it("usage mistakes exit 2 with commander's message; a runtime failure exits 1", async () => {
    const cases: [string[], RegExp][] = [
      [['--bogus'], /unknown option '--bogus'/],
      [['bogus'], /unknown command 'bogus'/],
      [['group', 'bogus'], /unknown command 'bogus'/],
      [['group', 'describe'], /missing required argument 'id'/],
      [['group', 'describe', 'x', '--nope'], /unknown option '--nope'/],
      [['plugin', 'start'], /name the plugins to start .*or an executable with --exec/],
      [['group', 'size', 'x', '-1'], /size must be a whole number ≥ 0, got '-1'/],
    ];
    for (const [args, re] of cases) {
      const r = await runCli(home, args);
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, re);
    }
    const help = await runCli(home, ['group', '--help']);
    assert.equal(help.code, 0);
    const failed = await runCli(home, ['group', 'ls']);
    assert.equal(failed.code, 1, 'no plugin running is a failure, not a mistake');
  });

  it("a plugin's Go texts are made plain: a Go-style Group plugin's unmarshal error and missing group", async () => {
    const dir = join(home, 'plugins');
    mkdirSync(dir, { recursive: true });
    server = createServer((req, res) => {
      let body = '';
      req.setEncoding('utf8').on('data', (d: string) => (body += d));
      req.on('end', () => {
        const { id, method } = JSON.parse(body) as { id: number; method: string };
        const message =
          method === 'Group.CommitGroup'
            ? 'Invalid properties: json: cannot unmarshal number into Go struct field AllocationMethod.Allocation.Size of type uint'
            : "Group 'nope' is not being watched";
        res.writeHead(200).end(`${JSON.stringify({ jsonrpc: '2.0', error: { code: -32000, message, data: null }, id })}\n`);
      });
    });
    await new Promise<void>((r) => server?.listen(join(dir, 'gogroup'), r));
    const commit = await runCli(home, ['group', 'commit', file('ok.json', spec('web', { Size: 2 })), '--plugin', 'gogroup']);
    assert.equal(commit.code, 1);
    assert.equal(commit.stderr, 'error: Allocation.Size must be a whole number ≥ 0, got a number (negative or fractional)\n');
    const describe = await runCli(home, ['group', 'describe', 'nope', '--plugin', 'gogroup']);
    assert.equal(describe.code, 1);
    assert.equal(describe.stderr, NOT_FOUND);
  });

  describe('against one running up', () => {
    const shared = useUpHome([], { INFRAKIT_GROUP_POLL_INTERVAL: '200ms' });
    beforeEach(() => {
      at = shared.home;
    });

    it('a value of the wrong type in a spec file: the file, the field and the value, nothing sent', async () => {
      const r = await runCli(at, ['group', 'commit', file('neg.json', spec('web', { Size: -1 }))]);
      assert.equal(r.code, 2, r.stderr);
      assert.equal(r.stderr, `error: ${join(home, 'neg.json')}: Allocation.Size must be a whole number ≥ 0, got -1\n`);
      const yml = file(
        'web.yml',
        'ID: web\nProperties:\n  Allocation: { LogicalIDs: a }\n  Instance: { Plugin: simulator/compute }\n  Flavor: { Plugin: vanilla }\n',
      );
      const r2 = await runCli(at, ['group', 'commit', yml]);
      assert.equal(r2.code, 2, r2.stderr);
      assert.equal(r2.stderr, `error: ${yml}: Allocation.LogicalIDs must be a list of strings, got "a"\n`);
      assert.match((await runCli(at, ['group', 'ls'])).stdout, /No groups/);
    });

    it('a missing group: one wording in every verb, exit 1, and in watch', async () => {
      const verbs = [
        ['describe'],
        ['size'],
        ['size', '3'],
        ['destroy'],
        ['free'],
        ['pause'],
        ['resume'],
        ['rollback'],
        ['destroy-instances', 'i-1'],
      ];
      for (const [verb = '', ...rest] of verbs) {
        const r = await runCli(at, ['group', verb, 'nope', ...rest]);
        assert.equal(r.code, 1, `group ${verb}: ${r.stderr}`);
        assert.equal(r.stderr, NOT_FOUND, `group ${verb}`);
      }
      const w = background(['watch', 'nope', '--interval', '1h']);
      await waitFor(
        'watch to say the group is not found',
        () => /! nope error \(group 'nope' not found \(infrakit-ts group ls lists the groups\)\)/.test(w.out()),
        15_000,
      );
    });

    it('watch shows an instance lost and replaced, and a resize', async () => {
      assert.equal(
        (await runCli(at, ['group', 'commit', file('w.json', spec('workers', { Size: 3 })), '--wait', '--timeout', '60s'])).code,
        0,
      );
      const w = background(['watch', 'workers', '--interval', '1h']);
      await waitFor('the first look', () => /\* workers converged \(3\/3 instances\)/.test(w.out()), 15_000);
      const ids = (await runCli(at, ['instance', 'describe', 'simulator/compute', '--tags', 'infrakit.group=workers', '-q'])).stdout
        .trim()
        .split('\n');
      const victim = ids[0] ?? '';
      assert.equal((await runCli(at, ['instance', 'destroy', 'simulator/compute', victim])).code, 0);
      const lostLine = new RegExp(`^\\S+ - workers removed ${victim} \\(vanished or unhealthy; the group replaces it\\)$`, 'm');
      const replacedLine = new RegExp(`^\\S+ \\+ workers added \\S+ \\(config [0-9a-z]{8}, replaces ${victim}\\)$`, 'm');
      await waitFor('the loss and the replacement', () => lostLine.test(w.out()) && replacedLine.test(w.out()), 30_000);

      assert.equal((await runCli(at, ['group', 'size', 'workers', '1'])).code, 0);
      await waitFor('the resize', () => /^\S+ \* workers resized \(3 → 1 instance\)$/m.test(w.out()), 30_000);
      await waitFor(
        'two instances removed',
        () =>
          w
            .out()
            .split('\n')
            .filter((l) => /- workers removed \d+$/.test(l)).length === 2,
        30_000,
      );
      assert.doesNotMatch(w.out(), /committed/, 'a resize keeps the config: it is not shown as a commit');
    });

    // Last: it ends the shared `up`.
    it('--wait says converged once; one instance and one plugin are singular', async () => {
      const r = await runCli(at, ['group', 'commit', file('one.json', spec('one', { Size: 1 })), '--wait', '--timeout', '60s']);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(`${r.stdout}${r.stderr}`.split('\n').filter((l) => /converged/.test(l)).length, 1, `${r.stdout}${r.stderr}`);
      assert.match(r.stdout, /^Group one: 1\/1 instance, converged$/m);
      assert.equal((await runCli(at, ['group', 'size', 'one'])).stdout.trim(), 'Group one at 1 instance');
      assert.equal((await runCli(at, ['group', 'destroy', 'one'])).code, 0);
      await shared.up.interrupt();

      const p = background(['plugin', 'start', 'simulator']);
      await waitFor('plugin start to be up', () => /is up/.test(p.out()), 30_000);
      assert.match(p.out(), /infrakit-ts is up \(pid \d+\): 1 plugin in /);
    });
  });
});
