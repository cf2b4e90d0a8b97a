/** Slow, stuck and half-closed clients: server timeouts cut them; nothing leaks; the server keeps serving. */
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { join } from 'node:path';
import { serveRuntime, type SocketFrontEnd } from '../../sockets/index.js';
import { FakeHost, fakeGroup, rpc, tempDir } from './helpers.js';
import { settlesBefore, sleep } from '../helpers/wait.js';

/** Write raw bytes on a fresh connection; resolve with everything read until the server closes. */
function raw(path: string, data: string, opts: { half?: boolean } = {}): Promise<{ text: string; ms: number }> {
  const t0 = Date.now();
  return new Promise((resolve, reject) => {
    const s = connect({ path, allowHalfOpen: true });
    let text = '';
    s.setEncoding('utf8');
    s.on('data', (c: string) => (text += c));
    s.on('end', () => s.end());
    s.on('close', () => resolve({ text, ms: Date.now() - t0 }));
    s.on('error', reject);
    s.write(data, () => {
      if (opts.half === true) s.end();
    });
  });
}

/**
 * "Cut by the configured timeout" vs "by Node's default": bounds far above a busy machine's delay and
 * below the defaults (headersTimeout 60 s, requestTimeout 300 s, keepAliveTimeout 5 s).
 */
const CUT_BOUND_MS = 15_000;
const KEEP_ALIVE_BOUND_MS = 4500;

describe('sockets: slow and half-closed clients', () => {
  let fe: SocketFrontEnd;
  let cleanup: () => Promise<void>;
  let sock: string;

  beforeEach(async () => {
    let dir: string;
    ({ dir, cleanup } = await tempDir());
    fe = await serveRuntime(new FakeHost().set('group', fakeGroup()), {
      pluginsDir: dir,
      timeouts: { headersTimeout: 300, requestTimeout: 600, keepAliveTimeout: 300 },
    });
    sock = join(dir, 'group');
  });
  afterEach(async () => {
    await fe.close();
    await cleanup();
  });

  it('headers never finished → cut after headersTimeout (408)', async () => {
    const { text, ms } = await raw(sock, 'POST / HTTP/1.1\r\nHost: rpc\r\n');
    assert.match(text, /^HTTP\/1\.1 408/);
    assert.ok(ms < CUT_BOUND_MS, `took ${ms} ms`);
  });

  it('body never finished → cut after requestTimeout', async () => {
    const { ms } = await raw(sock, 'POST / HTTP/1.1\r\nHost: rpc\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"json');
    assert.ok(ms < CUT_BOUND_MS, `took ${ms} ms`);
    // nothing left open on the server side
    const server = fe.server('group')!.server;
    const open = await new Promise<number>((r, j) => server.getConnections((e, n) => (e ? j(e) : r(n))));
    assert.equal(open, 0);
  });

  it('an idle keep-alive connection is closed after keepAliveTimeout', async () => {
    const body = '{"jsonrpc":"2.0","method":"Group.InspectGroups","params":{},"id":1}';
    const { text, ms } = await raw(sock, `POST / HTTP/1.1\r\nHost: rpc\r\nContent-Length: ${body.length}\r\n\r\n${body}`);
    assert.match(text, /\{"jsonrpc":"2.0","result":\{"Groups":null\},"id":1\}\n$/);
    assert.ok(ms < KEEP_ALIVE_BOUND_MS, `took ${ms} ms`);
  });

  it('a client that half-closes after its request still gets the answer', async () => {
    const body = '{"jsonrpc":"2.0","method":"Group.Sleep","params":{"Ms":50},"id":1}';
    const { text } = await raw(sock, `POST / HTTP/1.1\r\nHost: rpc\r\nContent-Length: ${body.length}\r\n\r\n${body}`, { half: true });
    assert.match(text, /^HTTP\/1\.1 200/);
    assert.match(text, /"result":\{"Slept":true\}/);
  });

  it('a client that disconnects mid-call does not hurt the server', async () => {
    const body = '{"jsonrpc":"2.0","method":"Group.Sleep","params":{"Ms":100},"id":1}';
    const s = connect({ path: sock });
    await new Promise<void>((r) => s.write(`POST / HTTP/1.1\r\nHost: rpc\r\nContent-Length: ${body.length}\r\n\r\n${body}`, () => r()));
    s.destroy();
    await new Promise((r) => setTimeout(r, 150));
    assert.equal(
      (await rpc(sock, '{"jsonrpc":"2.0","method":"Group.InspectGroups","params":{},"id":2}')).body,
      '{"jsonrpc":"2.0","result":{"Groups":null},"id":2}\n',
    );
  });

  it('garbage instead of HTTP → 400, and the server keeps serving', async () => {
    const { text } = await raw(sock, 'HELLO THERE\r\n\r\n');
    assert.match(text, /^HTTP\/1\.1 400/);
    assert.equal((await rpc(sock, '{"jsonrpc":"2.0","method":"Group.InspectGroups","params":{},"id":3}')).status, 200);
  });

  it('close() cuts a call in flight after the grace time instead of hanging', async function () {
    const dirOf = sock.slice(0, sock.lastIndexOf('/'));
    await fe.close();
    fe = await serveRuntime(new FakeHost().set('group', fakeGroup()), { pluginsDir: dirOf, timeouts: { closeGraceMs: 100 } });
    const pending = rpc(sock, '{"jsonrpc":"2.0","method":"Group.Sleep","params":{"Ms":5000},"id":1}').catch((e: Error) => e);
    const callWouldEnd = sleep(5000);
    await new Promise((r) => setTimeout(r, 50));
    assert.ok(
      await settlesBefore(fe.close(), callWouldEnd),
      'close() waited for the 5 s call instead of cutting it after the 100 ms grace',
    );
    assert.ok((await pending) instanceof Error);
  });
});
