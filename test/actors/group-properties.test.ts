import assert from 'node:assert/strict';
import { commitDetails } from '../../actors/group/details.js';
import { normaliseProperties, parseGroupProperties, propertiesHash, withSize } from '../../actors/group/properties.js';

const base = { Instance: { Plugin: 'sim/compute', Properties: { a: 1 } }, Flavor: { Plugin: 'vanilla', Properties: null } };

describe('group properties (docs/go-compat.md #9)', () => {
  it('reads keys case-insensitively, as Go does', () => {
    const p = parseGroupProperties({
      allocation: { size: 3 },
      instance: { plugin: 'sim/compute', properties: { a: 1 } },
      FLAVOR: { Plugin: 'vanilla' },
    });
    assert.equal(p.size, 3);
    assert.equal(p.instance.Plugin, 'sim/compute');
    assert.equal(p.flavor.Plugin, 'vanilla');
    assert.equal(propertiesHash(p), propertiesHash(parseGroupProperties({ ...base, Allocation: { Size: 3 } })));
  });

  it("answers with Go's texts, in Go's order", () => {
    assert.throws(() => parseGroupProperties(base), { message: 'Allocation must not be blank' });
    assert.throws(() => parseGroupProperties({ ...base, Allocation: { Size: 0, LogicalIDs: [] } }), {
      message: 'Allocation must not be blank',
    });
    assert.throws(() => parseGroupProperties({ ...base, Allocation: { Size: 2, LogicalIDs: ['a'] } }), {
      message: 'Only one Allocation method may be used',
    });
    assert.throws(() => parseGroupProperties({ ...base, Allocation: { Size: 2 }, Updating: { Count: 2, Duration: '10s' } }), {
      message: 'Only one Updating method may be used',
    });
    assert.throws(
      () => parseGroupProperties({ ...base, Allocation: { Size: 'x' } }),
      /^Error: Invalid properties: json: cannot unmarshal string/,
    );
    assert.throws(() => parseGroupProperties({ ...base, Allocation: { Size: -1 } }), /Invalid properties/);
    assert.throws(
      () => parseGroupProperties({ ...base, Allocation: { Size: 1 }, Updating: { Duration: 'soon' } }),
      /Invalid properties: Updating.Duration: time: invalid duration/,
    );
    assert.throws(() => parseGroupProperties('nope'), /Invalid properties/);
    assert.doesNotThrow(() => parseGroupProperties(base, { allowEmptyAllocation: true }));
  });

  it('has our rollout options with their defaults', () => {
    const p = parseGroupProperties({ ...base, Allocation: { Size: 1 } });
    assert.equal(p.updating.maxSurge, 1);
    assert.equal(p.updating.maxUnavailable, 0);
    assert.equal(p.updating.healthTimeoutMs, 60_000);
    assert.equal(p.healthGraceMs, undefined);
    const q = parseGroupProperties({
      ...base,
      Allocation: { Size: 1 },
      Updating: { MaxSurge: 0, MaxUnavailable: 2, HealthTimeout: '5s' },
      Health: { GracePeriod: '1m' },
    });
    assert.equal(q.updating.maxSurge, 0);
    assert.equal(q.updating.maxUnavailable, 2);
    assert.equal(q.updating.healthTimeoutMs, 5000);
    assert.equal(q.healthGraceMs, 60_000);
    assert.throws(() => parseGroupProperties({ ...base, Allocation: { Size: 1 }, Updating: { MaxSurge: 0 } }), /must not both be 0/);
  });

  it('re-encodes normalised for InspectGroups', () => {
    const raw = { allocation: { size: 2 }, ...base };
    assert.deepEqual(normaliseProperties(parseGroupProperties(raw), raw), {
      Allocation: { Size: 2, LogicalIDs: null },
      Instance: { Plugin: 'sim/compute', Properties: { a: 1 } },
      Flavor: { Plugin: 'vanilla', Properties: null },
      Updating: { Duration: '0s', Count: 0 },
    });
    assert.deepEqual(withSize(raw, 5), { allocation: { size: 5 }, ...base });
  });
});

describe('CommitGroup Details (docs/go-compat.md #9)', () => {
  const d = (o: Partial<Parameters<typeof commitDetails>[0]>): string =>
    commitDetails({ isNew: false, pets: false, oldSize: 3, newSize: 3, matching: 3, mismatching: 0, ...o });
  it('words every case as Go InfraKit', () => {
    assert.equal(d({ isNew: true, newSize: 5 }), 'Managing 5 instances');
    assert.equal(d({}), 'Noop');
    assert.equal(d({ matching: 1, mismatching: 2 }), 'Performing a rolling update on 2 instances');
    assert.equal(d({ newSize: 1, matching: 3 }), 'Terminating 2 instances to reduce the group size to 1');
    assert.equal(
      d({ newSize: 2, matching: 0, mismatching: 3 }),
      'Terminating 1 instances to reduce the group size to 2, then performing a rolling update on 2 instances',
    );
    assert.equal(d({ newSize: 5 }), 'Adding 2 instances to increase the group size to 5');
    assert.equal(
      d({ newSize: 5, matching: 0, mismatching: 3 }),
      'Performing a rolling update on 3 instances, then adding 2 instances to increase the group size to 5',
    );
    assert.equal(d({ pets: true, matching: 0, mismatching: 3 }), 'Performing a rolling update on 3 instances');
    assert.equal(d({ pets: true }), 'Noop');
  });
});
