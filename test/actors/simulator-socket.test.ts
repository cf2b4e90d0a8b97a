/** The simulator and vanilla actors over their unix sockets, as an InfraKit client sees them. */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Runtime } from '../../runtime/index.js';
import { serveRuntime, type SocketFrontEnd } from '../../sockets/index.js';
import { rpc } from '../sockets/helpers.js';

describe('simulator and vanilla over unix sockets', () => {
  let home: string;
  let rt: Runtime | undefined;
  let fe: SocketFrontEnd | undefined;
  beforeEach(() => {
    home = mkdtempSync(join(tmpdir(), 'ik-'));
  });
  afterEach(async () => {
    await fe?.close();
    await rt?.stop();
    fe = undefined;
    rt = undefined;
    rmSync(home, { recursive: true, force: true });
  });

  const call = async (sock: string, method: string, params: unknown, id = 1) => {
    const res = await rpc(sock, JSON.stringify({ jsonrpc: '2.0', method, params, id }));
    assert.equal(res.status, 200);
    return JSON.parse(res.body) as { result?: Record<string, unknown>; error?: { code: number; message: string; data: unknown } };
  };

  it('answers InfraKit JSON-RPC: typed objects, results, Go error shapes', async () => {
    rt = await Runtime.start({
      home,
      logLevel: 'silent',
      actors: [
        { name: 'simulator', module: 'simulator' },
        { name: 'vanilla', module: 'vanilla' },
      ],
    });
    const plugins = join(home, 'plugins');
    fe = await serveRuntime(rt, { pluginsDir: plugins });
    const sim = join(plugins, 'simulator');
    const types = await call(sim, 'Handshake.Types', {});
    assert.deepEqual(types.result, { Types: { 'Instance/0.5.0': ['compute', 'disk', 'net'] } });

    const p = await call(sim, 'Instance.Provision', {
      Type: 'compute',
      Spec: { Properties: { a: 1 }, Tags: { 'infrakit.group': 'w' }, Init: '', LogicalID: null, Attachments: null },
    });
    const id = p.result?.['ID'] as string;
    assert.equal(p.result?.['Type'], 'compute');
    assert.match(id, /^\d{19}$/);
    const d = await call(sim, 'Instance.DescribeInstances', { Type: 'compute', Tags: { 'infrakit.group': 'w' }, Properties: true });
    assert.deepEqual(d.result, {
      Type: 'compute',
      Descriptions: [{ ID: id, LogicalID: null, Tags: { 'infrakit.group': 'w', simulator: 'simulator' }, Properties: { a: 1 } }],
    });
    assert.deepEqual((await call(sim, 'Instance.DescribeInstances', { Type: 'net', Tags: null })).result, {
      Type: 'net',
      Descriptions: null,
    });
    assert.deepEqual((await call(sim, 'Instance.Label', { Type: 'compute', Instance: 'nope', Labels: {} })).error, {
      code: -32000,
      message: 'not found nope',
      data: null,
    });
    assert.deepEqual((await call(sim, 'Instance.Validate', { Type: 'gpu', Properties: null })).error, {
      code: -32000,
      message: 'no-plugin:gpu',
      data: null,
    });
    assert.deepEqual((await call(sim, 'Instance.Destroy', { Type: 'compute', Instance: id, Context: { Reason: 'terminate' } })).result, {
      Type: 'compute',
      OK: true,
    });

    const van = join(plugins, 'vanilla');
    const prep = await call(van, 'Flavor.Prepare', {
      Type: '',
      Properties: { Init: ['echo hello'], Tags: { tier: 'web' } },
      Spec: { Properties: {}, Tags: null, Init: '', LogicalID: null, Attachments: null },
      Allocation: { Size: 3, LogicalIDs: null },
      Index: { Group: 'workers', Sequence: 0 },
    });
    assert.deepEqual(prep.result, {
      Type: '',
      Spec: { Properties: {}, Tags: { tier: 'web' }, Init: 'echo hello', LogicalID: null, Attachments: null },
    });
    assert.deepEqual((await call(van, 'Flavor.Validate', { Properties: { Init: 'x' } })).error, {
      code: -32000,
      message: 'Init must be a list of strings',
      data: null,
    });
  });
});
