/** Property: whatever body arrives, the answer is HTTP 200 with one JSON-RPC response or an empty body. */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import fc from 'fast-check';
import { rawTopLevelMembers, serveRuntime, type SocketFrontEnd } from '../../sockets/index.js';
import { FakeHost, fakeGroup, rpc, tempDir } from './helpers.js';

describe('sockets: any input', () => {
  let fe: SocketFrontEnd;
  let cleanup: () => Promise<void>;
  let sock: string;

  before(async () => {
    let dir: string;
    ({ dir, cleanup } = await tempDir());
    fe = await serveRuntime(new FakeHost().set('group', fakeGroup()), { pluginsDir: dir });
    sock = join(dir, 'group');
  });
  after(async () => {
    await fe.close();
    await cleanup();
  });

  const methods = fc.constantFrom(
    'Group.InspectGroups',
    'Group.CommitGroup',
    'Group.Echo',
    'Plugin.Implements',
    'Handshake.Hello',
    'X',
    'Group.Nope',
  );
  const requestish = fc.record(
    {
      jsonrpc: fc.oneof(fc.constant('2.0'), fc.jsonValue()),
      method: fc.oneof(methods, fc.jsonValue()),
      params: fc.jsonValue(),
      id: fc.oneof(fc.integer(), fc.string(), fc.constant(null), fc.jsonValue()),
    },
    { requiredKeys: [] },
  );

  it('answers 200 and well-formed JSON-RPC to arbitrary bodies', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.string(),
          fc.json(),
          requestish.map((r) => JSON.stringify(r)),
        ),
        async (body) => {
          const res = await rpc(sock, body);
          assert.equal(res.status, 200);
          if (res.body === '') return;
          assert.ok(res.body.endsWith('\n'));
          const r = JSON.parse(res.body) as Record<string, unknown>;
          assert.equal(r['jsonrpc'], '2.0');
          assert.ok('result' in r !== 'error' in r);
          assert.ok('id' in r);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('echoes any integer id exactly, far beyond 2^53', async () => {
    await fc.assert(
      fc.asyncProperty(fc.bigInt({ min: -(2n ** 63n), max: 2n ** 64n }), async (n) => {
        const res = await rpc(sock, `{"jsonrpc":"2.0","method":"Group.InspectGroups","params":{},"id":${n}}`);
        assert.equal(res.body, `{"jsonrpc":"2.0","result":{"Groups":null},"id":${n}}\n`);
      }),
      { numRuns: 100 },
    );
  });

  it('rawTopLevelMembers keeps each top-level value as its text', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string(), fc.jsonValue()), (obj) => {
        const text = JSON.stringify(obj, null, 1);
        const m = rawTopLevelMembers(text);
        // Compare with what JSON itself keeps (-0 is written as 0).
        for (const [k, v] of Object.entries(obj)) assert.deepEqual(JSON.parse(m.get(k)!), JSON.parse(JSON.stringify(v)));
        assert.equal(m.size, Object.keys(obj).length);
      }),
    );
  });
});
