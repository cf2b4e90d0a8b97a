/**
 * DescribeGroup of a packed listing goes to the socket as JSON made from the simulator's columns
 * (actors/group/packed-members.ts: bytes written from them when long, the members' text made once per
 * listing when short), not by JSON.stringify of the answer: it must be byte for byte what the text path
 * gives for the same value.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { Runtime } from '../../runtime/index.js';
import { serveRuntime, type SocketFrontEnd } from '../../sockets/index.js';
import { PREPARED_MIN_MEMBERS } from '../../actors/group/group-controller.js';
import { waitFor } from '../helpers/wait.js';
import { rpc, tempDir } from '../sockets/helpers.js';

describe('group: DescribeGroup over the socket, made from the packed listing', () => {
  let rt: Runtime;
  let fe: SocketFrontEnd;
  let dir: string;
  let cleanup: () => Promise<void>;
  before(async () => {
    ({ dir, cleanup } = await tempDir());
    rt = await Runtime.start({
      home: dir,
      logLevel: 'silent',
      actors: [
        { name: 'simulator', module: 'simulator', options: { objects: ['compute'] } },
        { name: 'vanilla', module: 'vanilla' },
        { name: 'group', module: 'group', options: { pollIntervalMs: 600_000, store: 'memory' } },
      ],
    });
    fe = await serveRuntime(rt, { pluginsDir: join(dir, 'plugins') });
    const flavor = { Plugin: 'vanilla', Properties: { Init: ['echo hello'], Tags: { tier: 'té "st"' } } };
    const instance = { Plugin: 'simulator/compute', Properties: { v: 1, note: 'ü\u2028' } };
    const cattle = { Allocation: { Size: PREPARED_MIN_MEMBERS + 20 }, Instance: instance, Flavor: flavor };
    const lids = Array.from({ length: PREPARED_MIN_MEMBERS + 4 }, (_, i) => `10.0.${i >> 8}.${i & 255}`);
    const pets = { Allocation: { LogicalIDs: lids }, Instance: instance, Flavor: flavor };
    await rt.call('group', 'Group.CommitGroup', { Spec: { ID: 'cattle', Properties: cattle } });
    await rt.call('group', 'Group.CommitGroup', { Spec: { ID: 'pets', Properties: pets } });
    await rt.call('group', 'Group.CommitGroup', { Spec: { ID: 'small', Properties: { ...cattle, Allocation: { Size: 5 } } } });
    for (const id of ['cattle', 'pets', 'small']) {
      await waitFor(`${id} converged`, async () => {
        const r = await rt.call<{ Description: { Converged: boolean } }>('group', 'Group.DescribeGroup', { ID: id });
        return r.Description.Converged;
      });
    }
  });
  after(async () => {
    await fe.close();
    await rt.stop();
    await cleanup();
  });

  for (const id of ['cattle', 'pets', 'small']) {
    for (const params of [{ ID: id }, { Name: 'workers', ID: id }]) {
      it(`${id}${params.Name === undefined ? '' : ' (HEAD: Name echoed)'}: the bytes are those of the value's JSON`, async () => {
        const res = await rpc(
          join(dir, 'plugins', 'group'),
          JSON.stringify({ jsonrpc: '2.0', method: 'Group.DescribeGroup', params, id: 7 }),
        );
        assert.equal(res.status, 200);
        const value = await rt.call<{ Description: { Instances: unknown[] } }>('group', 'Group.DescribeGroup', params);
        assert.ok(value.Description.Instances.length >= (id === 'small' ? 5 : PREPARED_MIN_MEMBERS));
        assert.equal(res.body, `{"jsonrpc":"2.0","result":${JSON.stringify(value)},"id":7}\n`);
        assert.equal(res.headers['content-length'], String(Buffer.byteLength(res.body)));
      });
    }
  }
});
