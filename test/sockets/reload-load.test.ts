/**
 * Hot reload under load: 32 keep-alive connections calling a custom actor over its unix socket while
 * its file changes (`watchForReload`, as `up --watch` runs it). No call may fail, the socket file stays
 * the same inode, the new code answers, state survives through snapshot/restore, and a syntax error
 * leaves the old code answering. Timings are not asserted here (bench/reload.ts measures them).
 */
import assert from 'node:assert/strict';
import { statSync } from 'node:fs';
import { Agent } from 'node:http';
import { join } from 'node:path';
import { httpRequest } from '../../sockets/http-post.js';
import { startHost, watchForReload, type Host, type ReloadWatcher } from '../../index.js';
import { testHome } from '../fixtures/helpers.js';
import { ModuleDir } from '../fixtures/reload-source.js';
import { waitFor } from '../helpers/wait.js';

interface Tally {
  ok: number;
  failed: string[];
  versions: Map<string, number>;
  lastN: number;
}

async function post(agent: Agent, socketPath: string, body: string): Promise<string> {
  const a = await httpRequest(socketPath, body, { agent, timeoutMs: 60_000 });
  if (a.status !== 200) throw new Error(`HTTP ${a.status}`);
  return a.body;
}

/** `conns` loops of Counter.Add on the socket until `stop()`; every answer is tallied. */
function load(socketPath: string, conns: number): { tally: Tally; stop(): Promise<void> } {
  const agent = new Agent({ keepAlive: true, maxSockets: conns });
  const tally: Tally = { ok: 0, failed: [], versions: new Map(), lastN: 0 };
  let running = true;
  let id = 0;
  const loop = async (): Promise<void> => {
    while (running) {
      try {
        const text = await post(agent, socketPath, JSON.stringify({ jsonrpc: '2.0', method: 'Counter.Add', params: { n: 1 }, id: ++id }));
        const answer = JSON.parse(text) as { result?: { n: number; version: string }; error?: { message: string } };
        if (answer.result === undefined) {
          tally.failed.push(answer.error?.message ?? text);
          continue;
        }
        tally.ok++;
        tally.lastN = Math.max(tally.lastN, answer.result.n);
        tally.versions.set(answer.result.version, (tally.versions.get(answer.result.version) ?? 0) + 1);
      } catch (err) {
        tally.failed.push((err as Error).message);
      }
    }
  };
  const loops = Array.from({ length: conns }, () => loop());
  return {
    tally,
    stop: async () => {
      running = false;
      await Promise.all(loops);
      agent.destroy();
    },
  };
}

describe('sockets: hot reload under 32 connections of load', function () {
  this.timeout(120_000);
  let host: Host | undefined;
  let watcher: ReloadWatcher | undefined;
  let mods: ModuleDir | undefined;
  afterEach(async () => {
    watcher?.close();
    await host?.stop();
    mods?.remove();
    host = undefined;
    watcher = undefined;
    mods = undefined;
  });

  it('a changed file reloads the actor: zero failed calls, the same socket inode, the new code answers, state survives; a syntax error keeps the old code', async () => {
    mods = new ModuleDir({ version: 'v1', keepState: true });
    const home = testHome();
    const pluginsDir = join(home, 'plugins');
    host = await startHost({ home, pluginsDir, logLevel: 'silent', actors: [{ name: 'counter', module: mods.counterUrl }] });
    const rt = host.runtime;
    watcher = watchForReload(rt, { debounceMs: 50 });
    assert.equal(watcher.dirs.length, 1);
    const socket = join(pluginsDir, 'counter');
    const inode = statSync(socket).ino;

    const traffic = load(socket, 32);
    await waitFor('calls answered by v1', () => (traffic.tally.versions.get('v1') ?? 0) >= 200, 60_000);

    mods.writeCounter({ version: 'v2', keepState: true });
    await waitFor('the new code answering on the socket', () => (traffic.tally.versions.get('v2') ?? 0) > 0, 60_000);
    assert.equal(rt.info('counter')!.version, 2);
    const v2Before = traffic.tally.versions.get('v2') ?? 0;
    await waitFor('more calls on v2', () => (traffic.tally.versions.get('v2') ?? 0) >= v2Before + 200, 60_000);

    // A broken file: the reload fails, and v2 goes on answering every call.
    mods.writeCounter({ version: 'v3', keepState: true, extra: 'const = ;' });
    await waitFor('the failed reload', () => rt.info('counter')!.reload?.state === 'failed', 60_000);
    assert.match(rt.info('counter')!.reload?.error ?? '', /SyntaxError/);
    const v2After = traffic.tally.versions.get('v2') ?? 0;
    await waitFor('v2 still answering after the failed reload', () => (traffic.tally.versions.get('v2') ?? 0) >= v2After + 200, 60_000);
    await traffic.stop();

    assert.deepEqual(traffic.tally.failed, [], 'no call failed');
    assert.equal(traffic.tally.versions.get('v3'), undefined);
    assert.equal(statSync(socket).ino, inode, 'the socket was never unbound');
    // snapshot/restore carried the count: every Add counted once, across the reload.
    const final = await rt.call<{ n: number; version: string }>('counter', 'Counter.Get');
    assert.equal(final.version, 'v2');
    assert.equal(final.n, traffic.tally.ok);
    assert.equal(traffic.tally.lastN, traffic.tally.ok);
  });
});
