/**
 * The process instance plugin, logic level: the class on a temp home, with real child processes.
 * Every test's processes are killed in afterEach (found by INFRAKIT_HOME in their environment).
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { ProcessInstancePlugin, type ProcessPluginOptions } from '../../actors/process/process-plugin.js';
import { parseProcStat, processStartTime } from '../../actors/process/proc-identity.js';
import { parseProperties } from '../../actors/process/properties.js';
import { parsePortSpec } from '../../actors/process/port-picker.js';
import type { InstanceRecord } from '../../actors/process/state-store.js';
import { isAlive, pidsWithArg, silentLog, sleep, stateFiles, sweep, tempHome } from '../fixtures/process-helpers.js';
import { settlesBefore, settlesWithin, waitFor } from '../helpers/wait.js';

describe('process instance plugin (logic)', function () {
  let home: string;
  const extraPids: number[] = [];

  beforeEach(() => {
    home = tempHome();
  });
  afterEach(() => {
    sweep(home, extraPids.splice(0));
  });

  const make = (options: ProcessPluginOptions = {}) => new ProcessInstancePlugin({ name: 'procs', home, options, log: silentLog });
  const dirOf = () => join(home, 'process', 'procs');
  const record = (id: string): InstanceRecord => JSON.parse(readFileSync(join(dirOf(), `${id}.json`), 'utf8')) as InstanceRecord;
  const pidOf = (id: string): number => record(id).Process.PID;

  describe('provision and describe', () => {
    it('runs Init in its own process group, logs to a file, keeps a state file, and describes it', async () => {
      const p = make();
      const r = await p.provision({
        Type: '',
        Spec: {
          Properties: { Env: { GREETING: 'hi there' } },
          Tags: { 'infrakit.group': 'web', tier: 'front' },
          Init: 'echo "id=$INFRAKIT_INSTANCE_ID lid=$INFRAKIT_LOGICAL_ID g=$GREETING grp=$INFRAKIT_GROUP home=$INFRAKIT_HOME tags=$INFRAKIT_INSTANCE_TAGS"\nexec sleep 300',
          LogicalID: 'pet-1',
          Attachments: null,
        },
      });
      assert.equal(r.Type, '');
      assert.match(r.ID ?? '', /^proc-[0-9a-z]+-[0-9a-f]{8}$/);
      const id = r.ID as string;
      const rec = record(id);
      assert.equal(rec.ID, id);
      assert.equal(rec.LogicalID, 'pet-1');
      assert.ok(isAlive(rec.Process.PID));
      assert.equal(rec.Process.StartTime, processStartTime(rec.Process.PID));
      // detached: its own process group (pgid = pid)
      const stat = parseProcStat(readFileSync(`/proc/${rec.Process.PID}/stat`, 'utf8'));
      assert.equal(stat?.pgrp, rec.Process.PID);
      assert.equal(rec.Process.Log, join(dirOf(), 'logs', `${id}.log`));
      await waitFor('log line', () => readFileSync(rec.Process.Log, 'utf8').includes('id='));
      const line = readFileSync(rec.Process.Log, 'utf8');
      assert.ok(line.includes(`id=${id} lid=pet-1 g=hi there grp=web home=${home} tags={"infrakit.group":"web","tier":"front"}`), line);

      const d = await p.describeInstances({ Type: '', Tags: { 'infrakit.group': 'web' } });
      assert.deepEqual(d, { Type: '', Descriptions: [{ ID: id, LogicalID: 'pet-1', Tags: { 'infrakit.group': 'web', tier: 'front' } }] });
    });

    it('filters by tags with strict AND, answers null when nothing matches, and gives Properties on request', async () => {
      const p = make();
      const a = (
        await p.provision({ Spec: { Init: 'exec sleep 300', Tags: { a: '1', b: '2' }, Properties: { Env: { X: 'y' }, Custom: 7 } } })
      ).ID as string;
      const b = (await p.provision({ Spec: { Init: 'exec sleep 300', Tags: { a: '1' } } })).ID as string;
      const ids = async (tags: Record<string, string> | null) =>
        ((await p.describeInstances({ Tags: tags })).Descriptions ?? []).map((d) => d.ID).sort();
      assert.deepEqual(await ids(null), [a, b].sort());
      assert.deepEqual(await ids({ a: '1' }), [a, b].sort());
      assert.deepEqual(await ids({ a: '1', b: '2' }), [a]);
      assert.deepEqual(await ids({ b: '3' }), []);
      assert.equal((await p.describeInstances({ Tags: { nope: 'x' } })).Descriptions, null);

      const withProps = (await p.describeInstances({ Tags: { b: '2' }, Properties: true })).Descriptions?.[0];
      assert.deepEqual(withProps?.Properties, {
        Env: { X: 'y' },
        Custom: 7,
        Process: { PID: pidOf(a), StartedAt: record(a).Process.StartedAt, Log: record(a).Process.Log },
      });
      const noProps = (await p.describeInstances({ Tags: { b: '2' } })).Descriptions?.[0];
      assert.equal(noProps !== undefined && 'Properties' in noProps, false);
    });

    it('Label merges tags into the state file; an unknown ID is not found', async () => {
      const p = make();
      const id = (await p.provision({ Spec: { Init: 'exec sleep 300', Tags: { a: '1', keep: 'me' } } })).ID as string;
      assert.deepEqual(await p.label({ Instance: id, Labels: { a: '2', c: '3' } }), { Type: '', OK: true });
      assert.deepEqual(record(id).Tags, { a: '2', keep: 'me', c: '3' });
      assert.deepEqual(
        (await p.describeInstances({ Tags: { c: '3' } })).Descriptions?.map((d) => d.Tags),
        [{ a: '2', keep: 'me', c: '3' }],
      );
      await assert.rejects(p.label({ Instance: 'proc-nope', Labels: { a: '1' } }), /^Error: not found proc-nope$|not found proc-nope/);
      await assert.rejects(p.label({ Instance: '../../etc/passwd', Labels: { a: '1' } }), /not found/);
    });

    it('an Init that exits 0 at once is provisioned but is already gone from Describe', async () => {
      const p = make();
      const r = await p.provision({ Spec: { Init: 'true' } });
      assert.ok(r.ID);
      await sleep(50);
      assert.equal((await p.describeInstances({})).Descriptions, null);
      assert.deepEqual(stateFiles(dirOf()), []);
    });

    it('gives a port from Properties.Port: $PORT, tag port, Properties.Port; ranges skip ports held by live instances', async () => {
      const p = make();
      const init = 'echo "port=$PORT"; exec sleep 300';
      const ids: string[] = [];
      for (let i = 0; i < 3; i++) ids.push((await p.provision({ Spec: { Init: init, Properties: { Port: '47311-47330' } } })).ID as string);
      const ports = ids.map((id) => record(id).Process.Port);
      assert.equal(new Set(ports).size, 3);
      for (const [i, id] of ids.entries()) {
        const port = ports[i] as number;
        assert.ok(port >= 47311 && port <= 47330);
        assert.equal(record(id).Tags['port'], String(port));
        await waitFor('port line', () => readFileSync(record(id).Process.Log, 'utf8').includes(`port=${port}`));
      }
      const d = await p.describeInstances({ Properties: true });
      assert.deepEqual(d.Descriptions?.map((x) => (x.Properties as { Port: number }).Port).sort(), [...ports].sort());
      const any = (await p.provision({ Spec: { Init: init, Properties: { Port: 0 } } })).ID as string;
      assert.ok((record(any).Process.Port ?? 0) > 0);
    });

    it('provisions concurrently with distinct ports from one range', async () => {
      const p = make();
      const rs = await Promise.all(
        [1, 2, 3, 4].map(() => p.provision({ Spec: { Init: 'exec sleep 300', Properties: { Port: '47341-47360' } } })),
      );
      const ports = rs.map((r) => record(r.ID as string).Process.Port);
      assert.equal(new Set(ports).size, 4);
    });
  });

  describe('failures leave nothing behind', () => {
    it('missing or blank Init is an error, with no file written', async () => {
      const p = make();
      await assert.rejects(p.provision({ Spec: { Tags: { a: '1' } } }), /Init must not be empty/);
      await assert.rejects(p.provision({ Spec: { Init: '   \n' } }), /Init must not be empty/);
      assert.deepEqual(stateFiles(dirOf()), []);
    });

    it('`exit 3` is an error with the log tail; no state file, no log, no stray process of its group', async () => {
      const p = make();
      const marker = `987.${process.pid}${Date.now() % 1000}`;
      await assert.rejects(p.provision({ Spec: { Init: `sleep ${marker} &\necho about to fail >&2\nexit 3` } }), (err: Error) => {
        assert.match(err.message, /exited with code 3/);
        assert.match(err.message, /about to fail/);
        return true;
      });
      assert.deepEqual(stateFiles(dirOf()), []);
      assert.deepEqual(readdirSync(join(dirOf(), 'logs')), []);
      await waitFor('the background sleep to be killed', () => pidsWithArg(marker).length === 0);
    });

    it('a command that does not exist is an error naming it', async () => {
      const p = make();
      await assert.rejects(p.provision({ Spec: { Init: 'nonexistent-cmd-xyz --flag' } }), (err: Error) => {
        assert.match(err.message, /exited with code 127/);
        assert.match(err.message, /nonexistent-cmd-xyz/);
        return true;
      });
      assert.deepEqual(stateFiles(dirOf()), []);
    });

    it('a shell or cwd that cannot be used is an error', async () => {
      const p = make();
      await assert.rejects(p.provision({ Spec: { Init: 'sleep 1', Properties: { Shell: '/nonexistent/sh' } } }), /could not be started/);
      await assert.rejects(
        p.provision({ Spec: { Init: 'sleep 1', Properties: { Cwd: join(home, 'no-such-dir') } } }),
        /could not be started/,
      );
      assert.deepEqual(stateFiles(dirOf()), []);
      assert.deepEqual(readdirSync(join(dirOf(), 'logs')), []);
    });

    it('bad Properties fail Validate and Provision, naming the field', async () => {
      const p = make();
      assert.deepEqual(
        p.validate({ Type: '', Properties: { Env: { A: 'b' }, Cwd: '/tmp', Shell: '/bin/sh', GracePeriodMs: 10, Other: 1 } }),
        { Type: '', OK: true },
      );
      assert.deepEqual(p.validate({ Properties: null }), { Type: '', OK: true });
      assert.deepEqual(p.validate({ Properties: { env: { A: 'b' }, gracePeriodMs: 1 } }), { Type: '', OK: true });
      assert.throws(() => p.validate({ Properties: { Env: { A: 1 } } }), /Properties\.Env\.A must be a string/);
      assert.throws(() => p.validate({ Properties: { Env: 'A=1' } }), /Properties\.Env must be an object/);
      assert.throws(() => p.validate({ Properties: { Cwd: 3 } }), /Properties\.Cwd must be a non-empty string/);
      assert.throws(() => p.validate({ Properties: { GracePeriodMs: -1 } }), /Properties\.GracePeriodMs/);
      assert.throws(() => p.validate({ Properties: { Port: 'http' } }), /Properties\.Port/);
      assert.throws(() => p.validate({ Properties: [1] }), /Properties must be an object/);
      assert.throws(() => p.validate({ Type: 'compute', Properties: {} }), /no-plugin:compute/);
      await assert.rejects(p.provision({ Spec: { Init: 'sleep 300', Properties: { Env: { A: 1 } } } }), /Properties\.Env\.A/);
      assert.deepEqual(stateFiles(dirOf()), []);
    });

    it('parses properties and port specs', () => {
      assert.deepEqual(parseProperties(undefined), {
        Env: {},
        Cwd: undefined,
        Shell: undefined,
        GracePeriodMs: undefined,
        Port: undefined,
      });
      assert.deepEqual(parsePortSpec(8080), { kind: 'fixed', port: 8080 });
      assert.deepEqual(parsePortSpec('0'), { kind: 'any' });
      assert.deepEqual(parsePortSpec('8081-8089'), { kind: 'range', from: 8081, to: 8089 });
      assert.throws(() => parsePortSpec('9-8'), /Properties\.Port/);
      assert.throws(() => parsePortSpec(70000), /Properties\.Port/);
    });
  });

  describe('liveness', () => {
    it('an instance killed behind our back disappears from Describe, and its state file goes', async () => {
      const p = make();
      const a = (await p.provision({ Spec: { Init: 'exec sleep 300', Tags: { g: 'x' } } })).ID as string;
      const b = (await p.provision({ Spec: { Init: 'exec sleep 300', Tags: { g: 'x' } } })).ID as string;
      const pid = pidOf(a);
      process.kill(-pid, 'SIGKILL');
      await waitFor('the kill', () => !isAlive(pid));
      const d = await p.describeInstances({ Tags: { g: 'x' } });
      assert.deepEqual(
        d.Descriptions?.map((x) => x.ID),
        [b],
      );
      assert.deepEqual(stateFiles(dirOf()), [`${b}.json`]);
      await assert.rejects(p.destroy({ Instance: a }), /not found/);
      await assert.rejects(p.label({ Instance: b + 'x', Labels: {} }), /not found/);
    });

    it('pid reuse guard: a live pid with the wrong start time is not live, and is never signalled', async () => {
      const p = make();
      const victim = spawn('sleep', ['300'], { detached: true, stdio: 'ignore' });
      victim.unref();
      const vpid = victim.pid as number;
      extraPids.push(vpid);
      const fake = (id: string): InstanceRecord => ({
        ID: id,
        LogicalID: null,
        Tags: { g: 'x' },
        Spec: { Init: 'sleep 300' },
        Process: {
          PID: vpid,
          StartTime: '1',
          StartedAt: new Date().toISOString(),
          Log: '/dev/null',
          Shell: '/bin/sh',
          Cwd: '/',
          Port: null,
        },
      });
      await p.store.write(fake('proc-fake-1'));
      assert.equal((await p.describeInstances({})).Descriptions, null);
      assert.deepEqual(stateFiles(dirOf()), []);
      await p.store.write(fake('proc-fake-2'));
      await p.destroy({ Instance: 'proc-fake-2', Context: { Reason: 'terminate' } });
      assert.deepEqual(stateFiles(dirOf()), []);
      await sleep(100);
      assert.ok(isAlive(vpid), 'the unrelated process was not signalled');
    });
  });

  describe('destroy', () => {
    it('SIGTERMs the process group and removes the state file', async () => {
      // A 60 s grace: a destroy that waited for it instead of the SIGTERM would not settle within 15 s.
      const p = make({ removeLogsOnDestroy: false, gracePeriodMs: 60_000 });
      const marker = `299.${process.pid}1`;
      const id = (await p.provision({ Spec: { Init: `sleep ${marker} &\nsleep 300` } })).ID as string;
      const pid = pidOf(id);
      await waitFor('the background sleep', () => pidsWithArg(marker).some((x) => x !== pid));
      const destroyed = p.destroy({ Type: '', Instance: id, Context: { Reason: 'terminate' } });
      assert.deepEqual(await settlesWithin(destroyed, 15_000, 'the destroy (SIGTERM, not the 60 s grace)'), { Type: '', OK: true });
      assert.ok(!isAlive(pid));
      assert.deepEqual(pidsWithArg(marker), [], 'the whole group got the signal');
      assert.deepEqual(stateFiles(dirOf()), []);
      assert.ok(existsSync(join(dirOf(), 'logs', `${id}.log`)), 'logs are kept with removeLogsOnDestroy: false');
      assert.equal((await p.describeInstances({})).Descriptions, null);
    });

    it('SIGKILLs a process that ignores SIGTERM after the grace period (per instance, and by option)', async () => {
      const p = make({ gracePeriodMs: 60_000 });
      const id = (await p.provision({ Spec: { Init: "trap '' TERM; sleep 300", Properties: { GracePeriodMs: 400 } } })).ID as string;
      const pid = pidOf(id);
      const t0 = Date.now();
      const destroyed = p.destroy({ Instance: id, Context: { Reason: 'rolling_update' } });
      await settlesWithin(destroyed, 15_000, "the destroy (the instance's 400 ms grace, not the option's 60 s)");
      const took = Date.now() - t0;
      assert.ok(took >= 380, `SIGKILLed after ${took} ms, before the 400 ms grace`);
      assert.ok(!isAlive(pid));

      const q = make({ gracePeriodMs: 300, removeLogsOnDestroy: true });
      const id2 = (await q.provision({ Spec: { Init: "trap '' TERM; sleep 300" } })).ID as string;
      const t1 = Date.now();
      await q.destroy({ Instance: id2 });
      assert.ok(Date.now() - t1 >= 280);
      assert.ok(!existsSync(join(dirOf(), 'logs', `${id2}.log`)));
    });

    it('an unknown ID is a clear error', async () => {
      const p = make();
      await assert.rejects(
        p.destroy({ Instance: 'proc-unknown', Context: { Reason: 'terminate' } }),
        /^Error: not found proc-unknown$|not found proc-unknown/,
      );
    });

    it('a slow Destroy does not block Describe or Provision of others (handlers are concurrent-safe)', async () => {
      const p = make();
      const slow = (await p.provision({ Spec: { Init: "trap '' TERM; sleep 300", Properties: { GracePeriodMs: 1500 } } })).ID as string;
      const other = (await p.provision({ Spec: { Init: 'exec sleep 300' } })).ID as string;
      const destroying = p.destroy({ Instance: slow });
      await sleep(100);
      const describing = p.describeInstances({});
      assert.ok(await settlesBefore(describing, destroying), 'Describe answered only after the slow Destroy (its 1.5 s grace) finished');
      const d = await describing;
      assert.deepEqual(d.Descriptions?.map((x) => x.ID).sort(), [slow, other].sort());
      const third = (await p.provision({ Spec: { Init: 'exec sleep 300' } })).ID as string;
      await p.label({ Instance: other, Labels: { k: 'v' } });
      // A second Destroy of the same ID waits its turn, then finds it gone.
      await Promise.all([destroying, assert.rejects(p.destroy({ Instance: slow }), /not found/)]);
      assert.deepEqual((await p.describeInstances({})).Descriptions?.map((x) => x.ID).sort(), [other, third].sort());
    });
  });

  describe('restart', () => {
    it('a new plugin object on the same home finds the survivors and can destroy them', async () => {
      const p1 = make();
      const a = (await p1.provision({ Spec: { Init: 'exec sleep 300', Tags: { g: 'x' }, LogicalID: 'one' } })).ID as string;
      const b = (await p1.provision({ Spec: { Init: 'exec sleep 300', Tags: { g: 'x' } } })).ID as string;
      const dead = (await p1.provision({ Spec: { Init: 'exec sleep 300', Tags: { g: 'x' } } })).ID as string;
      p1.stop();
      const deadPid = pidOf(dead);
      process.kill(-deadPid, 'SIGKILL');
      await waitFor('the kill', () => !isAlive(deadPid));

      const p2 = make();
      assert.deepEqual(await p2.recover(), { live: [a, b].sort(), gone: [dead] });
      const d = await p2.describeInstances({ Tags: { g: 'x' } });
      assert.deepEqual(
        d.Descriptions?.map((x) => [x.ID, x.LogicalID]).sort(),
        [
          [a, 'one'],
          [b, null],
        ].sort(),
      );
      await p2.destroy({ Instance: a });
      assert.deepEqual(
        (await p2.describeInstances({})).Descriptions?.map((x) => x.ID),
        [b],
      );
      assert.ok(isAlive(pidOf(b)));
    });

    it('honours the dir option', async () => {
      const p = make({ dir: join(home, 'elsewhere') });
      const id = (await p.provision({ Spec: { Init: 'exec sleep 300' } })).ID as string;
      assert.deepEqual(stateFiles(join(home, 'elsewhere')), [`${id}.json`]);
      assert.ok(existsSync(join(home, 'elsewhere', 'logs', `${id}.log`)));
    });
  });
});
