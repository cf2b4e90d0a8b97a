/**
 * The three curl examples of InfraKit's plugin README (the "seed" document), against a fake Group.
 * `Plugin.Implements` also carries `APIs` (docs/go-compat.md #2: v0.1–v0.2 clients read it), after `Interfaces`.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { serveRuntime, type SocketFrontEnd } from '../../sockets/index.js';
import { FakeHost, fakeGroup, rpc, tempDir } from './helpers.js';

const run = promisify(execFile);

const EXAMPLES = [
  {
    what: 'list all groups',
    body: '{"jsonrpc":"2.0","method":"Group.InspectGroups","params":{},"id":1}',
    answer: '{"jsonrpc":"2.0","result":{"Groups":null},"id":1}\n',
  },
  {
    what: 'an API error',
    body: '{"jsonrpc":"2.0","method":"Group.CommitGroup","params":{},"id":1}',
    answer: '{"jsonrpc":"2.0","error":{"code":-32000,"message":"Group ID must not be blank","data":null},"id":1}\n',
  },
  {
    what: 'API identification',
    body: '{"jsonrpc":"2.0","method":"Plugin.Implements","params":{},"id":1}',
    answer:
      '{"jsonrpc":"2.0","result":{"Interfaces":[{"Name":"Group","Version":"0.1.0"}],"APIs":[{"Name":"Group","Version":"0.1.0"}]},"id":1}\n',
  },
];

/** The seed's text for API identification: our answer starts with exactly this, then adds `APIs`. */
const SEED_IMPLEMENTS_PREFIX = '{"jsonrpc":"2.0","result":{"Interfaces":[{"Name":"Group","Version":"0.1.0"}]';

async function haveCurl(): Promise<boolean> {
  try {
    await run('curl', ['--version']);
    return true;
  } catch {
    return false;
  }
}

describe("sockets: the seed document's curl examples", () => {
  let fe: SocketFrontEnd;
  let cleanup: () => Promise<void>;
  let dir: string;

  beforeEach(async () => {
    ({ dir, cleanup } = await tempDir());
    fe = await serveRuntime(new FakeHost().set('group', fakeGroup()), { pluginsDir: join(dir, 'plugins') });
  });
  afterEach(async () => {
    await fe.close();
    await cleanup();
  });

  for (const ex of EXAMPLES) {
    it(`${ex.what}: byte for byte`, async () => {
      const res = await rpc(join(dir, 'plugins', 'group'), ex.body);
      assert.equal(res.status, 200);
      assert.equal(res.headers['content-type'], 'application/json');
      assert.equal(res.body, ex.answer);
    });
  }

  it("Plugin.Implements keeps the seed's Interfaces text first", async () => {
    const res = await rpc(join(dir, 'plugins', 'group'), EXAMPLES[2]!.body);
    assert.ok(res.body.startsWith(SEED_IMPLEMENTS_PREFIX), res.body);
  });

  it('answers the same with the real curl --unix-socket', async function () {
    if (!(await haveCurl())) this.skip();
    for (const ex of EXAMPLES) {
      const { stdout } = await run('curl', [
        '-sS',
        '-X',
        'POST',
        '--unix-socket',
        join(dir, 'plugins', 'group'),
        'http://rpc',
        '-H',
        'Content-Type: application/json',
        '-d',
        ex.body,
      ]);
      assert.equal(stdout, ex.answer);
    }
  });
});
