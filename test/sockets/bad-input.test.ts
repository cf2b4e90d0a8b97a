/** Bad input (docs/go-compat.md #16): every class gets a clear answer, and the server stays up. */
import assert from 'node:assert/strict';
import { Agent, request } from 'node:http';
import { join } from 'node:path';
import { InternalError } from '../../runtime/errors.js';
import { serveRuntime, type SocketFrontEnd } from '../../sockets/index.js';
import { FakeHost, fakeGroup, httpUnix, rpc, tempDir } from './helpers.js';

function errorOf(body: string): { code: number; message: string; data: unknown; id: unknown } {
  const r = JSON.parse(body) as { error: { code: number; message: string; data: unknown }; id: unknown; result?: unknown };
  assert.equal(r.result, undefined);
  return { ...r.error, id: r.id };
}

describe('sockets: bad input', () => {
  let fe: SocketFrontEnd;
  let cleanup: () => Promise<void>;
  let sock: string;

  beforeEach(async () => {
    let dir: string;
    ({ dir, cleanup } = await tempDir());
    const group = fakeGroup();
    group.handlers['Group.Broken'] = () => {
      throw new InternalError('the bug');
    };
    group.handlers['Group.Plain'] = () => {
      throw new Error('disk full');
    };
    fe = await serveRuntime(new FakeHost().set('group', group), { pluginsDir: dir, bodyLimit: 1024 });
    sock = join(dir, 'group');
  });
  afterEach(async () => {
    await fe.close();
    await cleanup();
  });

  it('not JSON → -32700 with id null', async () => {
    for (const body of ['{"jsonrpc":', 'hello', '']) {
      const res = await rpc(sock, body);
      assert.equal(res.status, 200);
      const e = errorOf(res.body);
      assert.equal(e.code, -32700);
      assert.equal(e.id, null);
      assert.match(res.body, /"id":null}\n$/);
    }
  });

  it('a batch array → -32600 "batch requests are not supported"', async () => {
    const res = await rpc(sock, '[{"jsonrpc":"2.0","method":"Group.InspectGroups","params":{},"id":1}]');
    assert.equal(res.status, 200);
    assert.deepEqual(errorOf(res.body), { code: -32600, message: 'batch requests are not supported', data: null, id: null });
  });

  it('not a request object → -32600', async () => {
    for (const body of ['5', '"x"', 'null', 'true']) assert.equal(errorOf((await rpc(sock, body)).body).code, -32600);
  });

  it('jsonrpc missing or not "2.0" → -32600 "jsonrpc must be 2.0", id echoed', async () => {
    for (const v of ['', '"jsonrpc":"1.0",', '"jsonrpc":2,']) {
      const res = await rpc(sock, `{${v}"method":"Group.InspectGroups","params":{},"id":3}`);
      assert.deepEqual(errorOf(res.body), { code: -32600, message: 'jsonrpc must be 2.0', data: null, id: 3 });
    }
  });

  it('method missing or not a string → -32600', async () => {
    assert.equal(errorOf((await rpc(sock, '{"jsonrpc":"2.0","params":{},"id":3}')).body).code, -32600);
    assert.equal(errorOf((await rpc(sock, '{"jsonrpc":"2.0","method":5,"id":3}')).body).code, -32600);
  });

  it('id of a wrong type → -32600 with id null', async () => {
    const e = errorOf((await rpc(sock, '{"jsonrpc":"2.0","method":"Group.InspectGroups","id":{"a":1}}')).body);
    assert.equal(e.code, -32600);
    assert.equal(e.id, null);
  });

  it("unknown method → -32601 with Go's text", async () => {
    const res = await rpc(sock, '{"jsonrpc":"2.0","method":"Group.Nope","params":{},"id":1}');
    assert.equal(
      res.body,
      '{"jsonrpc":"2.0","error":{"code":-32601,"message":"rpc: can\'t find method \\"Group.Nope\\"","data":null},"id":1}\n',
    );
  });

  it('params that do not fit → -32602', async () => {
    const e = errorOf((await rpc(sock, '{"jsonrpc":"2.0","method":"Group.DescribeGroup","params":{"ID":5},"id":1}')).body);
    assert.equal(e.code, -32602);
    assert.match(e.message, /ID/);
    assert.equal(errorOf((await rpc(sock, '{"jsonrpc":"2.0","method":"Group.Echo","params":"x","id":1}')).body).code, -32602);
  });

  it('params: missing or null → {}; a one-element array → its object (as gorilla/rpc)', async () => {
    assert.match((await rpc(sock, '{"jsonrpc":"2.0","method":"Group.Echo","id":1}')).body, /"result":\{\}/);
    assert.match((await rpc(sock, '{"jsonrpc":"2.0","method":"Group.Echo","params":null,"id":1}')).body, /"result":\{\}/);
    assert.match((await rpc(sock, '{"jsonrpc":"2.0","method":"Group.Echo","params":[{"A":1}],"id":1}')).body, /"result":\{"A":1\}/);
  });

  it('application errors → -32000, message verbatim, data null (also a plain Error)', async () => {
    assert.deepEqual(errorOf((await rpc(sock, '{"jsonrpc":"2.0","method":"Group.Plain","id":2}')).body), {
      code: -32000,
      message: 'disk full',
      data: null,
      id: 2,
    });
  });

  it('internal failure → -32603', async () => {
    assert.equal(errorOf((await rpc(sock, '{"jsonrpc":"2.0","method":"Group.Broken","id":2}')).body).code, -32603);
  });

  it('a method returning nothing still sends a result object', async () => {
    assert.equal((await rpc(sock, '{"jsonrpc":"2.0","method":"Group.Nothing","id":2}')).body, '{"jsonrpc":"2.0","result":{},"id":2}\n');
  });

  it('non-POST on / → 405 with a JSON reason', async () => {
    const res = await httpUnix(sock, { method: 'GET' });
    assert.equal(res.status, 405);
    assert.equal(res.headers['allow'], 'POST');
    assert.deepEqual(JSON.parse(res.body), { error: 'rpc: POST method required, received GET' });
  });

  it('wrong Content-Type → 415; none or with charset accepted', async () => {
    const body = '{"jsonrpc":"2.0","method":"Group.InspectGroups","params":{},"id":1}';
    const bad = await httpUnix(sock, { body, headers: { 'Content-Type': 'text/plain' } });
    assert.equal(bad.status, 415);
    assert.deepEqual(JSON.parse(bad.body), { error: 'rpc: unrecognized Content-Type: text/plain' });
    assert.equal((await httpUnix(sock, { body, headers: {} })).status, 200);
    const cs = await httpUnix(sock, { body, headers: { 'Content-Type': 'Application/JSON; charset=utf-8' } });
    assert.equal(cs.status, 200);
    assert.equal(cs.body, '{"jsonrpc":"2.0","result":{"Groups":null},"id":1}\n');
  });

  it('unknown path → 404', async () => {
    const res = await httpUnix(sock, { method: 'GET', path: '/nope' });
    assert.equal(res.status, 404);
    assert.match(JSON.parse(res.body).error as string, /404 page not found/);
  });

  it('body over the limit (Content-Length) → 413 before it is read', async () => {
    const res = await httpUnix(sock, { body: 'x'.repeat(5000) });
    assert.equal(res.status, 413);
    assert.deepEqual(JSON.parse(res.body), { error: 'request body larger than 1024 bytes' });
  });

  it('body over the limit, streamed (chunked) → 413 while streaming', async () => {
    // A keep-alive client, as Go's: the server answers at once and drops the rest of the body unread.
    const agent = new Agent({ keepAlive: true });
    const res = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      let answered: { status: number; body: string } | undefined;
      const req = request({ socketPath: sock, method: 'POST', path: '/', agent, headers: { 'Content-Type': 'application/json' } }, (r) => {
        answered = { status: r.statusCode ?? 0, body: '' };
        r.setEncoding('utf8');
        r.on('data', (c: string) => answered && (answered.body += c));
        r.on('end', () => resolve(answered!));
        r.on('error', () => resolve(answered!));
      });
      // The server drops the connection after answering: a write may then fail with EPIPE.
      req.on('error', (err) => (answered === undefined ? reject(err) : resolve(answered)));
      // chunked: no Content-Length; keep sending until the server answers
      let n = 0;
      const pump = (): void => {
        if (answered !== undefined || req.destroyed) return;
        if (n++ > 50) return void req.end();
        req.write('x'.repeat(512), () => setImmediate(pump));
      };
      pump();
    });
    agent.destroy();
    assert.equal(res.status, 413);
    assert.deepEqual(JSON.parse(res.body), { error: 'request body larger than 1024 bytes' });
  });

  it('the server survives all of the above and still answers', async () => {
    const res = await rpc(sock, '{"jsonrpc":"2.0","method":"Group.InspectGroups","params":{},"id":1}');
    assert.equal(res.body, '{"jsonrpc":"2.0","result":{"Groups":null},"id":1}\n');
  });
});
