/** Socket files: permissions, pid files, stale sockets taken over, live ones refused, cleanup on close. */
import assert from 'node:assert/strict';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { lstat, mkdir, readFile, symlink, unlink, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { SocketInUseError, UnsafePathError } from '../../runtime/errors.js';
import { PluginServer, discoverPlugins, serveRuntime } from '../../sockets/index.js';
import { FakeHost, fakeGroup, rpc, tempDir } from './helpers.js';

/** Leave a stale socket file: a child process binds it and is killed with SIGKILL (no cleanup). */
async function staleSocket(path: string): Promise<void> {
  const child = spawn(process.execPath, ['-e', `require('net').createServer().listen(${JSON.stringify(path)}, () => console.log('up'))`], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  await new Promise<void>((resolve) => child.stdout.once('data', () => resolve()));
  await killed(child);
  assert.ok((await lstat(path)).isSocket());
}

function killed(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGKILL');
  });
}

describe('sockets: socket files', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  const toClose: { close(): unknown }[] = [];

  beforeEach(async () => {
    ({ dir, cleanup } = await tempDir());
  });
  afterEach(async () => {
    for (const c of toClose.splice(0)) await c.close();
    await cleanup();
  });

  it('creates the plugins dir 0700, the socket 0600 and <name>.pid with our pid', async () => {
    const plugins = join(dir, 'home', 'plugins');
    const fe = await serveRuntime(new FakeHost().set('group', fakeGroup()), { pluginsDir: plugins });
    toClose.push(fe);
    assert.equal((await lstat(plugins)).mode & 0o777, 0o700);
    const st = await lstat(join(plugins, 'group'));
    assert.ok(st.isSocket());
    assert.equal(st.mode & 0o777, 0o600);
    assert.equal(await readFile(join(plugins, 'group.pid'), 'utf8'), String(process.pid));
    assert.deepEqual(fe.paths, { group: join(plugins, 'group') });
  });

  it('removes the socket and the pid file on close; close is idempotent', async () => {
    const fe = await serveRuntime(new FakeHost().set('group', fakeGroup()), { pluginsDir: dir });
    const closing = fe.close();
    assert.equal(fe.close(), closing);
    await closing;
    await fe.close();
    assert.equal(existsSync(join(dir, 'group')), false);
    assert.equal(existsSync(join(dir, 'group.pid')), false);
  });

  it('takes over a stale socket (nobody answers) and a stale pid file', async () => {
    await staleSocket(join(dir, 'group'));
    await writeFile(join(dir, 'group.pid'), '999999');
    const fe = await serveRuntime(new FakeHost().set('group', fakeGroup()), { pluginsDir: dir });
    toClose.push(fe);
    const res = await rpc(join(dir, 'group'), '{"jsonrpc":"2.0","method":"Group.InspectGroups","params":{},"id":1}');
    assert.equal(res.body, '{"jsonrpc":"2.0","result":{"Groups":null},"id":1}\n');
    assert.equal(await readFile(join(dir, 'group.pid'), 'utf8'), String(process.pid));
  });

  it('refuses a live socket with SocketInUseError naming it, and leaves it alone', async () => {
    const path = join(dir, 'group');
    const other: Server = createServer((c) => c.end());
    await new Promise<void>((resolve) => other.listen(path, resolve));
    toClose.push({ close: () => new Promise((r) => other.close(r)) });
    await assert.rejects(serveRuntime(new FakeHost().set('group', fakeGroup()), { pluginsDir: dir }), (err: unknown) => {
      assert.ok(err instanceof SocketInUseError);
      assert.match(err.message, new RegExp(path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')));
      return true;
    });
    assert.ok((await lstat(path)).isSocket());
    assert.equal(existsSync(join(dir, 'group.pid')), false);
  });

  it('refuses a socket held by another process', async () => {
    const path = join(dir, 'group');
    const child = spawn(
      process.execPath,
      ['-e', `require('net').createServer().listen(${JSON.stringify(path)}, () => console.log('up'))`],
      {
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    await new Promise<void>((resolve) => child.stdout.once('data', () => resolve()));
    toClose.push({ close: () => killed(child) });
    await assert.rejects(PluginServer.listen(new FakeHost(), { name: 'group', pluginsDir: dir }), SocketInUseError);
  });

  it('refuses to replace a file that is not a socket', async () => {
    await writeFile(join(dir, 'group'), 'precious');
    await assert.rejects(PluginServer.listen(new FakeHost(), { name: 'group', pluginsDir: dir }), /not a socket/);
    assert.equal(await readFile(join(dir, 'group'), 'utf8'), 'precious');
  });

  it('refuses a symlink, FIFO or directory at the pid path with UnsafePathError, before binding; never follows or opens it', async () => {
    const victim = join(dir, 'victim');
    await writeFile(victim, 'precious');
    await symlink(victim, join(dir, 'group.pid'));
    execFileSync('mkfifo', [join(dir, 'fifo.pid')]);
    await mkdir(join(dir, 'dir.pid'));
    for (const [name, kind] of [
      ['group', 'symbolic link'],
      ['fifo', 'FIFO'],
      ['dir', 'directory'],
    ] as const) {
      await assert.rejects(PluginServer.listen(new FakeHost(), { name, pluginsDir: dir }), (err: unknown) => {
        assert.ok(err instanceof UnsafePathError, String(err));
        assert.match(err.message, new RegExp(`${name}\\.pid: it is a ${kind}, not a regular file`));
        return true;
      });
      assert.equal(existsSync(join(dir, name)), false, `${name}: a socket was left bound`);
    }
    assert.equal(await readFile(victim, 'utf8'), 'precious');
    assert.ok((await lstat(join(dir, 'group.pid'))).isSymbolicLink());
  });

  it('refuses a symlink at the socket path, even one pointing at a stale socket', async () => {
    await staleSocket(join(dir, 'real'));
    await symlink(join(dir, 'real'), join(dir, 'group'));
    await assert.rejects(
      PluginServer.listen(new FakeHost(), { name: 'group', pluginsDir: dir }),
      /group: it is a symbolic link, not a socket/,
    );
    assert.ok((await lstat(join(dir, 'group'))).isSymbolicLink());
    assert.ok((await lstat(join(dir, 'real'))).isSocket());
  });

  it('the pid file is 0600 and replaced by rename; on close a pid file that became a FIFO is left alone, never opened', async () => {
    const fe = await serveRuntime(new FakeHost().set('group', fakeGroup()), { pluginsDir: dir });
    const pidFile = join(dir, 'group.pid');
    assert.equal((await lstat(pidFile)).mode & 0o777, 0o600);
    await unlink(pidFile);
    execFileSync('mkfifo', [pidFile]);
    await fe.close(); // would block forever reading the FIFO
    assert.ok((await lstat(pidFile)).isFIFO());
    assert.equal(existsSync(join(dir, 'group')), false);
  });

  it('discovery skips a FIFO pid file instead of blocking on it', async () => {
    const fe = await serveRuntime(new FakeHost().set('group', fakeGroup()), { pluginsDir: dir });
    toClose.push(fe);
    await unlink(join(dir, 'group.pid'));
    execFileSync('mkfifo', [join(dir, 'group.pid')]);
    const found = await discoverPlugins(dir);
    assert.equal(found.length, 1);
    assert.equal(found[0]?.reachable, true);
    assert.equal(found[0]?.pid, undefined);
  });

  it('refuses names that cannot be a socket file', async () => {
    for (const name of ['', '.', '..', 'a/b']) {
      await assert.rejects(PluginServer.listen(new FakeHost(), { name, pluginsDir: dir }), RangeError);
    }
  });

  it('two actors: two sockets, separate state', async () => {
    const fe = await serveRuntime(new FakeHost().set('group', fakeGroup()).set('group2', fakeGroup()), { pluginsDir: dir });
    toClose.push(fe);
    const commit = '{"jsonrpc":"2.0","method":"Group.CommitGroup","params":{"Spec":{"ID":"workers"}},"id":1}';
    const inspect = '{"jsonrpc":"2.0","method":"Group.InspectGroups","params":{},"id":1}';
    assert.match((await rpc(join(dir, 'group'), commit)).body, /"result"/);
    assert.equal((await rpc(join(dir, 'group'), inspect)).body, '{"jsonrpc":"2.0","result":{"Groups":[{"ID":"workers"}]},"id":1}\n');
    assert.equal((await rpc(join(dir, 'group2'), inspect)).body, '{"jsonrpc":"2.0","result":{"Groups":null},"id":1}\n');
  });

  it('follows actors added and removed (host events)', async () => {
    const host = new FakeHost().set('group', fakeGroup());
    const fe = await serveRuntime(host, { pluginsDir: dir });
    toClose.push(fe);
    host.set('later', fakeGroup());
    host.emit('actor:started', { name: 'later' });
    await waitFor(() => existsSync(join(dir, 'later')));
    host.actors.delete('group');
    host.emit('actor:exited', { name: 'group' });
    // The socket goes first, then its pid file: wait for both.
    await waitFor(() => !existsSync(join(dir, 'group')) && !existsSync(join(dir, 'group.pid')));
    assert.deepEqual(Object.keys(fe.paths), ['later']);
  });

  it('an actor gone from the host while its socket is still open answers "plugin not found", without a call', async () => {
    const host = new FakeHost().set('group', fakeGroup());
    const fe = await serveRuntime(host, { pluginsDir: dir, follow: false });
    toClose.push(fe);
    host.actors.delete('group');
    const res = await rpc(join(dir, 'group'), '{"jsonrpc":"2.0","method":"Group.InspectGroups","params":{},"id":1}');
    assert.equal(res.body, '{"jsonrpc":"2.0","error":{"code":-32000,"message":"plugin not found:group","data":null},"id":1}\n');
    assert.equal(host.calls.length, 0);
  });

  it('add/remove directly', async () => {
    const host = new FakeHost();
    const fe = await serveRuntime(host, { pluginsDir: dir, follow: false });
    toClose.push(fe);
    host.set('x', fakeGroup());
    const s = await fe.add('x');
    assert.equal(await fe.add('x'), s);
    assert.ok(existsSync(join(dir, 'x')));
    await fe.remove('x');
    await fe.remove('x');
    assert.equal(existsSync(join(dir, 'x')), false);
  });

  it('start fails as a whole when one socket is live elsewhere, leaving nothing behind', async () => {
    const other: Server = createServer((c) => c.end());
    await new Promise<void>((resolve) => other.listen(join(dir, 'b'), resolve));
    toClose.push({ close: () => new Promise((r) => other.close(r)) });
    await assert.rejects(serveRuntime(new FakeHost().set('a', fakeGroup()).set('b', fakeGroup()), { pluginsDir: dir }), SocketInUseError);
    assert.equal(existsSync(join(dir, 'a')), false);
    assert.equal(existsSync(join(dir, 'a.pid')), false);
  });
});

async function waitFor(cond: () => boolean, ms = 3000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 10));
  }
}
