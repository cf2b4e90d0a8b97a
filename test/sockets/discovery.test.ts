/** Discovery of the plugins dir: sockets and .listen files, each handshake generation, stale sockets. */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { unlinkSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { discoverPlugins } from '../../sockets/index.js';
import { startChildServer, type ChildServer } from './child-server.js';
import { tempDir } from './helpers.js';

/** A plugin that answers like Go InfraKit v0.5: no Hello; Implements and Types; -32000 for unknown methods. */
function v05Plugin(path: string): Promise<Server> {
  const s = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      const r = JSON.parse(body) as { method: string; id: number };
      const out =
        r.method === 'Handshake.Implements'
          ? { result: { APIs: [{ Name: 'Instance', Version: '0.5.0' }] } }
          : { error: { code: -32000, message: `rpc: can't find method "${r.method}"`, data: null } };
      res.end(JSON.stringify({ jsonrpc: '2.0', ...out, id: r.id }) + '\n');
    });
  });
  return new Promise((resolve) => s.listen(path, () => resolve(s)));
}

describe('sockets: discovery', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  let server: ChildServer;
  let v05: Server;

  before(async () => {
    ({ dir, cleanup } = await tempDir());
    server = await startChildServer(dir, ['group']);
    v05 = await v05Plugin(join(dir, 'old'));
    // A stale socket: its process was killed without cleanup.
    const child = spawn(
      process.execPath,
      ['-e', `require('net').createServer().listen(${JSON.stringify(join(dir, 'stale'))}, () => console.log('up'))`],
      {
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    await new Promise<void>((r) => child.stdout.once('data', () => r()));
    await new Promise<void>((r) => {
      child.once('exit', () => r());
      child.kill('SIGKILL');
    });
    await writeFile(join(dir, 'far.listen'), 'tcp://127.0.0.1:1\n');
    await writeFile(join(dir, 'notes.txt'), 'not a plugin');
    await mkdir(join(dir, 'subdir'));
  });
  after(async () => {
    await server.stop();
    await new Promise((r) => v05.close(r));
    try {
      unlinkSync(join(dir, 'old'));
    } catch {
      /* removed by close */
    }
    await cleanup();
  });

  it('lists sockets and .listen files with their handshakes', async () => {
    const rows = await discoverPlugins(dir, { timeoutMs: 1000 });
    assert.deepEqual(
      rows.map((r) => r.name),
      ['far', 'group', 'old', 'stale'],
    );
    const [far, group, old, stale] = rows;

    assert.equal(group?.reachable, true);
    assert.equal(group?.handshake, 'Handshake.Hello');
    assert.deepEqual(group?.interfaces, [
      { name: 'Group', version: '0.1.1' },
      { name: 'Group', version: '0.1.0' },
    ]);
    assert.deepEqual(group?.objects, { 'Group/0.1.1': ['.'], 'Group/0.1.0': ['.'] });
    assert.equal(group?.listen, join(dir, 'group'));
    assert.equal(group?.pid, server.child.pid);

    assert.equal(old?.reachable, true);
    assert.equal(old?.handshake, 'Handshake.Implements');
    assert.deepEqual(old?.interfaces, [{ name: 'Instance', version: '0.5.0' }]);

    assert.equal(stale?.reachable, false);
    assert.match(stale?.error ?? '', /could not be reached/);

    assert.equal(far?.reachable, false);
    assert.equal(far?.listen, 'tcp://127.0.0.1:1');
  });

  it('an absent plugins dir lists nothing', async () => {
    assert.deepEqual(await discoverPlugins(join(dir, 'nope')), []);
  });
});
