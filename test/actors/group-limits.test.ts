/**
 * Issue #12, group bounds: every number a client sends that sizes work is checked against
 * actors/group/limits.ts before anything is stored or allocated; duplicate logical IDs are refused.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as limits from '../../actors/group/limits.js';
import { parseGroupProperties, withSize } from '../../actors/group/properties.js';
import { MAX_GROUP_SIZE, MAX_LOGICAL_IDS, MAX_PROPERTIES_BYTES, MAX_STEP_OPERATIONS, jsonSizeWithin } from '../../actors/group/limits.js';
import { plan, type ObservedInstance } from '../../actors/group/plan.js';
import { MemorySpecStore } from '../../actors/group/spec-store.js';
import { LimitExceededError } from '../../runtime/errors.js';
import { FakeWorld, makePlugin, props } from '../fixtures/group-fakes.js';
import type { GroupPlugin } from '../../actors/group/group-plugin.js';

const base = { Instance: { Plugin: 'inst/compute', Properties: {} }, Flavor: { Plugin: 'flv', Properties: null } };
const limit = (message: string | RegExp) => ({ name: 'LimitExceededError', code: 'IK_LIMIT_EXCEEDED', message });

describe('group limits: properties', () => {
  it('Allocation.Size over 100,000 is refused, naming the field, the limit and the value; 100,000 is allowed', () => {
    assert.throws(
      () => parseGroupProperties({ ...base, Allocation: { Size: 1e9 } }),
      limit('Allocation.Size is 1000000000, over the limit of 100000'),
    );
    assert.throws(() => parseGroupProperties({ ...base, Allocation: { Size: 1e300 } }), LimitExceededError);
    assert.equal(parseGroupProperties({ ...base, Allocation: { Size: MAX_GROUP_SIZE } }).size, 100_000);
    // Also when the stored spec is read back (scaled-to-zero specs parse with allowEmptyAllocation).
    assert.throws(
      () => parseGroupProperties(withSize({ ...base, Allocation: { Size: 3 } }, 1e7), { allowEmptyAllocation: true }),
      limit(/^Allocation\.Size is 10000000,/),
    );
    // Go's type errors stay as they were.
    assert.throws(
      () => parseGroupProperties({ ...base, Allocation: { Size: -1 } }),
      /^Error: Invalid properties: json: cannot unmarshal number into Go struct field AllocationMethod.Allocation.Size of type uint/,
    );
  });

  it('LogicalIDs: count, length, control characters and duplicates', () => {
    const lids = (n: number) => Array.from({ length: n }, (_, i) => `pet-${i}`);
    assert.equal(parseGroupProperties({ ...base, Allocation: { LogicalIDs: lids(MAX_LOGICAL_IDS) } }).logicalIds?.length, 10_000);
    assert.throws(
      () => parseGroupProperties({ ...base, Allocation: { LogicalIDs: lids(MAX_LOGICAL_IDS + 1) } }),
      limit('Allocation.LogicalIDs count is 10001, over the limit of 10000'),
    );
    assert.throws(
      () => parseGroupProperties({ ...base, Allocation: { LogicalIDs: ['a', 'x'.repeat(257)] } }),
      limit('Allocation.LogicalIDs[1] length is 257 characters, over the limit of 256 characters'),
    );
    assert.doesNotThrow(() => parseGroupProperties({ ...base, Allocation: { LogicalIDs: ['x'.repeat(256)] } }));
    assert.throws(() => parseGroupProperties({ ...base, Allocation: { LogicalIDs: ['a', 'b\nc'] } }), {
      message: 'Allocation.LogicalIDs[1] "b\\nc" contains a control character',
    });
    assert.throws(() => parseGroupProperties({ ...base, Allocation: { LogicalIDs: ['a', 'a', 'b'] } }), {
      message: 'Allocation.LogicalIDs has "a" more than once; each logical ID names one instance',
    });
    assert.throws(
      () => parseGroupProperties({ ...base, Allocation: { LogicalIDs: ['a', 3] } }),
      /cannot unmarshal number into Go struct field AllocationMethod.Allocation.LogicalIDs of type instance.LogicalID/,
    );
  });

  it('Updating.MaxSurge and MaxUnavailable at most the size limit', () => {
    const p = (u: object) => parseGroupProperties({ ...base, Allocation: { Size: 2 }, Updating: u });
    assert.equal(p({ MaxSurge: MAX_GROUP_SIZE }).updating.maxSurge, MAX_GROUP_SIZE);
    assert.throws(() => p({ MaxSurge: 1e9 }), limit('Updating.MaxSurge is 1000000000, over the limit of 100000'));
    assert.throws(() => p({ MaxUnavailable: 100_001 }), limit('Updating.MaxUnavailable is 100001, over the limit of 100000'));
  });

  it('Properties over 1 MiB as JSON are refused, measured by a walk that stops at the limit', () => {
    const big = { ...base, Allocation: { Size: 1 }, Instance: { Plugin: 'inst', Properties: { blob: 'x'.repeat(MAX_PROPERTIES_BYTES) } } };
    assert.throws(() => parseGroupProperties(big), limit('Properties size is more than 1048576 bytes, over the limit of 1048576 bytes'));
    const wide = {
      ...base,
      Allocation: { Size: 1 },
      Instance: { Plugin: 'inst', Properties: Array.from({ length: 200_000 }, (_, i) => ({ i })) },
    };
    assert.throws(() => parseGroupProperties(wide), LimitExceededError);
    // A cyclic value (possible in-process) ends at the limit too.
    const cyclic: Record<string, unknown> = { a: 1 };
    cyclic['self'] = cyclic;
    assert.throws(
      () => parseGroupProperties({ ...base, Allocation: { Size: 1 }, Instance: { Plugin: 'inst', Properties: cyclic } }),
      LimitExceededError,
    );
  });

  it("jsonSizeWithin is JSON.stringify's byte length below the limit, and limit+1 above it", () => {
    const samples: unknown[] = [
      null,
      true,
      false,
      0,
      -1.5e-7,
      1e21,
      '',
      'héllo "q" \n \u0001 ☃',
      [],
      {},
      [1, 'a', null, [true]],
      { a: 1, b: [1, 2, { c: 'd' }], e: { f: null }, u: undefined, 'k"ey': 'v' },
      [undefined, 1],
      props(3, {}, { note: 'ünïcode ✓' }),
    ];
    for (const v of samples) assert.equal(jsonSizeWithin(v, 1 << 20), Buffer.byteLength(JSON.stringify(v)), JSON.stringify(v));
    assert.equal(jsonSizeWithin('x'.repeat(100), 50), 51);
    assert.equal(jsonSizeWithin(new Array(1e9), 1000), 1001);
  });
});

describe('group limits: the plugin methods refuse before anything is stored or called', () => {
  let world: FakeWorld;
  let store: MemorySpecStore;
  let plugin: GroupPlugin;
  beforeEach(() => {
    world = new FakeWorld();
    store = new MemorySpecStore();
    plugin = makePlugin(world, {}, store);
  });
  afterEach(() => plugin.close());

  it('CommitGroup with Size 1e9: LimitExceededError, nothing stored, no plugin called', async () => {
    await assert.rejects(
      plugin.commitGroup({ ID: 'g', Properties: props(1e9) }, false),
      limit('Allocation.Size is 1000000000, over the limit of 100000'),
    );
    await assert.rejects(plugin.commitGroup({ ID: 'g', Properties: props(1e9) }, true), LimitExceededError);
    assert.equal(world.calls.length, 0);
    assert.equal(plugin.inspectGroups(), null);
    assert.equal((await store.load()).size, 0);
    // The largest allowed size still commits.
    assert.equal(await plugin.commitGroup({ ID: 'g', Properties: props(MAX_GROUP_SIZE) }, true), 'Managing 100000 instances');
  });

  it('CommitGroup refuses duplicate logical IDs, naming the duplicate', async () => {
    const pets = props(['a', 'a', 'b']);
    await assert.rejects(plugin.commitGroup({ ID: 'g', Properties: pets }, false), {
      code: 'IK_APPLICATION',
      message: 'Allocation.LogicalIDs has "a" more than once; each logical ID names one instance',
    });
    assert.equal((await store.load()).size, 0);
  });

  it('the group ID: at most 256 characters, no control characters', async () => {
    await assert.rejects(
      plugin.commitGroup({ ID: 'g'.repeat(257), Properties: props(1) }, false),
      limit('Group ID length is 257 characters, over the limit of 256 characters'),
    );
    await assert.rejects(plugin.commitGroup({ ID: 'a\u0000b', Properties: props(1) }, false), {
      code: 'IK_APPLICATION',
      message: 'Group ID "a\\u0000b" contains a control character',
    });
    await assert.rejects(plugin.describeGroup('g'.repeat(10_000)), limit(/^Group ID length is 10000 characters/));
    assert.throws(() => plugin.size('g'.repeat(300)), LimitExceededError);
    assert.equal(world.calls.length, 0);
  });

  it('SetSize over the limit leaves the group and its stored spec as they were', async () => {
    await plugin.commitGroup({ ID: 'g', Properties: props(2) }, false);
    const before = await store.load();
    await assert.rejects(plugin.setSize('g', 1e9), limit('Allocation.Size is 1000000000, over the limit of 100000'));
    await assert.rejects(plugin.setSize('g', MAX_GROUP_SIZE + 1), LimitExceededError);
    assert.equal(plugin.size('g'), 2);
    assert.deepEqual(await store.load(), before);
    await plugin.setSize('g', 3);
    assert.equal(plugin.size('g'), 3);
  });

  it('DestroyInstances: list length and ID length are bounded, before the members are listed', async () => {
    await plugin.commitGroup({ ID: 'g', Properties: props(1) }, false);
    const describes = world.count('Instance.DescribeInstances');
    await assert.rejects(
      plugin.destroyInstances(
        'g',
        Array.from({ length: MAX_GROUP_SIZE + 1 }, (_, i) => `i-${i}`),
      ),
      limit('Instances count is 100001, over the limit of 100000'),
    );
    await assert.rejects(
      plugin.destroyInstances('g', ['i-1', 'x'.repeat(1025)]),
      limit('Instances[1] length is 1025 characters, over the limit of 1024 characters'),
    );
    assert.equal(world.count('Instance.DescribeInstances'), describes);
  });

  it('DestroyInstances names at most 20 strangers in its error', async () => {
    await plugin.commitGroup({ ID: 'g', Properties: props(1) }, false);
    const strangers = Array.from({ length: 500 }, (_, i) => `nope-${i}`);
    await assert.rejects(plugin.destroyInstances('g', strangers), (err: Error) => {
      assert.match(err.message, /^Instances not in group 'g': nope-0, nope-1, .*nope-19 and 480 more$/);
      return true;
    });
  });
});

describe('group limits: a convergence step is bounded', () => {
  const obs = (id: string, current = true): ObservedInstance => ({
    id,
    logicalId: null,
    current,
    health: 'healthy',
    ready: true,
    replace: false,
  });
  const input = { logicalIds: null, pending: [], maxSurge: 1, maxUnavailable: 0, paused: false } as const;

  it('provisions at most MAX_STEP_OPERATIONS (or maxStep) at once; the next step does the rest', () => {
    assert.equal(plan({ ...input, size: MAX_GROUP_SIZE, instances: [] }).provision.length, MAX_STEP_OPERATIONS);
    assert.equal(plan({ ...input, size: 10, instances: [], maxStep: 4 }).provision.length, 4);
    const pending = Array.from({ length: 8 }, () => ({ logicalId: null, current: true }));
    assert.equal(plan({ ...input, size: 10, instances: [], pending, maxStep: 4 }).provision.length, 2);
    // A rolling update too.
    const old = Array.from({ length: 10 }, (_, i) => obs(`o${i}`, false));
    assert.equal(plan({ ...input, size: 10, instances: old, maxSurge: 10, maxStep: 3 }).provision.length, 3);
  });

  it('destroys at most maxStep at once', () => {
    const many = Array.from({ length: 50 }, (_, i) => obs(`i${String(i).padStart(2, '0')}`));
    const p = plan({ ...input, size: 0, instances: many, maxStep: 20 });
    assert.equal(p.destroy.length, 20);
    assert.equal(plan({ ...input, size: 0, instances: many }).destroy.length, 50);
  });
});

describe('group limits: docs/limits.md', () => {
  it('lists every limit constant with its value', () => {
    const doc = readFileSync(fileURLToPath(new URL('../../../docs/limits.md', import.meta.url)), 'utf8');
    const constants = Object.entries(limits).filter(([name]) => name.startsWith('MAX_'));
    assert.ok(constants.length >= 10);
    for (const [name, value] of constants) {
      const row = doc.split('\n').find((l) => l.startsWith('|') && l.includes(`\`${name}\``));
      assert.ok(row, `docs/limits.md has no row for ${name}`);
      const shown = name === 'MAX_PROPERTIES_BYTES' ? `${(value as number) / 1024 / 1024} MiB` : (value as number).toLocaleString('en-US');
      assert.ok(row.includes(shown), `docs/limits.md's row for ${name} does not say ${shown}: ${row}`);
    }
  });
});
