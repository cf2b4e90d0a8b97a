/**
 * Regression: params nested thousands of levels deep. Stored by a stateful actor they made every later
 * DescribeInstances hang (main could not read the reply); a stateless actor counted each as a crash
 * until it failed. The front end now refuses params deeper than MAX_PARAMS_DEPTH (-32602), and a body
 * nested deep outside params is measured as it arrives and refused (-32600) without being parsed.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Runtime } from '../../runtime/index.js';
import { serveRuntime, type SocketFrontEnd } from '../../sockets/index.js';
import { MAX_PARAMS_DEPTH } from '../../sockets/json-rpc-dispatch.js';
import { rpc } from './helpers.js';

const deepObject = (depth: number): string => '{"a":'.repeat(depth) + '1' + '}'.repeat(depth);
const deepArray = (depth: number): string => '['.repeat(depth) + ']'.repeat(depth);

describe('sockets: deeply nested params', function () {
  this.timeout(30_000);
  let home: string;
  let rt: Runtime;
  let fe: SocketFrontEnd;
  const sock = (name: string): string => join(home, 'plugins', name);

  before(async () => {
    home = mkdtempSync(join(tmpdir(), 'ikd-'));
    rt = await Runtime.start({
      home,
      logLevel: 'silent',
      actors: [
        { name: 'simulator', module: 'simulator' },
        { name: 'vanilla', module: 'vanilla' },
      ],
    });
    fe = await serveRuntime(rt, { pluginsDir: join(home, 'plugins') });
  });
  after(async () => {
    await fe?.close();
    await rt?.stop();
    rmSync(home, { recursive: true, force: true });
  });

  it('refuses params deeper than the limit with -32602, echoing the id', async () => {
    for (const [actor, method] of [
      ['simulator', 'Instance.Provision'],
      ['vanilla', 'Flavor.Validate'],
    ] as const) {
      for (const params of [deepObject(MAX_PARAMS_DEPTH + 1), deepArray(10_000), `{"Spec":{"Properties":${deepObject(3000)}}}`]) {
        const res = await rpc(sock(actor), `{"jsonrpc":"2.0","method":"${method}","params":${params},"id":"x"}`);
        assert.equal(res.status, 200);
        assert.equal(
          res.body,
          `{"jsonrpc":"2.0","error":{"code":-32602,"message":"params nested deeper than ${MAX_PARAMS_DEPTH} levels","data":null},"id":"x"}\n`,
        );
      }
    }
    for (const name of ['simulator', 'vanilla']) {
      assert.equal(rt.info(name)!.status, 'running');
      assert.equal(rt.info(name)!.restarts, 0);
    }
  });

  it('stores and returns params nested up to the limit', async () => {
    const props = deepObject(MAX_PARAMS_DEPTH - 3); // Spec.Properties under params: three levels more
    const prov = JSON.parse(
      (
        await rpc(
          sock('simulator'),
          `{"jsonrpc":"2.0","method":"Instance.Provision","params":{"Type":"","Spec":{"Properties":${props},"Tags":{"deep":"yes"}}},"id":1}`,
        )
      ).body,
    );
    assert.equal(typeof prov.result.ID, 'string');
    const desc = JSON.parse(
      (
        await rpc(
          sock('simulator'),
          '{"jsonrpc":"2.0","method":"Instance.DescribeInstances","params":{"Type":"","Tags":{"deep":"yes"},"Properties":true},"id":2}',
        )
      ).body,
    );
    assert.equal(desc.result.Descriptions.length, 1);
    assert.deepEqual(desc.result.Descriptions[0].Properties, JSON.parse(props));
  });

  it('members other than params may nest up to the limit', async () => {
    const res = await rpc(
      sock('simulator'),
      `{"jsonrpc":"2.0","method":"Instance.Validate","params":{"Type":"","Properties":{}},"x":${deepArray(MAX_PARAMS_DEPTH)},"id":3}`,
    );
    assert.equal(res.body, '{"jsonrpc":"2.0","result":{"Type":"","OK":true},"id":3}\n');
  });

  it('a body nested deeper anywhere is refused from a scan, never parsed: -32600 naming the member, the id echoed', async () => {
    for (const deep of [deepArray(MAX_PARAMS_DEPTH + 1), deepObject(5000)]) {
      const res = await rpc(sock('simulator'), `{"jsonrpc":"2.0","method":"Instance.Validate","params":{"Type":""},"x":${deep},"id":3}`);
      assert.equal(res.status, 200);
      assert.equal(
        res.body,
        `{"jsonrpc":"2.0","error":{"code":-32600,"message":"invalid request: member \\"x\\" nested deeper than ${MAX_PARAMS_DEPTH} levels","data":null},"id":3}\n`,
      );
    }
    // Deep and broken, or deep in a batch or after the object: the usual framing errors, id null.
    const unterminated = await rpc(sock('simulator'), `{"jsonrpc":"2.0","method":"Instance.Validate","id":4,"x":${'['.repeat(2000)}`);
    assert.match(
      unterminated.body,
      /^\{"jsonrpc":"2\.0","error":\{"code":-32700,"message":"parse error: [^"]+","data":null\},"id":null\}\n$/,
    );
    const batch = await rpc(sock('simulator'), deepArray(2000));
    assert.match(batch.body, /"code":-32600,"message":"batch requests are not supported"/);
    const trailing = await rpc(sock('simulator'), `{"jsonrpc":"2.0","method":"Instance.Validate","id":5}${deepArray(2000)}`);
    assert.match(trailing.body, /"code":-32700/);
  });

  it('four 3 MiB bodies nested 1.5M levels outside params are refused, and another socket answers meanwhile', async () => {
    const levels = 1_500_000;
    const body = `{"jsonrpc":"2.0","method":"Instance.Validate","params":{},"x":${'['.repeat(levels)}${']'.repeat(levels)},"id":7}`;
    assert.ok(body.length > 3_000_000 && body.length < 4 * 1024 * 1024);
    const deep = Array.from({ length: 4 }, () => rpc(sock('simulator'), body));
    const implemented = await rpc(sock('vanilla'), '{"jsonrpc":"2.0","method":"Plugin.Implements","params":{},"id":1}');
    assert.match(implemented.body, /"Interfaces":\[\{"Name":"Flavor"/);
    for (const res of await Promise.all(deep)) {
      assert.equal(
        res.body,
        `{"jsonrpc":"2.0","error":{"code":-32600,"message":"invalid request: member \\"x\\" nested deeper than ${MAX_PARAMS_DEPTH} levels","data":null},"id":7}\n`,
      );
    }
    assert.equal(rt.info('simulator')!.restarts, 0);
  });
});
