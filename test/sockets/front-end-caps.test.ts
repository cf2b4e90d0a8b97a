/**
 * The front end's caps: a budget of body bytes buffered across every connection of every socket, and
 * a connection limit per socket. Beyond them: 503 with a JSON-RPC error (ServerBusyError, -32000), the
 * body dropped, other sockets still served, and the budget back to zero once the clients are gone.
 */
import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import { serveRuntime, type SocketFrontEnd } from '../../sockets/index.js';
import { waitFor } from '../helpers/wait.js';
import { FakeHost, fakeGroup, rpc, tempDir } from './helpers.js';

const KIB = 1024;
const INSPECT = '{"jsonrpc":"2.0","method":"Group.InspectGroups","params":{},"id":1}';

/** A raw client: everything it reads, and whether the server closed it. */
interface Raw {
  readonly socket: Socket;
  text: string;
  closed: boolean;
}

function open(path: string): Promise<Raw> {
  return new Promise((resolve, reject) => {
    const socket = connect({ path });
    const r: Raw = { socket, text: '', closed: false };
    socket.setEncoding('utf8');
    socket.on('data', (d: string) => (r.text += d));
    socket.on('close', () => (r.closed = true));
    socket.on('error', () => undefined);
    socket.once('connect', () => resolve(r));
    socket.once('error', reject);
  });
}

/** Headers of a chunked POST and one chunk of `size` bytes of an unfinished JSON body. */
function partialChunked(size: number): string {
  const chunk = '{"jsonrpc":"2.0","method":"Group.InspectGroups","params":{"pad":"'.padEnd(size, 'a');
  return `POST / HTTP/1.1\r\nHost: rpc\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n${chunk.length.toString(16)}\r\n${chunk}\r\n`;
}

function busyBody(text: string): { code: number; message: string } {
  assert.match(text, /^HTTP\/1\.1 503 /);
  const body = JSON.parse(text.slice(text.indexOf('\r\n\r\n') + 4)) as {
    jsonrpc: string;
    error: { code: number; message: string };
    id: null;
  };
  assert.equal(body.jsonrpc, '2.0');
  assert.equal(body.id, null);
  return body.error;
}

describe('sockets: front-end caps (buffered bytes, connections)', function () {
  this.timeout(30_000);
  let dir: string;
  let cleanup: () => Promise<void>;
  let fe: SocketFrontEnd | undefined;
  const clients: Raw[] = [];

  beforeEach(async () => {
    ({ dir, cleanup } = await tempDir());
  });
  afterEach(async () => {
    for (const c of clients.splice(0)) c.socket.destroy();
    await fe?.close();
    fe = undefined;
    await cleanup();
  });

  it('refuses requests beyond the shared byte budget with 503, serves other sockets meanwhile, and returns the budget to zero', async () => {
    fe = await serveRuntime(new FakeHost().set('group', fakeGroup()).set('other', fakeGroup()), {
      pluginsDir: dir,
      bufferBudget: 1024 * KIB,
    });
    const group = join(dir, 'group');
    // Five connections each holding 200 KiB of an unfinished body fit in 1 MiB; the sixth does not.
    for (let i = 0; i < 5; i++) {
      const c = await open(group);
      clients.push(c);
      c.socket.write(partialChunked(200 * KIB));
      await waitFor(`connection ${i} buffered`, () => fe!.stats().bufferedBytes >= (i + 1) * 200 * KIB);
    }
    assert.equal(fe.stats().bufferedBytes, 5 * 200 * KIB);
    const sixth = await open(group);
    clients.push(sixth);
    sixth.socket.write(partialChunked(200 * KIB));
    await waitFor('503 on the sixth', () => sixth.text.includes('\r\n\r\n{'));
    const err = busyBody(sixth.text);
    assert.equal(err.code, -32000);
    assert.match(err.message, /holds \d+ bytes of unfinished requests, its limit is 1048576; request refused/);
    await waitFor('the refused connection closed', () => sixth.closed);
    // Its bytes were dropped, not kept.
    assert.equal(fe.stats().bufferedBytes, 5 * 200 * KIB);

    // A declared Content-Length that does not fit is refused before a byte of the body is read.
    const declared = await open(group);
    clients.push(declared);
    declared.socket.write(`POST / HTTP/1.1\r\nHost: rpc\r\nContent-Type: application/json\r\nContent-Length: ${300 * KIB}\r\n\r\n`);
    await waitFor('503 for the declared length', () => declared.text.includes('\r\n\r\n{'));
    assert.equal(busyBody(declared.text).code, -32000);

    // Another socket of the same front end still answers during it.
    assert.equal((await rpc(join(dir, 'other'), INSPECT)).body, '{"jsonrpc":"2.0","result":{"Groups":null},"id":1}\n');
    assert.ok(fe.stats().refusedRequests >= 2);

    for (const c of clients.splice(0)) c.socket.destroy();
    await waitFor('the budget back to zero', () => fe!.stats().bufferedBytes === 0);
    await waitFor('connections closed', () => fe!.stats().connections['group'] === 0);
    assert.equal((await rpc(group, INSPECT)).status, 200);
    assert.equal(fe.stats().bufferedBytes, 0);
    assert.ok(fe.stats().peakBufferedBytes <= 1024 * KIB);
  });

  it('a finished request gives its bytes back (keep-alive or not)', async () => {
    fe = await serveRuntime(new FakeHost().set('group', fakeGroup()), { pluginsDir: dir, bufferBudget: 64 * KIB });
    for (let i = 0; i < 20; i++) assert.equal((await rpc(join(dir, 'group'), INSPECT)).status, 200);
    await waitFor('the budget back to zero', () => fe!.stats().bufferedBytes === 0);
  });

  it('refuses connections over the per-socket limit with 503 and closes them at once; other sockets unaffected', async () => {
    fe = await serveRuntime(new FakeHost().set('group', fakeGroup()).set('other', fakeGroup()), { pluginsDir: dir, maxConnections: 4 });
    const group = join(dir, 'group');
    for (let i = 0; i < 4; i++) clients.push(await open(group));
    await waitFor('four connections', () => fe!.stats().connections['group'] === 4);
    const fifth = await open(group);
    clients.push(fifth);
    await waitFor('the fifth closed', () => fifth.closed);
    const err = busyBody(fifth.text);
    assert.equal(err.code, -32000);
    assert.match(err.message, /plugin socket 'group' has 4 connections open, its limit; connection refused/);
    assert.equal(fe.stats().refusedConnections, 1);
    assert.equal((await rpc(join(dir, 'other'), INSPECT)).status, 200);

    // The held connections still work, and once they go, new ones are served again.
    const held = clients[0]!;
    held.socket.write(
      `POST / HTTP/1.1\r\nHost: rpc\r\nContent-Type: application/json\r\nContent-Length: ${INSPECT.length}\r\n\r\n${INSPECT}`,
    );
    await waitFor('an answer on a held connection', () => held.text.includes('"result"'));
    for (const c of clients.splice(0)) c.socket.destroy();
    await waitFor('connections closed', () => fe!.stats().connections['group'] === 0);
    assert.equal((await rpc(group, INSPECT)).status, 200);
  });
});
