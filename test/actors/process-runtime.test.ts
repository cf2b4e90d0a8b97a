/**
 * The process actor through a real Runtime (worker thread), across runtime restarts, and in a
 * forked child process that exits while its instance keeps running.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Runtime } from '../../runtime/index.js';
import { InfrakitError } from '../../runtime/errors.js';
import type { DescribeInstancesResult, ProvisionResult } from '../../actors/spi/instance.js';
import { parseProcStat } from '../../actors/process/proc-identity.js';
import { isAlive, sleep, stateFiles, sweep, tempHome } from '../fixtures/process-helpers.js';
import { settlesBefore, waitFor } from '../helpers/wait.js';

const start = (home: string, options: Record<string, unknown> = {}) =>
  Runtime.start({ home, logLevel: 'silent', actors: [{ name: 'procs', module: 'process', options }] });

describe('process instance plugin (through the Runtime)', function () {
  let home: string;
  const runtimes: Runtime[] = [];

  beforeEach(() => {
    home = tempHome();
  });
  afterEach(async () => {
    await Promise.all(runtimes.splice(0).map((rt) => rt.stop()));
    sweep(home);
  });

  const started = async (options: Record<string, unknown> = {}) => {
    const rt = await start(home, options);
    runtimes.push(rt);
    return rt;
  };
  const pidOf = (id: string): number =>
    (JSON.parse(readFileSync(join(home, 'process', 'procs', `${id}.json`), 'utf8')) as { Process: { PID: number } }).Process.PID;
  const ids = (d: DescribeInstancesResult) => (d.Descriptions ?? []).map((x) => x.ID).sort();

  it('serves the Instance SPI: manifest, provision, describe, label, destroy; errors are application errors', async () => {
    const rt = await started();
    const info = rt.info('procs');
    assert.deepEqual(info?.manifest?.interfaces, [
      { name: 'Instance', version: '0.5.0' },
      { name: 'Instance', version: '0.6.1' },
    ]);
    assert.deepEqual(info?.manifest?.vendor, { name: 'infrakit-ts-instance-process', version: '0.1.0' });

    // Go-style case-insensitive keys reach the handler under the schema's spelling.
    const r = await rt.call<ProvisionResult>('procs', 'Instance.Provision', {
      type: '',
      spec: { init: 'exec sleep 300', tags: { g: 'w' } },
    });
    const id = r.ID as string;
    assert.equal(r.Type, '');
    assert.deepEqual(await rt.call('procs', 'Instance.Label', { Type: '', Instance: id, Labels: { x: '1' } }), { Type: '', OK: true });
    const d = await rt.call<DescribeInstancesResult>('procs', 'Instance.DescribeInstances', {
      Type: '',
      Tags: { g: 'w', x: '1' },
      Properties: false,
    });
    assert.deepEqual(d, { Type: '', Descriptions: [{ ID: id, LogicalID: null, Tags: { g: 'w', x: '1' } }] });

    await assert.rejects(rt.call('procs', 'Instance.Destroy', { Type: '', Instance: 'proc-nope' }), (err: unknown) => {
      assert.ok(err instanceof InfrakitError);
      assert.equal(err.code, 'IK_APPLICATION');
      assert.equal(err.message, 'not found proc-nope');
      return true;
    });
    await assert.rejects(rt.call('procs', 'Instance.Provision', { Type: '', Spec: { Init: 'exit 3' } }), /exited with code 3/);
    await assert.rejects(rt.call('procs', 'Instance.Provision', { Type: '', Spec: {} }), /Init must not be empty/);
    await assert.rejects(
      rt.call('procs', 'Instance.Validate', { Type: '', Properties: { Env: { A: 2 } } }),
      /Properties\.Env\.A must be a string/,
    );

    assert.deepEqual(await rt.call('procs', 'Instance.Destroy', { Type: '', Instance: id, Context: { Reason: 'terminate' } }), {
      Type: '',
      OK: true,
    });
    assert.deepEqual(stateFiles(join(home, 'process', 'procs')), []);
  });

  it('a slow Destroy does not stall Describe (the actor takes calls concurrently)', async () => {
    const rt = await started();
    const slow = (
      await rt.call<ProvisionResult>('procs', 'Instance.Provision', {
        Spec: { Init: "trap '' TERM; sleep 300", Properties: { GracePeriodMs: 1500 } },
      })
    ).ID as string;
    const destroying = rt.call('procs', 'Instance.Destroy', { Instance: slow });
    await sleep(100);
    const describing = rt.call<DescribeInstancesResult>('procs', 'Instance.DescribeInstances', {});
    assert.ok(await settlesBefore(describing, destroying), 'Describe answered only after the slow Destroy (its 1.5 s grace) finished');
    const d = await describing;
    assert.deepEqual(ids(d), [slow]);
    await destroying;
    assert.equal((await rt.call<DescribeInstancesResult>('procs', 'Instance.DescribeInstances', {})).Descriptions, null);
  });

  it('instances outlive the runtime; a new runtime on the same home finds them (and drops the dead)', async () => {
    const rt1 = await started({ gracePeriodMs: 1000 });
    const a = (await rt1.call<ProvisionResult>('procs', 'Instance.Provision', { Spec: { Init: 'exec sleep 300', Tags: { g: 'w' } } }))
      .ID as string;
    const b = (await rt1.call<ProvisionResult>('procs', 'Instance.Provision', { Spec: { Init: 'exec sleep 300', Tags: { g: 'w' } } }))
      .ID as string;
    await rt1.stop();
    assert.ok(isAlive(pidOf(a)) && isAlive(pidOf(b)), 'both survive the runtime stop');
    const pidB = pidOf(b);
    process.kill(-pidB, 'SIGKILL');
    await waitFor('the kill', () => !isAlive(pidB));

    const pidA = pidOf(a);
    const rt2 = await started();
    assert.deepEqual(ids(await rt2.call('procs', 'Instance.DescribeInstances', { Tags: { g: 'w' } })), [a]);
    await rt2.call('procs', 'Instance.Destroy', { Instance: a, Context: { Reason: 'terminate' } });
    assert.ok(!isAlive(pidA));
    assert.deepEqual(stateFiles(join(home, 'process', 'procs')), []);
  });

  it('a forked node process provisions through its Runtime and exits; the instance keeps running until destroyed', async function () {
    const child = fileURLToPath(new URL('../fixtures/process-runtime-child.js', import.meta.url));
    const proc = spawn(process.execPath, [child, home], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    proc.stdout.on('data', (b: Buffer) => (out += b.toString()));
    proc.stderr.on('data', (b: Buffer) => (err += b.toString()));
    // 'close' waits for every copy of the child's stdout/stderr pipes: an instance that inherited
    // one would keep it open and this would time out.
    const code = await new Promise<number | null>((resolve) => proc.on('close', (c) => resolve(c)));
    assert.equal(code, 0, `child failed: ${err}`);
    const { id, pid, parent } = JSON.parse(out) as { id: string; pid: number; parent: number };
    assert.ok(isAlive(pid), 'the instance outlived the process that made it');
    const stat = parseProcStat(readFileSync(`/proc/${pid}/stat`, 'utf8'));
    assert.equal(stat?.pgrp, pid);
    assert.notEqual(parent, process.pid);

    const rt = await started();
    const d = await rt.call<DescribeInstancesResult>('procs', 'Instance.DescribeInstances', { Tags: { from: 'child' } });
    assert.deepEqual(ids(d), [id]);
    await rt.call('procs', 'Instance.Destroy', { Instance: id, Context: { Reason: 'terminate' } });
    await waitFor('the instance to die', () => !isAlive(pid));
  });
});
