/**
 * Every method of every built-in Instance and Flavor plugin, over its socket, against a real
 * `infrakit-ts up`: what curl or a Go client sees. (The group's methods: test/actors/group-runtime
 * and the README tour.)
 */
import { strict as assert } from 'node:assert';
import { postSocket, removeHome, tempHome, UpProcess } from '../helpers/cli.js';

interface RpcAnswer {
  result?: Record<string, unknown>;
  error?: { code: number; message: string; data: unknown };
}

describe('e2e: instance and flavor plugins over their sockets', function () {
  this.timeout(60_000);
  let home: string;
  let up: UpProcess;
  let id = 0;
  const provisioned: { plugin: string; id: string }[] = [];

  const rpc = async (plugin: string, method: string, params: unknown): Promise<RpcAnswer> => {
    const r = await postSocket(up.socket(plugin), JSON.stringify({ jsonrpc: '2.0', method, params, id: ++id }));
    assert.equal(r.status, 200);
    const answer = JSON.parse(r.body) as RpcAnswer & { id: number };
    assert.equal(answer.id, id);
    return answer;
  };
  const ok = async (plugin: string, method: string, params: unknown): Promise<Record<string, unknown>> => {
    const a = await rpc(plugin, method, params);
    assert.equal(a.error, undefined, `${plugin} ${method}: ${a.error?.message}`);
    assert.ok(a.result);
    return a.result;
  };

  before(async () => {
    home = tempHome();
    up = new UpProcess(home);
    await up.ready();
  });
  after(async () => {
    // The process plugin's instances outlive the runtime: destroy what this test made.
    for (const p of provisioned)
      await rpc(p.plugin, 'Instance.Destroy', { Instance: p.id, Context: { Reason: 'terminate' } }).catch(() => undefined);
    await up.interrupt();
    removeHome(home);
  });

  for (const [plugin, type, spec] of [
    [
      'simulator',
      'compute',
      { Properties: { Image: 'x' }, Tags: { app: 'e2e', tier: 'a' }, Init: 'echo hi', LogicalID: null, Attachments: null },
    ],
    [
      'file',
      '',
      {
        Properties: { Image: 'x' },
        Tags: { app: 'e2e', tier: 'a' },
        Init: 'echo hi',
        LogicalID: 'lid-1',
        Attachments: [{ ID: 'vol-1', Type: 'disk' }],
      },
    ],
    ['process', '', { Properties: {}, Tags: { app: 'e2e', tier: 'a' }, Init: 'exec sleep 300', LogicalID: null, Attachments: null }],
  ] as const) {
    it(`${plugin}: Validate, Provision, DescribeInstances (tags, properties), Label, Destroy, and its errors`, async () => {
      assert.deepEqual(await ok(plugin, 'Instance.Validate', { Type: type, Properties: {} }), { Type: type, OK: true });
      const { ID } = (await ok(plugin, 'Instance.Provision', { Type: type, Spec: spec })) as { ID: string };
      assert.equal(typeof ID, 'string');
      provisioned.push({ plugin, id: ID });

      // Keys match case-insensitively, as Go's decoder does.
      const found = (await ok(plugin, 'Instance.DescribeInstances', { type, tags: { app: 'e2e' }, properties: true })).Descriptions as {
        ID: string;
        Tags: Record<string, string>;
        Properties?: unknown;
      }[];
      assert.deepEqual(
        found.map((d) => d.ID),
        [ID],
      );
      assert.equal(found[0]?.Tags['tier'], 'a');
      assert.notEqual(found[0]?.Properties, undefined);
      const bare = (await ok(plugin, 'Instance.DescribeInstances', { Type: type, Tags: { app: 'e2e' }, Properties: false }))
        .Descriptions as { Properties?: unknown }[];
      assert.equal(bare[0]?.Properties, undefined, 'Properties left out unless asked for');
      assert.equal((await ok(plugin, 'Instance.DescribeInstances', { Type: type, Tags: { app: 'nope' } })).Descriptions, null);

      await ok(plugin, 'Instance.Label', { Type: type, Instance: ID, Labels: { tier: 'b' } });
      const relabelled = (await ok(plugin, 'Instance.DescribeInstances', { Type: type, Tags: { tier: 'b' } })).Descriptions as {
        ID: string;
      }[];
      assert.deepEqual(
        relabelled.map((d) => d.ID),
        [ID],
      );

      await ok(plugin, 'Instance.Destroy', { Type: type, Instance: ID, Context: { Reason: 'terminate' } });
      provisioned.pop();
      assert.equal((await ok(plugin, 'Instance.DescribeInstances', { Type: type, Tags: { app: 'e2e' } })).Descriptions, null);

      const unknown = await rpc(plugin, 'Instance.Destroy', { Type: type, Instance: 'no-such-instance' });
      assert.equal(unknown.error?.code, -32000);
      assert.match(unknown.error?.message ?? '', /not found/);
      assert.equal(unknown.error?.data, null);
      const badParams = await rpc(plugin, 'Instance.Provision', { Type: type, Spec: 'not an object' });
      assert.equal(badParams.error?.code, -32602);
    });
  }

  it('process: a command that cannot start is reported and leaves nothing', async () => {
    const r = await rpc('process', 'Instance.Provision', { Spec: { Init: 'exit 3', Tags: { app: 'e2e-fail' } } });
    assert.equal(r.error?.code, -32000);
    assert.equal((await ok('process', 'Instance.DescribeInstances', { Tags: { app: 'e2e-fail' } })).Descriptions, null);
  });

  const description = { ID: 'i-1', LogicalID: null, Tags: { 'infrakit.group': 'workers' } };
  for (const flavor of ['vanilla', 'combo'] as const) {
    const props =
      flavor === 'vanilla'
        ? { Init: ['echo one'], Tags: { tier: 'web' }, Attachments: [{ ID: 'vol-1', Type: 'disk' }] }
        : [
            { Plugin: 'vanilla', Properties: { Init: ['echo one'], Tags: { tier: 'web', shared: 'first' } } },
            { Plugin: 'vanilla', Properties: { Init: ['echo two'], Tags: { shared: 'second' } } },
          ];
    it(`${flavor}: Validate, Prepare, Healthy, Drain`, async () => {
      assert.deepEqual(await ok(flavor, 'Flavor.Validate', { Type: '', Properties: props, Allocation: { Size: 3, LogicalIDs: null } }), {
        Type: '',
        OK: true,
      });
      const prepared = (
        await ok(flavor, 'Flavor.Prepare', {
          Type: '',
          Properties: props,
          Spec: { Properties: null, Tags: { 'infrakit.group': 'workers' }, Init: 'echo base', LogicalID: null, Attachments: null },
          Allocation: { Size: 3, LogicalIDs: null },
          Index: { Group: 'workers', Sequence: 0 },
        })
      ).Spec as { Tags: Record<string, string>; Init: string };
      assert.equal(prepared.Tags['infrakit.group'], 'workers');
      assert.equal(prepared.Tags['tier'], 'web');
      if (flavor === 'combo') {
        assert.equal(prepared.Tags['shared'], 'second', 'later flavors win');
        assert.equal(prepared.Init, 'echo base\necho one\necho two', 'the incoming Init is not repeated');
      } else {
        assert.equal(prepared.Init, 'echo base\necho one');
      }
      assert.deepEqual(await ok(flavor, 'Flavor.Healthy', { Type: '', Properties: props, Instance: description }), { Type: '', Health: 1 });
      assert.equal((await ok(flavor, 'Flavor.Drain', { Type: '', Properties: props, Instance: description })).OK, true);
    });
  }

  it('flavor validation errors name the field', async () => {
    const v = await rpc('vanilla', 'Flavor.Validate', { Properties: { Init: 'not a list' }, Allocation: { Size: 1 } });
    assert.equal(v.error?.code, -32000);
    assert.match(v.error?.message ?? '', /Init/);
    const c = await rpc('combo', 'Flavor.Validate', { Properties: [{ Plugin: 'vanilla' }, { Plugin: '' }], Allocation: { Size: 1 } });
    assert.match(c.error?.message ?? '', /Properties\[1\]/);
  });
});
