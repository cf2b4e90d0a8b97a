/**
 * The group actor's `backend` option: another room plugs its store and extra handlers in through a
 * module named in the declaration (cluster/ does so for etcd); the group knows nothing else of it.
 */
import assert from 'node:assert/strict';
import { Runtime } from '../../runtime/index.js';
import { ActorStartError } from '../../runtime/errors.js';
import { useRuntimeHome } from '../helpers/runtime-home.js';

const BACKEND = new URL('../fixtures/memory-backend.js', import.meta.url).href;
const MANAGER = { name: 'Manager', version: '0.1.0' };

describe('group actor: backend option', function () {
  this.timeout(60_000);
  const t = useRuntimeHome();

  it('serves the backend plugin, its handlers and its interfaces, with the declared options', async () => {
    t.rt = await Runtime.start({
      home: t.home,
      logLevel: 'silent',
      actors: [
        { name: 'simulator', module: 'simulator' },
        { name: 'vanilla', module: 'vanilla' },
        {
          name: 'group',
          module: 'group',
          options: { pollIntervalMs: 100, store: 'custom', nodeId: 'n7', backend: { module: BACKEND, interfaces: [MANAGER] } },
        },
      ],
    });
    assert.deepEqual(t.rt.info('group')?.manifest?.interfaces.at(-1), MANAGER);
    assert.deepEqual(await t.rt.call('group', 'Manager.IsLeader', {}), { Leader: true, Node: 'n7', Actor: 'group' });
    const spec = {
      ID: 'w',
      Properties: {
        Allocation: { Size: 1 },
        Instance: { Plugin: 'simulator/compute', Properties: {} },
        Flavor: { Plugin: 'vanilla', Properties: {} },
      },
    };
    await t.rt.call('group', 'Group.CommitGroup', { Spec: spec });
    assert.deepEqual(
      (await t.rt.call<{ Groups: { ID: string }[] }>('group', 'Group.InspectGroups', {})).Groups.map((g) => g.ID),
      ['w'],
    );
  });

  it('a store kind it does not know, with no backend, fails the start saying so', async () => {
    await assert.rejects(
      Runtime.start({ home: t.home, logLevel: 'silent', actors: [{ name: 'group', module: 'group', options: { store: 'etcd' } }] }),
      (err: Error) => err instanceof ActorStartError && /spec store 'etcd' needs the group option backend/.test(err.message),
    );
  });
});
