/**
 * External plugins under the supervisor, with real parts: the Python Instance plugin of
 * examples/external-python (a real process speaking InfraKit's wire on a real unix socket), started,
 * called, killed with -9, frozen with SIGSTOP (so only the periodic probe can tell), given up after
 * its restart intensity, and stopped with nothing left behind.
 */
import { strict as assert } from 'node:assert';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { startHost, type Host } from '../../sockets/serve.js';
import { handshakeProbe } from '../../sockets/external-probe.js';
import { Runtime, type ExternalDeclaration, type RuntimeEvents } from '../../runtime/index.js';
import { readExternalStatuses } from '../../runtime/external-status.js';
import { removeHome, tempHome } from '../helpers/cli.js';
import { waitFor } from '../helpers/wait.js';
import { groupAlive } from '../fixtures/process-helpers.js';

const PLUGIN = fileURLToPath(new URL('../../../examples/external-python/instance_plugin.py', import.meta.url));

function py(name: string, extra: Partial<ExternalDeclaration> = {}, args: string[] = []): ExternalDeclaration {
  return { name, exec: ['python3', PLUGIN, '--name', name, ...args], ...extra };
}

/** Log records written by the runtime's logger. */
function memoryLogger(): { logger: pino.Logger; records: Record<string, unknown>[] } {
  const records: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, cb) {
      for (const line of chunk.toString('utf8').split('\n'))
        if (line.trim() !== '') records.push(JSON.parse(line) as Record<string, unknown>);
      cb();
    },
  });
  return { logger: pino({ level: 'info' }, stream), records };
}

function nextEvent<E extends keyof RuntimeEvents>(rt: Runtime, event: E): Promise<Parameters<RuntimeEvents[E]>[0]> {
  return new Promise((resolve) => rt.once(event, (e: Parameters<RuntimeEvents[E]>[0]) => resolve(e)));
}

