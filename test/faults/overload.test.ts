/**
 * Fault: more callers than the mailbox holds. A flood of in-process and socket calls on actors with a
 * 16-slot mailbox: the excess is refused at once with the overload error (MailboxFullError; -32000 with
 * the overload text over the socket), every call that is served gets its own correct answer, and
 * memory stays bounded.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { Agent } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { httpRequest } from '../../sockets/http-post.js';
import { MailboxFullError, Runtime } from '../../runtime/index.js';
import { serveRuntime, type SocketFrontEnd } from '../../sockets/index.js';
import { decl } from '../fixtures/helpers.js';

const MAILBOX = 16;
const IN_PROCESS = 2000;
const OVER_SOCKET = 400;

async function post(agent: Agent, socketPath: string, body: string): Promise<string> {
  return (await httpRequest(socketPath, body, { agent, timeoutMs: 60_000 })).body;
}

describe('faults: overload (more callers than the mailbox holds)', function () {
  this.timeout(60_000);
  let home: string;
  let rt: Runtime;
  let fe: SocketFrontEnd;

  before(async () => {
    home = mkdtempSync(join(tmpdir(), 'iko-'));
    rt = await Runtime.start({
      home,
      logLevel: 'silent',
      actors: [decl('echo', 'echo-actor', { mailbox: MAILBOX }), decl('pool', 'stateless-echo', { mailbox: MAILBOX, threads: 2 })],
    });
    fe = await serveRuntime(rt, { pluginsDir: join(home, 'plugins') });
  });
  after(async () => {
    await fe?.close();
    await rt?.stop();
    rmSync(home, { recursive: true, force: true });
  });

  for (const [actor, method, params, expected] of [
    ['echo', 'Echo.Slow', (i: number) => ({ ms: 2, value: i }), (i: number) => i],
    ['pool', 'Flavor.Call', (i: number) => ({ target: 'echo', method: 'Echo.Echo', params: i }), (i: number) => i],
  ] as const) {
    it(`${actor}: refuses the excess with the overload error, serves the rest correctly, memory bounded`, async () => {
      const rss0 = process.memoryUsage().rss;
      const full: string[] = [];
      const agent = new Agent({ keepAlive: true, maxSockets: 64 });
      const sock = join(home, 'plugins', actor);
      const inProcess = Array.from({ length: IN_PROCESS }, (_, i) =>
        rt.call(actor, method, params(i)).then(
          (v) => ({ i, ok: true as const, v }),
          (err: unknown) => ({ i, ok: false as const, err }),
        ),
      );
      const overSocket = Array.from({ length: OVER_SOCKET }, (_, k) => {
        const i = IN_PROCESS + k;
        return post(agent, sock, JSON.stringify({ jsonrpc: '2.0', method, params: params(i), id: i })).then((text) => ({ i, text }));
      });
      const results = await Promise.all(inProcess);
      const answers = await Promise.all(overSocket);
      agent.destroy();

      let served = 0;
      let refused = 0;
      for (const r of results) {
        if (r.ok) {
          assert.deepEqual(r.v, expected(r.i), `call ${r.i} got another call's answer`);
          served++;
        } else {
          // A pooled actor's call to echo may itself be refused by echo's mailbox: that comes back as
          // the same typed error, naming echo.
          assert.ok(r.err instanceof MailboxFullError, `call ${r.i}: ${String(r.err)}`);
          full.push(r.err.message);
          refused++;
        }
      }
      let socketServed = 0;
      let socketRefused = 0;
      for (const a of answers) {
        const res = JSON.parse(a.text) as {
          jsonrpc: string;
          id: number;
          result?: unknown;
          error?: { code: number; message: string; data: { capacity: number } };
        };
        assert.equal(res.jsonrpc, '2.0');
        assert.equal(res.id, a.i);
        if (res.error === undefined) {
          assert.deepEqual(res.result, expected(a.i));
          socketServed++;
        } else {
          assert.equal(res.error.code, -32000);
          assert.match(res.error.message, /is overloaded: mailbox full \(16 calls waiting\)/);
          assert.equal(res.error.data.capacity, MAILBOX);
          socketRefused++;
        }
      }
      assert.ok(served >= MAILBOX, `served ${served}`);
      assert.ok(refused > 0, 'some in-process calls were refused');
      assert.ok(socketRefused + socketServed === OVER_SOCKET);
      assert.ok(full.every((m) => /overloaded: mailbox full/.test(m)));
      // Afterwards the mailbox is empty and the actor serves as before.
      assert.equal(rt.info(actor)!.queued, 0);
      assert.deepEqual(await rt.call(actor, method, params(7)), expected(7));
      const grewMb = (process.memoryUsage().rss - rss0) / 2 ** 20;
      assert.ok(grewMb < 150, `RSS grew ${grewMb.toFixed(1)} MiB`);
      console.log(
        `      ${actor}: in-process ${served} served / ${refused} refused; socket ${socketServed} served / ${socketRefused} refused; RSS +${grewMb.toFixed(1)} MiB`,
      );
    });
  }
});
