/** Every handshake form, `/info/api.json` and `/info/functions.json`, answered from the manifest. */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { serveRuntime, type SocketFrontEnd } from '../../sockets/index.js';
import { FakeHost, fakeGroup, httpUnix, rpc, tempDir } from './helpers.js';

describe('sockets: handshakes', () => {
  let fe: SocketFrontEnd;
  let host: FakeHost;
  let cleanup: () => Promise<void>;
  let dir: string;
  const call = async (actor: string, method: string): Promise<unknown> => {
    const res = await rpc(join(dir, actor), `{"jsonrpc":"2.0","method":"${method}","params":{},"id":7}`);
    assert.equal(res.status, 200);
    return JSON.parse(res.body);
  };

  beforeEach(async () => {
    ({ dir, cleanup } = await tempDir());
    host = new FakeHost()
      .set('group', fakeGroup())
      .set('simulator', {
        manifest: {
          interfaces: [
            { name: 'Instance', version: '0.5.0' },
            { name: 'Instance', version: '0.6.1' },
          ],
          objects: ['compute', 'disk'],
          vendor: { name: 'infrakit-instance-simulator', version: '0.1.0', url: 'https://example.org' },
        },
        methods: [
          { name: 'Instance.Validate', example: { Type: 'compute', Properties: {} }, exampleResult: { Type: 'compute', OK: true } },
        ],
        handlers: {},
      })
      .set('booting', { manifest: undefined, status: 'starting', handlers: {} });
    fe = await serveRuntime(host, { pluginsDir: dir });
  });
  afterEach(async () => {
    await fe.close();
    await cleanup();
  });

  it('Plugin.Implements: Interfaces and APIs, oldest version', async () => {
    assert.deepEqual(await call('simulator', 'Plugin.Implements'), {
      jsonrpc: '2.0',
      result: { Interfaces: [{ Name: 'Instance', Version: '0.5.0' }], APIs: [{ Name: 'Instance', Version: '0.5.0' }] },
      id: 7,
    });
  });

  it('Handshake.Implements: APIs, oldest version', async () => {
    assert.deepEqual(await call('group', 'Handshake.Implements'), {
      jsonrpc: '2.0',
      result: { APIs: [{ Name: 'Group', Version: '0.1.0' }] },
      id: 7,
    });
  });

  it('Handshake.Types (and Plugin.Types): objects by oldest version, default "."', async () => {
    assert.deepEqual(await call('simulator', 'Handshake.Types'), {
      jsonrpc: '2.0',
      result: { Types: { 'Instance/0.5.0': ['compute', 'disk'] } },
      id: 7,
    });
    assert.deepEqual(await call('group', 'Plugin.Types'), { jsonrpc: '2.0', result: { Types: { 'Group/0.1.0': ['.'] } }, id: 7 });
  });

  it('Handshake.Hello: every version, newest first', async () => {
    const res = await rpc(join(dir, 'group'), '{"jsonrpc":"2.0","method":"Handshake.Hello","params":{},"id":7}');
    assert.equal(
      res.body,
      '{"jsonrpc":"2.0","result":{"Objects":{"Group/0.1.1":[{"Name":".","ProxyFor":""}],"Group/0.1.0":[{"Name":".","ProxyFor":""}]}},"id":7}\n',
    );
    assert.deepEqual(await call('simulator', 'Handshake.Hello'), {
      jsonrpc: '2.0',
      result: {
        Objects: {
          'Instance/0.6.1': [
            { Name: 'compute', ProxyFor: '' },
            { Name: 'disk', ProxyFor: '' },
          ],
          'Instance/0.5.0': [
            { Name: 'compute', ProxyFor: '' },
            { Name: 'disk', ProxyFor: '' },
          ],
        },
      },
      id: 7,
    });
  });

  it('handshakes never reach the actor', async () => {
    for (const m of ['Plugin.Implements', 'Handshake.Implements', 'Handshake.Types', 'Handshake.Hello']) await call('group', m);
    assert.equal(host.calls.length, 0);
  });

  it('an actor whose manifest is not known yet answers -32000 naming it', async () => {
    const r = (await call('booting', 'Handshake.Hello')) as { error: { code: number; message: string } };
    assert.equal(r.error.code, -32000);
    assert.match(r.error.message, /actor 'booting' is starting/);
  });

  it('GET /info/api.json: vendor, implements, methods with examples', async () => {
    const res = await httpUnix(join(dir, 'simulator'), { method: 'GET', path: '/info/api.json' });
    assert.equal(res.status, 200);
    assert.equal(res.headers['content-type'], 'application/json');
    assert.deepEqual(JSON.parse(res.body), {
      Vendor: { Name: 'infrakit-instance-simulator', Version: '0.1.0', Sub: '', URL: 'https://example.org' },
      Implements: [
        { Name: 'Instance', Version: '0.6.1', Sub: '' },
        { Name: 'Instance', Version: '0.5.0', Sub: '' },
      ],
      Interfaces: [
        {
          Name: 'Instance',
          Version: '0.6.1',
          Sub: '',
          Methods: [
            {
              Request: { jsonrpc: '2.0', method: 'Instance.Validate', params: { Type: 'compute', Properties: {} }, id: '1' },
              Response: { result: { Type: 'compute', OK: true }, id: '1' },
            },
          ],
        },
      ],
    });
  });

  it('api.json: Vendor null when the manifest has none', async () => {
    const res = await httpUnix(join(dir, 'group'), { method: 'GET', path: '/info/api.json' });
    const api = JSON.parse(res.body) as { Vendor: unknown; Interfaces: { Methods: unknown[] }[] };
    assert.equal(api.Vendor, null);
    assert.equal(api.Interfaces[0]?.Methods.length, 2);
  });

  it('GET /info/functions.json: {}', async () => {
    const res = await httpUnix(join(dir, 'group'), { method: 'GET', path: '/info/functions.json' });
    assert.equal(res.status, 200);
    assert.equal(res.body, '{}\n');
  });
});