describe('runtime: external plugins (a real Python plugin)', function () {
  this.timeout(120_000);
  let home: string;
  let host: Host | undefined;
  const pgids = new Set<number>();

  beforeEach(() => {
    home = tempHome();
  });
  afterEach(async () => {
    await host?.stop();
    host = undefined;
    // Nothing of ours may outlive a test, whatever it asserted.
    for (const g of pgids) if (groupAlive(g)) process.kill(-g, 'SIGKILL');
    pgids.clear();
    removeHome(home);
  });

  const plugins = (): string => join(home, 'plugins');
  const pidOf = (rt: Runtime, name: string): number => {
    const pid = rt.externalInfo(name)?.pid;
    assert.ok(pid !== undefined, `${name} has a pid`);
    pgids.add(pid);
    return pid;
  };

  it('starts it with INFRAKIT_HOME and INFRAKIT_PLUGINS_DIR, waits for its handshake, and actors reach it through its socket', async () => {
    const { logger, records } = memoryLogger();
    host = await startHost({ home, logger, actors: [], externals: [py('pyinst')] });
    const rt = host.runtime;
    const info = rt.externalInfo('pyinst');
    assert.equal(info?.status, 'running');
    assert.deepEqual(info?.interfaces, ['Instance/0.6.1']);
    assert.deepEqual(info?.socketPaths, [join(plugins(), 'pyinst')]);
    const pid = pidOf(rt, 'pyinst');
    // It bound where INFRAKIT_PLUGINS_DIR told it; the pid file beside its socket names it.
    assert.ok(existsSync(join(plugins(), 'pyinst')));
    assert.equal(readdirSync(plugins()).includes('pyinst.pid'), true);
    const { ID } = await rt.call<{ ID: string }>('pyinst', 'Instance.Provision', { Type: '', Spec: { Tags: { 'infrakit.group': 'g' } } });
    const listed = await rt.call<{ Descriptions: { ID: string }[] }>('pyinst', 'Instance.DescribeInstances', {
      Tags: { 'infrakit.group': 'g' },
    });
    assert.deepEqual(
      listed.Descriptions.map((d) => d.ID),
      [ID],
    );
    // Its stdout and stderr join the runtime's log, tagged with its name.
    await waitFor('its stdout line in the log', () =>
      records.some((r) => r['actor'] === 'pyinst' && r['stream'] === 'stdout' && r['msg'] === `provisioned ${ID}`),
    );
    assert.ok(records.some((r) => r['actor'] === 'pyinst' && r['stream'] === 'stderr' && String(r['msg']).includes(`pid ${pid}`)));
    // plugin ls (another process) reads its state from the status file.
    const [status] = await readExternalStatuses(plugins());
    assert.deepEqual(
      { name: status?.name, status: status?.status, pid: status?.pid, restarts: status?.restarts, supervisor: status?.supervisor },
      { name: 'pyinst', status: 'running', pid, restarts: 0, supervisor: process.pid },
    );
  });

  it('restarts it when it is killed with -9, with a new pid, and the restart counted', async () => {
    host = await startHost({ home, logLevel: 'silent', actors: [], externals: [py('pyinst')] });
    const rt = host.runtime;
    const first = pidOf(rt, 'pyinst');
    const restarted = nextEvent(rt, 'external:restarted');
    const started = nextEvent(rt, 'external:started');
    const exited = nextEvent(rt, 'external:exited');
    process.kill(first, 'SIGKILL');
    assert.equal((await exited).signal, 'SIGKILL');
    assert.equal((await restarted).attempt, 1);
    const again = await started;
    assert.notEqual(again.pid, first);
    pgids.add(again.pid);
    assert.equal(again.restarts, 1);
    assert.deepEqual(
      { status: rt.externalInfo('pyinst')?.status, restarts: rt.externalInfo('pyinst')?.restarts },
      { status: 'running', restarts: 1 },
    );
    // It answers again on the same socket name.
    const r = await rt.call<{ OK: boolean }>('pyinst', 'Instance.Validate', { Properties: {} });
    assert.equal(r.OK, true);
    await waitFor('the status file to say 1 restart', async () => (await readExternalStatuses(plugins()))[0]?.restarts === 1);
  });

  it('restarts it when it stops answering its probe (SIGSTOP): TERM does not reach a stopped process, KILL does', async () => {
    host = await startHost({
      home,
      logLevel: 'silent',
      actors: [],
      externals: [py('pyinst', { probeIntervalMs: 200, probeTimeoutMs: 1000, probeFailures: 2, stopTimeoutMs: 500 })],
    });
    const rt = host.runtime;
    const first = pidOf(rt, 'pyinst');
    const started = nextEvent(rt, 'external:started');
    process.kill(first, 'SIGSTOP');
    const again = await started;
    pgids.add(again.pid);
    assert.notEqual(again.pid, first);
    await waitFor('the frozen process to be gone', () => !groupAlive(first));
  });

  it('gives it up after its restart intensity; calls to its socket then answer IK_ACTOR_FAILED', async () => {
    host = await startHost({
      home,
      logLevel: 'silent',
      actors: [],
      externals: [py('pyinst', { restart: { maxRestarts: 1, withinMs: 3_600_000 } })],
    });
    const rt = host.runtime;
    const failed = nextEvent(rt, 'external:failed');
    const started = nextEvent(rt, 'external:started');
    process.kill(pidOf(rt, 'pyinst'), 'SIGKILL');
    const second = await started;
    pgids.add(second.pid);
    process.kill(second.pid, 'SIGKILL');
    const why = await failed;
    assert.match(why.reason, /killed by SIGKILL/);
    assert.equal(rt.externalInfo('pyinst')?.status, 'failed');
    await assert.rejects(rt.call('pyinst', 'Instance.Validate', {}), (e: { code?: string }) => e.code === 'IK_ACTOR_FAILED');
    await waitFor('the status file to say failed', async () => (await readExternalStatuses(plugins()))[0]?.status === 'failed');
  });

  it('stop: TERM to its process group, and the socket, pid file and status file it left behind removed', async () => {
    host = await startHost({ home, logLevel: 'silent', actors: [], externals: [py('pyinst', {}, ['--leave-socket'])] });
    const pid = pidOf(host.runtime, 'pyinst');
    await host.stop();
    assert.equal(groupAlive(pid), false);
    assert.deepEqual(readdirSync(plugins()), []);
  });

  it('a plugin that cannot start fails the start with its reason, and leaves nothing running', async () => {
    await assert.rejects(
      startHost({ home, logLevel: 'silent', actors: [], externals: [{ name: 'nope', exec: ['no-such-program-for-infrakit-tests'] }] }),
      (e: Error & { code?: string }) =>
        e.code === 'IK_ACTOR_START_FAILED' && /could not run no-such-program-for-infrakit-tests/.test(e.message),
    );
    await assert.rejects(
      startHost({
        home,
        logLevel: 'silent',
        actors: [],
        externals: [{ name: 'quits', exec: ['python3', '-c', 'import sys; sys.stderr.write("no cloud credentials\\n"); sys.exit(3)'] }],
      }),
      (e: Error) => /exited with code 3 before answering/.test(e.message) && /no cloud credentials/.test(e.message),
    );
    assert.deepEqual(
      readdirSync(plugins()).filter((f) => f !== 'runtime.pid'),
      [],
    );
  });

  it('refuses a bad declaration, and a name or socket another plugin takes, before starting anything', async () => {
    const rt = new Runtime({ home, logLevel: 'silent', externalProbe: handshakeProbe });
    try {
      const cases: [ExternalDeclaration, RegExp][] = [
        [{ name: 'a/b', exec: ['x'] }, /plugin name/],
        [{ name: 'a', exec: [] }, /exec must be a non-empty list/],
        [{ name: 'a', exec: Array.from({ length: 300 }, () => 'x') }, /300 words, over the limit of 256/],
        [{ name: 'a', exec: ['x'], sockets: ['s', 's'] }, /listed twice/],
        [{ name: 'a', exec: ['x'], probeIntervalMs: -1 }, /probeIntervalMs/],
      ];
      for (const [decl, re] of cases) await assert.rejects(rt.addExternal(decl), re);
      await rt.add({ name: 'taken', module: 'vanilla' });
      await assert.rejects(rt.addExternal({ name: 'other', exec: ['x'], sockets: ['taken'] }), /'taken' is already declared/);
      assert.deepEqual(rt.externals(), []);
    } finally {
      await rt.stop();
    }
  });
});
