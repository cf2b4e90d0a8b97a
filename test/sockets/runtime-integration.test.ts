/** The socket front end over the real Runtime: actors in worker threads, served on their sockets. */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Runtime } from '../../runtime/index.js';
import { RemoteClient, serveRuntime, socketResolver, type SocketFrontEnd } from '../../sockets/index.js';
import { decl } from '../fixtures/helpers.js';
import { waitFor } from '../helpers/wait.js';
import { startChildServer } from './child-server.js';
import { rpc, tempDir } from './helpers.js';

describe('sockets: with the real Runtime', () => {
  let rt: Runtime;
  let fe: SocketFrontEnd;
  let dir: string;
  let cleanup: () => Promise<void>;

  beforeEach(async () => {
    ({ dir, cleanup } = await tempDir());
    rt = await Runtime.start({
      home: dir,
      logLevel: 'silent',
      actors: [decl('group', 'sockets-group-actor', { restart: { initialDelayMs: 200, maxRestarts: 1, withinMs: 60_000 } })],
    });
    fe = await serveRuntime(rt, { pluginsDir: join(dir, 'plugins') });
  });
  afterEach(async () => {
    await fe.close();
    await rt.stop();
    await cleanup();
  });

  const sock = (): string => join(dir, 'plugins', 'group');

  it('answers the seed examples from a worker', async () => {
    assert.equal(
      (await rpc(sock(), '{"jsonrpc":"2.0","method":"Group.InspectGroups","params":{},"id":1}')).body,
      '{"jsonrpc":"2.0","result":{"Groups":null},"id":1}\n',
    );
    assert.equal(
      (await rpc(sock(), '{"jsonrpc":"2.0","method":"Group.CommitGroup","params":{},"id":1}')).body,
      '{"jsonrpc":"2.0","error":{"code":-32000,"message":"Group ID must not be blank","data":null},"id":1}\n',
    );
    assert.equal(
      (await rpc(sock(), '{"jsonrpc":"2.0","method":"Plugin.Implements","params":{},"id":1}')).body,
      '{"jsonrpc":"2.0","result":{"Interfaces":[{"Name":"Group","Version":"0.1.0"}],"APIs":[{"Name":"Group","Version":"0.1.0"}]},"id":1}\n',
    );
  });

  it('keys match case-insensitively in the worker; bad params → -32602; unknown → -32601', async () => {
    const ok = await rpc(sock(), '{"jsonrpc":"2.0","method":"Group.CommitGroup","params":{"spec":{"id":"w"}},"id":9223372036854775807}');
    assert.equal(ok.body, '{"jsonrpc":"2.0","result":{"ID":"w","Details":"Managing 0 instances"},"id":9223372036854775807}\n');
    const bad = JSON.parse((await rpc(sock(), '{"jsonrpc":"2.0","method":"Group.DescribeGroup","params":{"ID":5},"id":2}')).body) as {
      error: { code: number };
    };
    assert.equal(bad.error.code, -32602);
    const none = JSON.parse((await rpc(sock(), '{"jsonrpc":"2.0","method":"Group.Nope","params":{},"id":3}')).body) as {
      error: { code: number; message: string };
    };
    assert.deepEqual([none.error.code, none.error.message], [-32601, 'rpc: can\'t find method "Group.Nope"']);
  });

  it('a crash: the pending call and calls during the restart get -32000 naming the actor; then it serves again', async () => {
    const before = await rt.call<{ threadId: number }>('group', 'Group.Whoami');
    const crash = JSON.parse((await rpc(sock(), '{"jsonrpc":"2.0","method":"Group.Crash","params":{},"id":4}')).body) as {
      error: { code: number; message: string };
    };
    assert.equal(crash.error.code, -32000);
    assert.match(crash.error.message, /actor 'group'/);
    assert.match(crash.error.message, /boom from the group/);
    if (rt.info('group')?.status === 'restarting') {
      const during = JSON.parse((await rpc(sock(), '{"jsonrpc":"2.0","method":"Group.InspectGroups","params":{},"id":5}')).body) as {
        error: { code: number; message: string };
      };
      assert.equal(during.error.code, -32000);
      assert.match(during.error.message, /actor 'group' is restarting/);
    }
    await waitFor('group running again', () => rt.info('group')?.status === 'running');
    const client = new RemoteClient(sock());
    const after = await client.call('Group.Whoami', {});
    client.close();
    assert.notEqual((after as { threadId: number }).threadId, before.threadId);
  });

  it('a failed actor (restart intensity exceeded) keeps its socket and says so', async () => {
    await rpc(sock(), '{"jsonrpc":"2.0","method":"Group.Crash","params":{},"id":4}');
    await waitFor('restart', () => rt.info('group')?.status === 'running');
    await rpc(sock(), '{"jsonrpc":"2.0","method":"Group.Crash","params":{},"id":4}');
    await waitFor('failed', () => rt.info('group')?.status === 'failed');
    const r = JSON.parse((await rpc(sock(), '{"jsonrpc":"2.0","method":"Group.InspectGroups","params":{},"id":5}')).body) as {
      error: { code: number; message: string };
    };
    assert.equal(r.error.code, -32000);
    assert.match(r.error.message, /actor 'group' has failed/);
  });

  it('follows runtime.add and runtime.remove', async () => {
    await rt.add(decl('second', 'sockets-group-actor'));
    await waitFor('second socket', () => existsSync(join(dir, 'plugins', 'second')));
    assert.equal(
      (await rpc(join(dir, 'plugins', 'second'), '{"jsonrpc":"2.0","method":"Group.InspectGroups","params":{},"id":1}')).body,
      '{"jsonrpc":"2.0","result":{"Groups":null},"id":1}\n',
    );
    await rt.remove('second');
    const gone = (): boolean => !existsSync(join(dir, 'plugins', 'second')) && !existsSync(join(dir, 'plugins', 'second.pid'));
    await waitFor('second socket and pid file removed', gone);
    assert.deepEqual(Object.keys(fe.paths), ['group']);
  });

  it('the resolver lets the runtime call a plugin in another process', async () => {
    const far = join(dir, 'far');
    const child = await startChildServer(far, ['remote']);
    const resolve = socketResolver(far);
    try {
      rt.setResolver(resolve);
      assert.deepEqual(await rt.call('remote/workers', 'Group.InspectGroups', {}), { Groups: null });
      await assert.rejects(rt.call('remote', 'Group.CommitGroup', {}), /Group ID must not be blank/);
    } finally {
      resolve.close();
      await child.stop();
    }
  });
});
