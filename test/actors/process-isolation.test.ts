/**
 * The process plugin under issue #12: an instance is its whole process group (the leader may exit
 * first), Destroy ends the group, logs are capped and leave with their instance, files are private.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ProcessInstancePlugin, type ProcessPluginOptions } from '../../actors/process/process-plugin.js';
import { isInstanceAlive, processStartTime } from '../../actors/process/proc-identity.js';
import type { InstanceRecord } from '../../actors/process/state-store.js';
import { isAlive, pidsWithArg, silentLog, sweep, tempHome } from '../fixtures/process-helpers.js';
import { waitFor } from '../helpers/wait.js';

/** A sleep duration no other test (or engineer) uses, to find our strays with /proc cmdlines. */
let seq = 0;
const marker = (): string => `${77000 + (process.pid % 900)}.${Date.now() % 100000}${seq++}`;
const mode = (path: string): number => statSync(path).mode & 0o777;

describe('process plugin: process groups, destroy, log caps, file modes', function () {
  this.timeout(30_000);
  let home: string;
  const markers: string[] = [];
  const extraPids: number[] = [];
  const plugins: ProcessInstancePlugin[] = [];

  beforeEach(() => {
    home = tempHome();
  });
  afterEach(() => {
    for (const p of plugins.splice(0)) p.stop();
    const strays = markers.splice(0).flatMap((m) => pidsWithArg(m));
    sweep(home, [...extraPids.splice(0), ...strays]);
  });

  const make = (options: ProcessPluginOptions = {}) => {
    const p = new ProcessInstancePlugin({ name: 'procs', home, options, log: silentLog });
    plugins.push(p);
    return p;
  };
  const dirOf = () => join(home, 'process', 'procs');
  const record = (id: string): InstanceRecord => JSON.parse(readFileSync(join(dirOf(), `${id}.json`), 'utf8')) as InstanceRecord;
  const ids = async (p: ProcessInstancePlugin) => ((await p.describeInstances({})).Descriptions ?? []).map((d) => d.ID);

  describe('an instance lives as long as any process of its group', () => {
    it('`sleep & exit 0`: Describe keeps showing it after the leader exited; Destroy kills the orphan and answers once it is gone', async () => {
      const m = marker();
      markers.push(m);
      const p = make({ gracePeriodMs: 5000 });
      const id = (await p.provision({ Spec: { Init: `sleep ${m} &\nexit 0`, Tags: { g: 'x' } } })).ID as string;
      const leader = record(id).Process.PID;
      await waitFor('the leader to exit', () => !isAlive(leader));
      // The forked child may not have exec'd `sleep` yet when the leader is gone (a busy machine): wait
      // for it to show, then hold that it is the one process left and lives on.
      await waitFor('the background sleep to show', () => pidsWithArg(m).length >= 1);
      assert.equal(pidsWithArg(m).length, 1, 'the background sleep lives on');

      assert.deepEqual(await ids(p), [id]);
      assert.deepEqual(
        ((await p.describeInstances({ Tags: { g: 'x' } })).Descriptions ?? []).map((d) => d.ID),
        [id],
      );
      await p.label({ Instance: id, Labels: { k: 'v' } });
      assert.equal(record(id).Tags['k'], 'v');

      assert.deepEqual(await p.destroy({ Instance: id, Context: { Reason: 'terminate' } }), { Type: '', OK: true });
      assert.deepEqual(pidsWithArg(m), [], 'Destroy answered only after the whole group was gone');
      assert.equal((await p.describeInstances({})).Descriptions, null);
      assert.equal(existsSync(join(dirOf(), `${id}.json`)), false);
    });

    it('Destroy escalates to SIGKILL on the group when an orphan ignores SIGTERM', async () => {
      const m = marker();
      markers.push(m);
      const p = make();
      const id = (await p.provision({ Spec: { Init: `sh -c "trap '' TERM; sleep ${m}" &\nexit 0`, Properties: { GracePeriodMs: 300 } } }))
        .ID as string;
      await waitFor('the orphan to start', () => pidsWithArg(`sleep ${m}`).length >= 1);
      await waitFor('the leader to exit', () => !isAlive(record(id).Process.PID));
      await p.destroy({ Instance: id });
      assert.deepEqual(pidsWithArg(m), []);
    });

    it('survives a restart: a new plugin object finds the leaderless group and can destroy it', async () => {
      const m = marker();
      markers.push(m);
      const p1 = make();
      const id = (await p1.provision({ Spec: { Init: `sleep ${m} &\nexit 0` } })).ID as string;
      await waitFor('the leader to exit', () => !isAlive(record(id).Process.PID));
      p1.stop();
      const p2 = make();
      assert.deepEqual(await p2.recover(), { live: [id], gone: [] });
      assert.deepEqual(await ids(p2), [id]);
      await p2.destroy({ Instance: id });
      assert.deepEqual(pidsWithArg(m), []);
    });

    it("a reused pgid is not the instance: another instance's group, or a group younger than the record, is never signalled", async () => {
      const m = marker();
      // A leaderless group started for another instance (as if our pgid had been handed on).
      const other = spawn('/bin/sh', ['-c', `sleep ${m} &\nexit 0`], {
        detached: true,
        stdio: 'ignore',
        env: { ...process.env, INFRAKIT_INSTANCE_ID: 'proc-someone-else', INFRAKIT_HOME: home },
      });
      const pgid = other.pid as number;
      markers.push(m);
      await waitFor('the foreign leader to exit and be reaped', () => pidsWithArg(m).length === 1 && !existsSync(`/proc/${pgid}`));
      const orphan = pidsWithArg(m)[0] as number;
      const fake = (id: string, startTime: string): InstanceRecord => ({
        ID: id,
        LogicalID: null,
        Tags: {},
        Spec: { Init: 'sleep 1' },
        Process: {
          PID: pgid,
          StartTime: startTime,
          StartedAt: new Date().toISOString(),
          Log: join(home, 'outside.log'),
          Shell: '/bin/sh',
          Cwd: '/',
          Port: null,
        },
      });
      const p = make();
      // Same pgid and an older start time, but its members were started for another instance.
      assert.equal(isInstanceAlive({ pgid, startTime: '1', instanceId: 'proc-fake-1' }), false);
      assert.equal(isInstanceAlive({ pgid, startTime: '1', instanceId: 'proc-someone-else' }), true);
      // The right instance ID, but the members are older than the record's leader.
      const later = String(BigInt(processStartTime(orphan) ?? '0') + 1000n);
      assert.equal(isInstanceAlive({ pgid, startTime: later, instanceId: 'proc-someone-else' }), false);

      writeFileSync(join(home, 'outside.log'), 'not ours\n');
      await p.store.write(fake('proc-fake-1', '1'));
      await p.destroy({ Instance: 'proc-fake-1' });
      await p.store.write(fake('proc-fake-2', '1'));
      assert.equal((await p.describeInstances({})).Descriptions, null);
      assert.ok(isAlive(orphan), 'the foreign group was not signalled');
      assert.equal(readFileSync(join(home, 'outside.log'), 'utf8'), 'not ours\n', 'a log path read from a state file is never removed');
    });
  });

  describe('logs', () => {
    it('are capped while the process runs (one rotation to .1), keep receiving output, and go with Destroy', async () => {
      const p = make({ logMaxBytes: 64 * 1024, logCheckMs: 50 });
      const go = join(home, 'go');
      const init = `head -c 600000 /dev/zero | tr '\\0' a\necho\nwhile [ ! -e ${go} ]; do sleep 0.05; done\necho second-burst\nexec sleep 300`;
      const id = (await p.provision({ Spec: { Init: init } })).ID as string;
      const log = join(dirOf(), 'logs', `${id}.log`);
      await waitFor('the rotation', () => existsSync(`${log}.1`) && statSync(log).size <= 64 * 1024);
      assert.ok(statSync(`${log}.1`).size <= 64 * 1024, `.1 is ${statSync(`${log}.1`).size} bytes`);
      assert.equal(mode(`${log}.1`), 0o600);
      writeFileSync(go, '');
      await waitFor('output after the rotation', () => readFileSync(log, 'utf8').includes('second-burst'));
      // O_APPEND: the child writes at the new end of the truncated file, not at its old offset.
      assert.ok(statSync(log).size < 64 * 1024, `log is ${statSync(log).size} bytes after the truncate`);

      await p.destroy({ Instance: id });
      assert.equal(existsSync(log), false);
      assert.equal(existsSync(`${log}.1`), false);
    });

    it('of an instance found dead are removed with its state', async () => {
      const p = make();
      const id = (await p.provision({ Spec: { Init: 'echo bye; exec sleep 300' } })).ID as string;
      const pid = record(id).Process.PID;
      process.kill(-pid, 'SIGKILL');
      await waitFor('the kill', () => !isAlive(pid));
      assert.equal((await p.describeInstances({})).Descriptions, null);
      assert.equal(existsSync(join(dirOf(), 'logs', `${id}.log`)), false);
    });

    it('rejects bad log options', () => {
      assert.throws(() => ProcessInstancePlugin.checkOptions({ logMaxBytes: 10 }), /logMaxBytes/);
      assert.throws(() => ProcessInstancePlugin.checkOptions({ logCheckMs: 1.5 }), /logCheckMs/);
      assert.throws(() => ProcessInstancePlugin.checkOptions({ removeLogsOnDestroy: 'yes' as never }), /removeLogsOnDestroy/);
    });
  });

  describe('file modes', () => {
    it('state files and logs are 0600, the plugin directories 0700 (also when they existed wider)', async () => {
      const q = new ProcessInstancePlugin({ name: 'fresh', home, log: silentLog });
      plugins.push(q);
      const id = (await q.provision({ Spec: { Init: 'exec sleep 300', Properties: { Env: { TOKEN: 's3cret' } } } })).ID as string;
      const dir = join(home, 'process', 'fresh');
      assert.equal(mode(join(home, 'process')), 0o700);
      assert.equal(mode(dir), 0o700);
      assert.equal(mode(join(dir, 'logs')), 0o700);
      assert.equal(mode(join(dir, `${id}.json`)), 0o600);
      assert.equal(mode(join(dir, 'logs', `${id}.log`)), 0o600);
      await q.label({ Instance: id, Labels: { a: 'b' } });
      assert.equal(mode(join(dir, `${id}.json`)), 0o600);

      mkdirSync(join(dirOf(), 'logs'), { recursive: true, mode: 0o755 });
      chmodSync(dirOf(), 0o755);
      chmodSync(join(dirOf(), 'logs'), 0o755);
      const p = make();
      await p.recover();
      assert.equal(mode(dirOf()), 0o700);
      assert.equal(mode(join(dirOf(), 'logs')), 0o700);
    });
  });
});
