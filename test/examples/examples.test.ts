/**
 * The TypeScript examples, run as a user runs them (`node dist/examples/<x>/main.js`), so they never
 * rot: their output, a clean exit, and nothing left behind.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { httpRequest } from '../../sockets/http-post.js';
import { waitFor } from '../helpers/cli.js';

const example = (name: string): string => fileURLToPath(new URL(`../../examples/${name}/main.js`, import.meta.url));
const README = fileURLToPath(new URL('../../../examples/README.md', import.meta.url));

function start(
  name: string,
  args: readonly string[] = [],
): { proc: ChildProcess; out: () => string; err: () => string; exited: Promise<number | null> } {
  const proc = spawn(process.execPath, [example(name), ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  proc.stdout?.setEncoding('utf8').on('data', (d: string) => (out += d));
  proc.stderr?.setEncoding('utf8').on('data', (d: string) => (err += d));
  const exited = new Promise<number | null>((r) => proc.on('close', (code) => r(code)));
  return { proc, out: () => out, err: () => err, exited };
}

async function finish(p: ReturnType<typeof start>, ms = 60_000): Promise<number | null> {
  const t = setTimeout(() => p.proc.kill('SIGKILL'), ms);
  const code = await p.exited;
  clearTimeout(t);
  return code;
}

async function post(socketPath: string, path: string, body?: string): Promise<{ status: number; text: string }> {
  const a = await httpRequest(socketPath, body, { path, method: body === undefined ? 'GET' : 'POST', timeoutMs: 60_000 });
  return { status: a.status, text: a.body };
}

describe('examples', function () {
  this.timeout(90_000);
  const running: ReturnType<typeof start>[] = [];
  afterEach(() => {
    for (const p of running.splice(0)) if (p.proc.exitCode === null) p.proc.kill('SIGKILL');
  });

  it('examples/README.md lists every example folder', () => {
    const text = readFileSync(README, 'utf8');
    for (const name of ['cattle', 'pets', 'process-web', 'embedded', 'custom-actor'])
      assert.match(text, new RegExp(`\\[${name}/\\]\\(${name}/\\)`));
  });

  it('embedded: commits through the typed client, sees the events, converges, stops', async () => {
    const p = start('embedded');
    running.push(p);
    const code = await finish(p);
    assert.equal(code, 0, p.err());
    const out = p.out();
    assert.match(out, /^event {2}group:committed \{"ID":"web","Hash":"\w+"\}$/m);
    assert.match(out, /^commit Managing 3 instances$/m);
    assert.match(out, /^event {2}group:changed \{"ID":"web","Added":\d/m);
    assert.match(out, /^event {2}group:converged \{"ID":"web","Size":3\}$/m);
    assert.match(out, /^web {4}converged=true, 3 instances: \d+ \d+ \d+$/m);
    assert.match(out, /^sim {4}3 instances tagged infrakit.group=web, tier=web$/m);
    assert.match(out, /^done {3}0 instances left after DestroyGroup$/m);
  });

  it('custom-actor: the kennel serves a group, answers over its socket, and is gone afterwards', async () => {
    const p = start('custom-actor');
    running.push(p);
    const code = await finish(p);
    assert.equal(code, 0, p.err());
    const out = p.out();
    assert.match(out, /^group pack converged: rex-1 rex-2 rex-3$/m);
    assert.match(out, /^over the socket: Kennel.Count → \{"Count":3\}$/m);
    assert.match(out, /^over the socket: Instance.Destroy rex-404 → no pet 'rex-404' in the kennel$/m);
    assert.match(out, /^after DestroyGroup: 0 pets$/m);
    const socket = /^kennel socket: (\S+)$/m.exec(out)?.[1];
    assert.ok(socket);
    assert.equal(existsSync(socket), false, 'the socket is removed on stop');
  });

  it('custom-actor --serve: curl-able while it serves (JSON-RPC, api.json), Ctrl-C stops it', async () => {
    const p = start('custom-actor', ['--serve']);
    running.push(p);
    await waitFor('the example to serve', () => /serving; Ctrl-C to stop/.test(p.out()), 60_000);
    const socket = /^kennel socket: (\S+)$/m.exec(p.out())?.[1] ?? '';
    const count = await post(socket, '/', '{"jsonrpc":"2.0","method":"Kennel.Count","params":{},"id":1}');
    assert.equal(count.text, '{"jsonrpc":"2.0","result":{"Count":3},"id":1}\n');
    const described = JSON.parse(
      (
        await post(
          socket,
          '/',
          '{"jsonrpc":"2.0","method":"Instance.DescribeInstances","params":{"Tags":{"infrakit.group":"pack"}},"id":2}',
        )
      ).text,
    ) as { result: { Descriptions: { ID: string }[] } };
    assert.deepEqual(described.result.Descriptions.map((d) => d.ID).sort(), ['rex-1', 'rex-2', 'rex-3']);
    const bad = JSON.parse(
      (await post(socket, '/', '{"jsonrpc":"2.0","method":"Instance.Provision","params":{"Spec":"nope"},"id":3}')).text,
    ) as {
      error: { code: number };
    };
    assert.equal(bad.error.code, -32602, 'params are checked against the SPI schema');
    const api = JSON.parse((await post(socket, '/info/api.json')).text) as {
      Implements: { Name: string }[];
      Interfaces: { Methods: { Request: { method: string } }[] }[];
    };
    assert.ok(JSON.stringify(api).includes('Kennel.Count'));
    p.proc.kill('SIGINT');
    assert.equal(await finish(p), 0, p.err());
    assert.match(p.out(), /^after DestroyGroup: 0 pets$/m);
  });
});
