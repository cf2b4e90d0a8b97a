/**
 * Shared by the worker-fault tests: a runtime with the ledger fixture and a group over a simulator,
 * a way to kill a worker three ways, and the checks every kill must pass (a typed error within a
 * second, the actor back on a new thread, its committed state intact).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ActorExitedError, Runtime } from '../../runtime/index.js';
import type { ActorDeclaration } from '../../runtime/declaration.js';
import { waitFor } from '../helpers/cli.js';
import { settlesWithin } from '../helpers/wait.js';

export const LEDGER = new URL('../fixtures/fault-ledger.js', import.meta.url);

export interface Harness {
  readonly rt: Runtime;
  readonly home: string;
  close(): Promise<void>;
}

export async function startHarness(more: ActorDeclaration[] = []): Promise<Harness> {
  const home = mkdtempSync(join(tmpdir(), 'ikf-'));
  const rt = await Runtime.start({
    home,
    logLevel: 'silent',
    actors: [
      { name: 'ledger', module: LEDGER, resourceLimits: { maxOldGenerationSizeMb: 48 } },
      // DescribeInstances takes a while, so a DescribeGroup is still pending when the group is killed.
      { name: 'simulator', module: 'simulator', options: { objects: ['compute'], describeDelayMs: 300 } },
      { name: 'vanilla', module: 'vanilla' },
      { name: 'group', module: 'group', options: { pollIntervalMs: 200, testHooks: true } },
      ...more,
    ],
  });
  return {
    rt,
    home,
    async close() {
      await rt.stop();
      rmSync(home, { recursive: true, force: true });
    },
  };
}

/** Resolves with the time the actor is next started again (after a crash). */
export function nextStart(rt: Runtime, name: string): Promise<number> {
  return new Promise((resolve) => {
    const on = (e: { name: string; restarts: number }): void => {
      if (e.name !== name || e.restarts === 0) return;
      rt.off('actor:started', on);
      resolve(performance.now());
    };
    rt.on('actor:started', on);
  });
}

export interface KillFigures {
  /** From the kill to the pending call's rejection. */
  readonly rejectMs: number;
  /** From the kill to the actor serving again. */
  readonly restartMs: number;
}

/**
 * With `pending` outstanding on `name`, run `kill` and check: `pending` rejects with ActorExitedError
 * at the worker's exit (before the actor is started again; never by a timeout), and the actor comes
 * back on a new thread.
 */
export async function killMidCall(
  rt: Runtime,
  name: string,
  pending: Promise<unknown>,
  kill: () => unknown,
  reason: RegExp,
): Promise<KillFigures> {
  const before = rt.info(name)!.threadIds[0];
  const started = nextStart(rt, name);
  let rejectedAt = 0;
  const settled = pending.then(
    () => assert.fail('the pending call should not succeed'),
    (err: unknown) => {
      rejectedAt = performance.now();
      return err;
    },
  );
  const t0 = performance.now();
  void Promise.resolve(kill()).catch(() => undefined);
  const err = await settlesWithin(settled, 15_000, 'the pending call (rejected at the kill, not left hanging)');
  assert.ok(err instanceof ActorExitedError, `expected ActorExitedError, got ${String(err)}`);
  assert.equal(err.code, 'IK_ACTOR_EXITED');
  assert.match(err.message, reason);
  const rejectMs = rejectedAt - t0;
  const startedAt = await started;
  assert.ok(rejectedAt <= startedAt, 'the pending call was rejected only after the actor had been started again');
  const restartMs = startedAt - t0;
  const after = rt.info(name)!;
  assert.equal(after.status, 'running');
  assert.equal(after.threadIds.length, 1);
  assert.notEqual(after.threadIds[0], before, 'a new worker thread');
  return { rejectMs, restartMs };
}

/** One line of figures for the run's log. */
export function report(what: string, f: KillFigures): void {
  console.log(`      ${what}: rejected ${f.rejectMs.toFixed(1)} ms after the kill, serving again after ${f.restartMs.toFixed(1)} ms`);
}

export const groupSpec = (id: string, size: number) => ({
  ID: id,
  Properties: {
    Allocation: { Size: size },
    Instance: { Plugin: 'simulator/compute', Properties: { note: 'fault test' } },
    Flavor: { Plugin: 'vanilla', Properties: { Init: ['echo hi'] } },
  },
});

type Kill = (rt: Runtime) => unknown;

/** The ledger commits three entries, a call hangs, the worker is killed: the entries survive. */
export async function ledgerSurvives(h: Harness, kill: Kill, reason: RegExp): Promise<KillFigures> {
  const { rt } = h;
  for (const entry of ['a', 'b', 'c']) await rt.call('ledger', 'Ledger.Commit', { entry });
  const pending = rt.call('ledger', 'Ledger.Hang');
  const figures = await killMidCall(rt, 'ledger', pending, () => kill(rt), reason);
  assert.deepEqual((await rt.call<{ entries: string[] }>('ledger', 'Ledger.List')).entries, ['a', 'b', 'c'], 'committed entries intact');
  assert.deepEqual(await rt.call('ledger', 'Ledger.Commit', { entry: 'd' }), { count: 4 });
  return figures;
}

interface Member {
  ID: string;
}

/**
 * The group converges a spec, a DescribeGroup is pending (the simulator answers slowly), the group's
 * worker is killed: the committed spec is still there, and the group finds its instances again
 * rather than provisioning new ones.
 */
export async function groupSurvives(h: Harness, kill: Kill, reason: RegExp): Promise<KillFigures> {
  const { rt } = h;
  const members = async (): Promise<string[]> =>
    (
      (
        await rt.call<{ Descriptions: Member[] | null }>('simulator', 'Instance.DescribeInstances', {
          Type: '',
          Tags: { 'infrakit.group': 'web' },
        })
      ).Descriptions ?? []
    )
      .map((d) => d.ID)
      .sort();
  const converged = (): Promise<unknown> =>
    waitFor(
      'group web converged',
      async () =>
        (await rt.call<{ Description: { Converged: boolean } }>('group', 'Group.DescribeGroup', { ID: 'web' })).Description.Converged,
      20_000,
    );
  await rt.call('group', 'Group.CommitGroup', { Spec: groupSpec('web', 3) });
  await converged();
  const inspected = await rt.call('group', 'Group.InspectGroups', {});
  const before = await members();
  assert.equal(before.length, 3);
  const pending = rt.call('group', 'Group.DescribeGroup', { ID: 'web' });
  const figures = await killMidCall(rt, 'group', pending, () => kill(rt), reason);
  assert.deepEqual(await rt.call('group', 'Group.InspectGroups', {}), inspected, 'committed specs intact');
  await converged();
  assert.deepEqual(await members(), before, 'the same instances: none lost, none provisioned again');
  return figures;
}
