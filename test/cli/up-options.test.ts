/**
 * `up`'s `--store`, `--etcd-endpoints` and `--node-id` reach the group actors as declared options
 * (never by changing process.env); a config's own options still win; etcd brings cluster/'s backend.
 */
import assert from 'node:assert/strict';
import { withStoreOptions } from '../../cli/commands/up.js';
import { etcdGroupBackend } from '../../cluster/ha-options.js';

describe('up: store flags become group options', () => {
  it('every built-in group gets them, under its own options; other actors are left alone; the environment is not touched', () => {
    const before = { ...process.env };
    const out = withStoreOptions(
      [
        { name: 'group', module: 'group' },
        { name: 'g2', module: 'group', options: { nodeId: 'mine', pollIntervalMs: 5 } },
        { name: 'simulator', module: 'simulator', options: { objects: ['compute'] } },
      ],
      { store: 'etcd', etcdEndpoints: 'http://e:2379', nodeId: 'n1' },
    );
    const backend = etcdGroupBackend();
    assert.deepEqual(out, [
      { name: 'group', module: 'group', options: { store: 'etcd', etcdEndpoints: 'http://e:2379', nodeId: 'n1', backend } },
      {
        name: 'g2',
        module: 'group',
        options: { store: 'etcd', etcdEndpoints: 'http://e:2379', nodeId: 'mine', pollIntervalMs: 5, backend },
      },
      { name: 'simulator', module: 'simulator', options: { objects: ['compute'] } },
    ]);
    assert.deepEqual({ ...process.env }, before);
  });

  it('a file or memory store gets no backend; a config entry with store etcd gets one without the flag', () => {
    const out = withStoreOptions(
      [
        { name: 'a', module: 'group', options: { store: 'memory' } },
        { name: 'b', module: 'group', options: { store: 'etcd' } },
      ],
      { store: 'file' },
    );
    assert.deepEqual(out[0]?.options, { store: 'memory' });
    assert.deepEqual(out[1]?.options, { store: 'etcd', backend: etcdGroupBackend() });
  });
});
