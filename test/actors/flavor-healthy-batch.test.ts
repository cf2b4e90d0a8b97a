/**
 * `Flavor.HealthyBatch` (ours, docs/go-compat.md #32) in a real Runtime: over a real socket with bad
 * input, vanilla's checks in a batch, combo combining a sub-flavor that serves it with one that does
 * not, and a group healing through the batch (vanilla) and through the per-member fallback (a flavor
 * that serves only Flavor.Healthy).
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Runtime } from '../../runtime/index.js';
import { serveRuntime, type SocketFrontEnd } from '../../sockets/index.js';
import { httpRequest } from '../../sockets/http-post.js';
import { batchConcurrency } from '../../actors/vanilla/index.js';
import { MAX_HEALTHY_BATCH } from '../../actors/spi/flavor.js';
import type { Description } from '../../actors/spi/common.js';
import { useRuntimeHome } from '../helpers/runtime-home.js';
import { waitFor } from '../helpers/wait.js';

const healthFlavor = new URL('../fixtures/group-health-flavor.js', import.meta.url);
const inst = (id: string): Description => ({ ID: id, LogicalID: null, Tags: { 'infrakit.group': 'g' } });

interface RpcAnswer {
  result?: unknown;
  error?: { code: number; message: string };
}

describe('Flavor.HealthyBatch', function () {
  this.timeout(60_000);
  const t = useRuntimeHome();
  let fe: SocketFrontEnd | undefined;
  afterEach(async () => {
    await fe?.close();
    fe = undefined;
  });

  /** One curl-like POST to `plugin`'s socket. */
  const post = async (plugin: string, method: string, params: unknown): Promise<RpcAnswer> => {
    const body = JSON.stringify({ jsonrpc: '2.0', method, params, id: 1 });
    const r = await httpRequest(join(t.home, 'plugins', plugin), body, { timeoutMs: 30_000 });
    return JSON.parse(r.body) as RpcAnswer;
  };

  it('over the socket: answers in order; too many Instances, wrong types and a bad Type get their JSON-RPC errors; the process stays up', async () => {
    t.rt = await Runtime.start({ home: t.home, logLevel: 'silent', actors: [{ name: 'vanilla', module: 'vanilla' }] });
    fe = await serveRuntime(t.rt, { pluginsDir: join(t.home, 'plugins') });
    assert.deepEqual(await post('vanilla', 'Flavor.HealthyBatch', { Properties: {}, Instances: [inst('i-1'), inst('i-2')] }), {
      jsonrpc: '2.0',
      result: { Type: '', Healths: [1, 1], Errors: null },
      id: 1,
    });
    const many = Array.from({ length: MAX_HEALTHY_BATCH + 1 }, (_, i) => inst(`i-${i}`));
    const over = await post('vanilla', 'Flavor.HealthyBatch', { Properties: {}, Instances: many });
    assert.equal(over.error?.code, -32602);
    assert.match(over.error.message, new RegExp(`Instances.*${MAX_HEALTHY_BATCH}`));
    const full = await post('vanilla', 'Flavor.HealthyBatch', { Properties: {}, Instances: many.slice(0, MAX_HEALTHY_BATCH) });
    assert.equal((full.result as { Healths: number[] }).Healths.length, MAX_HEALTHY_BATCH);
    for (const bad of [{ Instances: 'i-1' }, { Instances: [{ ID: 5 }] }, { Instances: [inst('i-1'), null] }, {}]) {
      const r = await post('vanilla', 'Flavor.HealthyBatch', bad);
      assert.equal(r.error?.code, -32602, JSON.stringify(bad));
      assert.match(r.error.message, /Instances/, JSON.stringify(r));
    }
    assert.deepEqual((await post('vanilla', 'Flavor.HealthyBatch', { Type: 'nope', Instances: [inst('i-1')] })).error, {
      code: -32000,
      message: 'no-plugin:nope',
      data: null,
    });
    // Still serving, and /info/api.json documents the method.
    assert.deepEqual((await post('vanilla', 'Flavor.HealthyBatch', { Instances: [] })).result, { Type: '', Healths: [], Errors: null });
    const api = JSON.parse(
      (await httpRequest(join(t.home, 'plugins', 'vanilla'), undefined, { timeoutMs: 30_000, method: 'GET', path: '/info/api.json' })).body,
    ) as {
      Interfaces: { Methods: { Request: { method: string } }[] }[];
    };
    assert.ok(JSON.stringify(api).includes('Flavor.HealthyBatch'));
  });

  it("vanilla runs a batch's Command and HTTP checks: the failing instance is Unhealthy, the others Healthy, in order", async () => {
    t.rt = await Runtime.start({ home: t.home, logLevel: 'silent', actors: [{ name: 'vanilla', module: 'vanilla' }] });
    const list = ['i-1', 'i-2', 'i-3', 'i-4'].map(inst);
    const command = { Health: { Command: 'test "$INSTANCE_ID" != i-3' } };
    assert.deepEqual(await t.rt.call('vanilla', 'Flavor.HealthyBatch', { Properties: command, Instances: list }), {
      Type: '',
      Healths: [1, 1, 2, 1],
      Errors: null,
    });
    const server: Server = createServer((req, res) => {
      res.statusCode = req.url === '/i-2' ? 500 : 200;
      res.end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const port = (server.address() as AddressInfo).port;
      const http = { Health: { HTTP: `http://127.0.0.1:${port}/{{ID}}` } };
      assert.deepEqual(await t.rt.call('vanilla', 'Flavor.HealthyBatch', { Properties: http, Instances: list }), {
        Type: '',
        Healths: [1, 2, 1, 1],
        Errors: null,
      });
    } finally {
      server.close();
    }
  });

  it('vanilla: a batch of checks runs in rounds that fit its budget, never more at once than it has instances', () => {
    assert.equal(batchConcurrency(200, 2000), 40);
    assert.equal(batchConcurrency(10, 2000), 10);
    assert.equal(batchConcurrency(1000, 2000), 200);
    assert.equal(batchConcurrency(100, 100), 16);
    assert.equal(batchConcurrency(200, 30_000), 200);
    assert.equal(batchConcurrency(0, 2000), 1);
  });

  it("combo: each sub-flavor's batch, or its Healthy per instance; per instance the first not Healthy wins; a failing sub-flavor is each instance's error", async () => {
    t.rt = await Runtime.start({
      home: t.home,
      logLevel: 'silent',
      actors: [
        { name: 'vanilla', module: 'vanilla' },
        { name: 'health', module: healthFlavor },
        { name: 'combo', module: 'combo' },
      ],
    });
    await t.rt.call('health', 'Test.SetHealth', { ID: 'i-4', Health: 0 });
    await t.rt.call('health', 'Test.SetHealth', { ID: 'i-2', Health: 0 });
    const list = ['i-1', 'i-2', 'i-3', 'i-4'].map(inst);
    const props = [
      { Plugin: 'vanilla', Properties: { Health: { Command: 'test "$INSTANCE_ID" != i-2' } } },
      { Plugin: 'health', Properties: {} },
    ];
    const want = { Type: '', Healths: [1, 2, 1, 0], Errors: null };
    assert.deepEqual(await t.rt.call('combo', 'Flavor.HealthyBatch', { Properties: props, Instances: list }), want);
    // The same as Flavor.Healthy one at a time.
    for (const [i, d] of list.entries()) {
      assert.deepEqual(await t.rt.call('combo', 'Flavor.Healthy', { Properties: props, Instance: d }), {
        Type: '',
        Health: want.Healths[i],
      });
    }
    const { Checks } = await t.rt.call<{ Checks: number }>('health', 'Test.Checks', {});
    assert.equal(Checks, 8, 'the flavor without the batch was asked per instance, by both');

    const broken = [...props, { Plugin: 'nope', Properties: {} }];
    const r = await t.rt.call<{ Healths: number[]; Errors: (string | null)[] | null }>('combo', 'Flavor.HealthyBatch', {
      Properties: broken,
      Instances: list,
    });
    // An answer before nope's that is not Healthy wins, as in Flavor.Healthy (i-2 from vanilla, i-4 from
    // health); the others get nope's error.
    assert.deepEqual(r.Healths, [0, 2, 0, 0]);
    assert.equal(r.Errors?.[1], null);
    assert.equal(r.Errors?.[3], null);
    for (const i of [0, 2]) assert.match(r.Errors?.[i] ?? '', /nope/);
    await assert.rejects(t.rt.call('combo', 'Flavor.Healthy', { Properties: broken, Instance: list[0] }), /nope/);
  });

  describe('a group in a Runtime', () => {
    const start = (): Promise<Runtime> =>
      Runtime.start({
        home: t.home,
        logLevel: 'silent',
        actors: [
          { name: 'simulator', module: 'simulator', options: { objects: ['compute'] } },
          { name: 'vanilla', module: 'vanilla' },
          { name: 'health', module: healthFlavor },
          { name: 'group', module: 'group', options: { pollIntervalMs: 100, store: 'memory' } },
        ],
      });
    const spec = (flavor: { Plugin: string; Properties: unknown }) => ({
      ID: 'g',
      Properties: {
        Allocation: { Size: 3 },
        Instance: { Plugin: 'simulator/compute', Properties: { cpu: 1 } },
        Flavor: flavor,
        Health: { GracePeriod: '200ms' },
      },
    });
    const members = async (rt: Runtime): Promise<string[]> =>
      (
        (
          await rt.call<{ Descriptions: Description[] | null }>('simulator', 'Instance.DescribeInstances', {
            Type: 'compute',
            Tags: { 'infrakit.group': 'g' },
          })
        ).Descriptions ?? []
      ).map((d) => d.ID);
    const converged = (rt: Runtime): Promise<unknown> =>
      waitFor(
        'converged',
        async () =>
          (await rt.call<{ Description: { Converged: boolean } }>('group', 'Group.DescribeGroup', { ID: 'g' })).Description.Converged,
        30_000,
      );

    it("through vanilla's batch: an instance whose Command check fails is replaced", async () => {
      const rt = (t.rt = await start());
      const sickDir = join(t.home, 'sick');
      mkdirSync(sickDir);
      await rt.call('group', 'Group.CommitGroup', {
        Spec: spec({ Plugin: 'vanilla', Properties: { Health: { Command: `test ! -e "${sickDir}/$INSTANCE_ID"` } } }),
      });
      await converged(rt);
      const sick = (await members(rt))[0]!;
      writeFileSync(join(sickDir, sick), '');
      await waitFor('the sick instance replaced', async () => !(await members(rt)).includes(sick), 30_000);
      await waitFor('three members again', async () => (await members(rt)).length === 3, 30_000);
    });

    it('through the per-member fallback (a flavor that serves only Flavor.Healthy): an Unhealthy instance is replaced, no problem shown', async () => {
      const rt = (t.rt = await start());
      await rt.call('group', 'Group.CommitGroup', { Spec: spec({ Plugin: 'health', Properties: {} }) });
      await converged(rt);
      const sick = (await members(rt))[1]!;
      await rt.call('health', 'Test.SetHealth', { ID: sick, Health: 2 });
      await waitFor('the sick instance replaced', async () => !(await members(rt)).includes(sick), 30_000);
      await converged(rt);
      const d = (await rt.call<{ Description: { Problems: unknown } }>('group', 'Group.DescribeGroup', { ID: 'g' })).Description;
      assert.equal(d.Problems, null);
      assert.ok((await rt.call<{ Checks: number }>('health', 'Test.Checks', {})).Checks > 0);
    });
  });
});
