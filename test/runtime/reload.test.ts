import assert from 'node:assert/strict';
import { ActorReloadedError, ReloadFailedError, type Runtime } from '../../runtime/index.js';
import { Observer } from '../../observer/index.js';
import { quietRuntime } from '../fixtures/helpers.js';
import { CALLER_SOURCE, ModuleDir } from '../fixtures/reload-source.js';
import { settlesBefore, waitFor } from '../helpers/wait.js';

interface Answer {
  readonly n: number;
  readonly version: string;
  readonly tag?: string;
}

/** Every reload event of the runtime, in order. */
function recordReloads(rt: Runtime): string[] {
  const seen: string[] = [];
  rt.on('actor:reloading', (p) => seen.push(`actor:reloading ${p.name} v${p.version}`));
  rt.on('actor:reloaded', (p) => seen.push(`actor:reloaded ${p.name} v${p.version}`));
  rt.on('actor:reload-failed', (p) => seen.push(`actor:reload-failed ${p.name} v${p.version}`));
  return seen;
}

describe('runtime: hot reload', () => {
  let rt: Runtime | undefined;
  let mods: ModuleDir | undefined;
  afterEach(async () => {
    await rt?.stop();
    rt = undefined;
    mods?.remove();
    mods = undefined;
  });

  it('runs the new code in a new worker, fresh state without snapshot/restore, with events and info', async () => {
    mods = new ModuleDir({ version: 'v1' });
    rt = quietRuntime();
    const events = recordReloads(rt);
    await rt.add({ name: 'counter', module: mods.counterUrl });
    await rt.call('counter', 'Counter.Add', { n: 5 });
    const before = rt.info('counter')!;
    assert.equal(before.version, 1);
    assert.equal(before.reload, undefined);

    mods.writeCounter({ version: 'v2' });
    const result = await rt.reload('counter');
    assert.equal(result.version, 2);
    assert.equal(result.stateCarried, false);
    assert.deepEqual(await rt.call<Answer>('counter', 'Counter.Get'), { n: 0, version: 'v2', tag: 'tag-1' });
    const after = rt.info('counter')!;
    assert.equal(after.status, 'running');
    assert.equal(after.version, 2);
    assert.equal(after.reload?.state, 'ok');
    assert.equal(after.restarts, 0, 'a reload is not a restart');
    assert.notDeepEqual(after.threadIds, before.threadIds);
    assert.deepEqual(events, ['actor:reloading counter v2', 'actor:reloaded counter v2']);
  });

  it('carries state over with snapshot() and restore(state), and picks up a changed imported file', async () => {
    mods = new ModuleDir({ version: 'v1', keepState: true });
    rt = quietRuntime();
    await rt.add({ name: 'counter', module: mods.counterUrl });
    await rt.call('counter', 'Counter.Add', { n: 7 });
    mods.writeTag('tag-2'); // only the imported file changes
    const result = await rt.reload('counter');
    assert.equal(result.stateCarried, true);
    assert.deepEqual(await rt.call<Answer>('counter', 'Counter.Add', { n: 1 }), { n: 8, version: 'v1', tag: 'tag-2' });
    assert.equal(rt.info('counter')!.reload?.stateCarried, true);
  });

  for (const [what, broken, pattern] of [
    ['a syntax error', { version: 'v2', extra: 'this is not javascript (' }, /SyntaxError/],
    ['a throwing create()', { version: 'v2', inCreate: "throw new Error('create says no');" }, /create says no/],
    ['a module without a definition', { version: 'v2', extra: 'export const nothing = 1;\nconst x = {}; export { x as y };' }, /./],
  ] as const) {
    it(`keeps the old code serving after ${what}, says why, and reloads once fixed`, async () => {
      mods = new ModuleDir({ version: 'v1', keepState: true });
      rt = quietRuntime();
      const events = recordReloads(rt);
      await rt.add({ name: 'counter', module: mods.counterUrl });
      await rt.call('counter', 'Counter.Add', { n: 3 });
      mods.writeCounter(broken);
      if (what === 'a module without a definition') mods.write('counter.js', 'export const nothing = 1;\n');
      await assert.rejects(rt.reload('counter'), (e: unknown) => e instanceof ReloadFailedError && pattern.test(e.message));
      assert.deepEqual(await rt.call<Answer>('counter', 'Counter.Get'), { n: 3, version: 'v1', tag: 'tag-1' });
      const info = rt.info('counter')!;
      assert.equal(info.status, 'running');
      assert.equal(info.version, 1);
      assert.equal(info.reload?.state, 'failed');
      assert.match(info.reload?.error ?? '', pattern);
      assert.deepEqual(events, ['actor:reloading counter v2', 'actor:reload-failed counter v2']);

      mods.writeCounter({ version: 'v3', keepState: true });
      assert.equal((await rt.reload('counter')).version, 2);
      assert.deepEqual(await rt.call<Answer>('counter', 'Counter.Get'), { n: 3, version: 'v3', tag: 'tag-1' });
    });
  }

  it('lets a call in flight finish on the old code while calls made meanwhile wait and run on the new', async () => {
    mods = new ModuleDir({ version: 'v1', keepState: true });
    rt = quietRuntime();
    await rt.add({ name: 'counter', module: mods.counterUrl });
    const slow = rt.call<Answer>('counter', 'Counter.Slow', { ms: 1500 });
    mods.writeCounter({ version: 'v2', keepState: true });
    const reloaded = rt.reload('counter');
    const during = rt.call<Answer>('counter', 'Counter.Add', { n: 1 });
    assert.equal((await slow).version, 'v1');
    assert.equal(await settlesBefore(slow, during), true);
    assert.deepEqual(await during, { n: 1, version: 'v2', tag: 'tag-1' });
    await reloaded;
  });

  it('loses no call another actor makes to it across reloads (sent again to the new code)', async () => {
    mods = new ModuleDir({ version: 'v1', keepState: true });
    const callerUrl = mods.write('caller.js', CALLER_SOURCE);
    rt = quietRuntime();
    await rt.addAll([
      { name: 'counter', module: mods.counterUrl },
      { name: 'caller', module: callerUrl },
    ]);
    const calls = rt.call<string[]>('caller', 'Caller.Many', { target: 'counter', n: 400 });
    const versions: number[] = [];
    for (const v of ['v2', 'v3', 'v4']) {
      mods.writeCounter({ version: v, keepState: true });
      versions.push((await rt.reload('counter')).version);
    }
    const seen = await calls;
    assert.equal(seen.length, 400);
    assert.deepEqual(versions, [2, 3, 4]);
    // Every Counter.Add ran exactly once: the count carried over every reload.
    assert.equal((await rt.call<Answer>('counter', 'Counter.Get')).n, 400);
    assert.equal(seen.at(-1), 'v4');
  });

  it('reloads a stateless actor as a new pool, and keeps the old pool after a failed load', async () => {
    mods = new ModuleDir({ version: 'v1', stateless: true });
    rt = quietRuntime();
    await rt.add({ name: 'pool', module: mods.counterUrl, threads: 2 });
    assert.equal(rt.info('pool')!.kind, 'stateless');
    mods.writeCounter({ version: 'v2', stateless: true });
    assert.equal((await rt.reload('pool')).version, 2);
    assert.equal((await rt.call<Answer>('pool', 'Counter.Get')).version, 'v2');
    mods.writeCounter({ version: 'v3', stateless: true, extra: '}}}' });
    await assert.rejects(rt.reload('pool'), ReloadFailedError);
    assert.equal((await rt.call<Answer>('pool', 'Counter.Get')).version, 'v2');
    assert.equal(rt.info('pool')!.reload?.state, 'failed');
  });

  for (const stateless of [false, true]) {
    it(`keeps counting a ${stateless ? 'stateless' : 'stateful'} actor's calls across a reload, and shows the new worker's heap`, async () => {
      mods = new ModuleDir({ version: 'v1', stateless });
      rt = quietRuntime();
      await rt.add({ name: 'counter', module: mods.counterUrl, ...(stateless ? { threads: 1 } : {}) });
      for (let i = 0; i < 3; i++) await rt.call('counter', 'Counter.Add', { n: 1 });
      const oldThreads = rt.info('counter')!.threadIds;
      mods.writeCounter({ version: 'v2', stateless });
      await rt.reload('counter');
      for (let i = 0; i < 2; i++) await rt.call('counter', 'Counter.Add', { n: 1 });
      const stats = (): NonNullable<ReturnType<Runtime['stats']>['actors'][number]> =>
        rt!.stats().actors.find((a) => a.name === 'counter')!;
      assert.equal(stats().methods['Counter.Add']?.ok, 5, 'a reload is the same actor: its counters carry on');
      const newThreads = rt.info('counter')!.threadIds;
      assert.ok(newThreads.length > 0 && newThreads.every((t) => !oldThreads.includes(t)));
      // The new worker reports its heap once ready; the old one's figure is gone.
      await waitFor('the heap of the new worker only', () => {
        const heap = stats().heap;
        return heap.length > 0 && heap.every((h) => newThreads.includes(h.threadId));
      });
    });
  }

  it("logs reloads in the observer's event log, a refused one with its reason", async () => {
    mods = new ModuleDir({ version: 'v1' });
    rt = quietRuntime();
    await rt.add({ name: 'counter', module: mods.counterUrl });
    const observer = new Observer(rt);
    try {
      mods.writeCounter({ version: 'v2' });
      await rt.reload('counter');
      mods.writeCounter({ version: 'v3', extra: 'this is not javascript (' });
      await assert.rejects(rt.reload('counter'), ReloadFailedError);
      const log = observer.events().map((e) => `${e.type} ${e.actor}: ${e.summary}`);
      assert.equal(log[0], 'actor:reloading counter: loading version 2');
      assert.match(log[1] ?? '', /^actor:reloaded counter: version 2 serves \(\d+ ms\)$/);
      assert.equal(log[2], 'actor:reloading counter: loading version 3');
      assert.match(log[3] ?? '', /^actor:reload-failed counter: version 3 refused, the old code serves: .*SyntaxError/);
    } finally {
      observer.close();
    }
  });

  it('runs a reload asked for during one once more after it, so the latest file wins', async () => {
    mods = new ModuleDir({ version: 'v1' });
    rt = quietRuntime();
    await rt.add({ name: 'counter', module: mods.counterUrl });
    mods.writeCounter({ version: 'v2' });
    const first = rt.reload('counter');
    const second = rt.reload('counter');
    const third = rt.reload('counter');
    assert.equal(second, third, 'asks made during one reload share the next');
    // The first may load v2 or v3, depending on when its worker reads the file; the second starts after it.
    mods.writeCounter({ version: 'v3' });
    await first;
    await second;
    assert.equal((await rt.call<Answer>('counter', 'Counter.Get')).version, 'v3');
  });

  it('reloads built-in plugins (a stateful simulator, a pooled vanilla) and they answer on', async () => {
    rt = quietRuntime();
    await rt.addAll([
      { name: 'simulator', module: 'simulator' },
      { name: 'vanilla', module: 'vanilla' },
    ]);
    await rt.reload('simulator');
    await rt.reload('vanilla');
    const described = await rt.call<{ Descriptions: unknown[] | null }>('simulator', 'Instance.DescribeInstances', { Tags: {} });
    assert.deepEqual(described.Descriptions ?? [], [], 'a fresh simulator (no snapshot/restore): no instances');
    assert.equal((await rt.call<{ OK: boolean }>('vanilla', 'Flavor.Validate', { Properties: {}, Allocation: { Size: 1 } })).OK, true);
    assert.equal(rt.info('simulator')!.version, 2);
    assert.equal(rt.info('vanilla')!.version, 2);
  });

  it('ActorReloadedError has a stable code', () => {
    assert.equal(new ActorReloadedError('x').code, 'IK_ACTOR_RELOADED');
  });
});
