/**
 * `infrakit-ts watch` learns of changes from the group socket's `GET /events`: with a polling interval
 * of an hour, every line after the first look can only come from events. A plugin without `/events`
 * (a Go plugin answers 404) is polled instead; a restarted `up` is followed after a reconnect. The
 * first three tests share one `up` (the third restarts it).
 */
import { strict as assert } from 'node:assert';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CLI, cliEnv, removeHome, runCli, tempHome, UpProcess, waitFor } from '../helpers/cli.js';
import { useUpHome } from '../helpers/up-home.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const CATTLE = join(ROOT, 'examples/cattle/group.yml');
const FAST = { INFRAKIT_GROUP_POLL_INTERVAL: '100ms' };

class Watch {
  readonly proc: ChildProcess;
  out = '';
  err = '';
  constructor(home: string, args: readonly string[]) {
    this.proc = spawn(process.execPath, [CLI, ...args], { env: cliEnv(home), stdio: ['ignore', 'pipe', 'pipe'] });
    this.proc.stdout?.setEncoding('utf8').on('data', (d: string) => (this.out += d));
    this.proc.stderr?.setEncoding('utf8').on('data', (d: string) => (this.err += d));
  }
  lines(re: RegExp): string[] {
    return this.out.split('\n').filter((l) => re.test(l));
  }
  async stop(): Promise<number | null> {
    if (this.proc.exitCode !== null) return this.proc.exitCode;
    const exited = new Promise<number | null>((r) => this.proc.once('exit', (code) => r(code)));
    this.proc.kill('SIGINT');
    const t = setTimeout(() => this.proc.kill('SIGKILL'), 5000);
    const code = await exited;
    clearTimeout(t);
    return code;
  }
}

describe('e2e: watch over events', function () {
  this.timeout(240_000);
  let home: string;
  let up: UpProcess | undefined;
  let watch: Watch | undefined;
  let server: Server | undefined;

  beforeEach(() => {
    home = tempHome();
  });
  afterEach(async () => {
    await watch?.stop();
    watch = undefined;
    await up?.interrupt();
    up = undefined;
    await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
    server = undefined;
    removeHome(home);
  });

  describe('against one running up', () => {
    const shared = useUpHome([], FAST);

    it('prints commits, instances added and removed, convergence and a destroy as they happen', async () => {
      const home = shared.home;
      watch = new Watch(home, ['watch', 'workers', '--interval', '1h']);
      const w = watch;
      await waitFor('the first look', () => /workers error .*not found/.test(w.out), 15_000);

      assert.equal((await runCli(home, ['group', 'commit', CATTLE])).code, 0);
      await waitFor(
        'five instances and convergence',
        () => w.lines(/\+ workers added/).length === 5 && /\* workers converged \(5\/5 instances\)/.test(w.out),
        30_000,
      );
      assert.match(w.out, /^\d\d:\d\d:\d\d \* workers committed \(config [0-9a-z]{8}\)$/m);
      assert.match(w.out, /^\d\d:\d\d:\d\d \+ workers added \S+ \(config [0-9a-z]{8}\)$/m);

      assert.equal((await runCli(home, ['group', 'size', 'workers', '3'])).code, 0);
      await waitFor('two instances removed', () => w.lines(/- workers removed/).length === 2, 30_000);

      assert.equal((await runCli(home, ['group', 'destroy', 'workers'])).code, 0);
      await waitFor('the destroy', () => /- workers destroyed \(3 instances destroyed\)/.test(w.out), 30_000);
      assert.equal(w.lines(/- workers removed/).length, 5);
      assert.equal(await w.stop(), 0);
    });

    it('-o json: one change a line, and a rolling update as rollout lines', async () => {
      const home = shared.home;
      assert.equal((await runCli(home, ['group', 'commit', CATTLE, '--wait'])).code, 0);
      watch = new Watch(home, ['watch', 'workers', '--interval', '1h', '-o', 'json']);
      const w = watch;
      await waitFor('the initial picture', () => /"converged"/.test(w.out), 15_000);
      assert.equal((await runCli(home, ['group', 'commit', join(ROOT, 'examples/cattle/group-v2.yml')])).code, 0);
      await waitFor('the rollout to finish', () => w.out.split('\n').filter((l) => l.includes('"converged"')).length >= 2, 60_000);
      const changes = w.out
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as { type: string; group: string; detail?: string });
      assert.ok(changes.every((c) => c.group === 'workers'));
      const types = changes.map((c) => c.type);
      assert.equal(types.filter((t) => t === 'added').length, 10, 'five at first, five on the new config');
      assert.equal(types.filter((t) => t === 'removed').length, 5);
      assert.ok(types.includes('committed'));
      assert.ok(
        changes.some((c) => c.type === 'rollout' && /rolling \d\/5/.test(c.detail ?? '')),
        JSON.stringify(changes),
      );
    });

    // Last: it ends the shared `up`, and starts another on the same home.
    it('reconnects when up is restarted, and shows what changed meanwhile', async () => {
      const home = shared.home;
      assert.equal((await runCli(home, ['group', 'commit', CATTLE, '--wait'])).code, 0);
      watch = new Watch(home, ['watch', 'workers', '--interval', '100ms']);
      const w = watch;
      await waitFor('the initial picture', () => /workers converged/.test(w.out), 15_000);
      await shared.up.interrupt();
      await waitFor('the lost stream', () => /lost the event stream of 'group'; reconnecting/.test(w.out), 15_000);
      up = new UpProcess(home, [], FAST);
      await up.ready();
      // The simulator's instances lived in the old process: the restarted group provisions five new ones.
      await waitFor('the new instances', () => w.lines(/\+ workers added/).length === 10, 30_000);
    });
  });

  it('falls back to polling a plugin that serves no /events (as a Go plugin, 404)', async () => {
    const dir = join(home, 'plugins');
    mkdirSync(dir, { recursive: true });
    let instances: { ID: string; Tags: Record<string, string> }[] = [];
    let eventsAsked = 0;
    server = createServer((req, res) => {
      if (req.url?.startsWith('/events')) {
        eventsAsked++;
        res.writeHead(404, { 'Content-Type': 'text/plain' }).end('404 page not found\n');
        return;
      }
      let body = '';
      req.setEncoding('utf8').on('data', (d: string) => (body += d));
      req.on('end', () => {
        const { id } = JSON.parse(body) as { id: number };
        const result = { Description: { Instances: instances, Converged: instances.length === 2 } };
        res.writeHead(200).end(`${JSON.stringify({ jsonrpc: '2.0', result, id })}\n`);
      });
    });
    await new Promise<void>((r) => server?.listen(join(dir, 'gogroup'), r));
    watch = new Watch(home, ['watch', 'workers', '--plugin', 'gogroup', '--interval', '100ms']);
    const w = watch;
    await waitFor('the first look', () => /workers converging \(0 instances\)/.test(w.out), 15_000);
    instances = [
      { ID: 'i-1', Tags: { 'infrakit.config.hash': 'abcdef1234567890' } },
      { ID: 'i-2', Tags: {} },
    ];
    await waitFor(
      'the polled changes',
      () => /\+ workers added i-1 \(config abcdef12\)/.test(w.out) && /workers converged/.test(w.out),
      15_000,
    );
    instances = instances.slice(1);
    await waitFor('the removal', () => /- workers removed i-1/.test(w.out), 15_000);
    assert.equal(eventsAsked, 1, 'asked for /events once, then polled');
  });
});
