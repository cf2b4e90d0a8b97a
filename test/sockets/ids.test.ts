/** Ids are echoed as the exact text they came as; a missing or null id makes a notification. */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { serveRuntime, type SocketFrontEnd } from '../../sockets/index.js';
import { FakeHost, fakeGroup, rpc, tempDir } from './helpers.js';

describe('sockets: ids', () => {
  let fe: SocketFrontEnd;
  let host: FakeHost;
  let cleanup: () => Promise<void>;
  let sock: string;

  beforeEach(async () => {
    let dir: string;
    ({ dir, cleanup } = await tempDir());
    host = new FakeHost().set('group', fakeGroup());
    fe = await serveRuntime(host, { pluginsDir: dir });
    sock = join(dir, 'group');
  });
  afterEach(async () => {
    await fe.close();
    await cleanup();
  });

  for (const id of ['9223372036854775807', '5577006791947779410', '0', '-1', '1.50', '1e3', '"abc"', '"\\u00e9\\"x"', '""']) {
    it(`echoes ${id} byte for byte`, async () => {
      const res = await rpc(sock, `{"jsonrpc":"2.0","method":"Group.InspectGroups","params":{},"id":${id}}`);
      assert.equal(res.body, `{"jsonrpc":"2.0","result":{"Groups":null},"id":${id}}\n`);
    });
  }

  it('echoes a big id on errors too, and with whitespace around it', async () => {
    const res = await rpc(
      sock,
      '{ "id" :  9223372036854775807 , "jsonrpc":"2.0","method":"Group.CommitGroup","params":{"Spec":{"ID":""}}}',
    );
    assert.equal(
      res.body,
      '{"jsonrpc":"2.0","error":{"code":-32000,"message":"Group ID must not be blank","data":null},"id":9223372036854775807}\n',
    );
  });

  it('an "id" inside params is not mistaken for the request id', async () => {
    const res = await rpc(sock, '{"jsonrpc":"2.0","method":"Group.Echo","params":{"id":1,"x":{"id":2}},"id":9223372036854775806}');
    assert.equal(res.body, '{"jsonrpc":"2.0","result":{"id":1,"x":{"id":2}},"id":9223372036854775806}\n');
  });

  it('null id: the method runs, 200 with an empty body', async () => {
    const res = await rpc(sock, '{"jsonrpc":"2.0","method":"Group.CommitGroup","params":{"Spec":{"ID":"w"}},"id":null}');
    assert.equal(res.status, 200);
    assert.equal(res.body, '');
    assert.equal(host.calls.length, 1);
  });

  it('no id: a notification, empty body even when the method fails', async () => {
    const res = await rpc(sock, '{"jsonrpc":"2.0","method":"Group.CommitGroup","params":{}}');
    assert.equal(res.status, 200);
    assert.equal(res.body, '');
    assert.equal(host.calls.length, 1);
  });
});
