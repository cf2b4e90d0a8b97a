/**
 * The spec a group provisions: the flavor's, with the group's tags over the flavor's own and the
 * logical ID (actors/group/operations.ts, withGroupTags). A spec that already says exactly that is
 * passed on as it is; any other is copied and corrected, never changed in place.
 */
import assert from 'node:assert/strict';
import { withGroupTags } from '../../actors/group/operations.js';
import type { InstanceSpec, Tags } from '../../actors/spi/common.js';

const group: Tags = { 'infrakit.group': 'g', 'infrakit.config.hash': 'h1' };

describe('group: the spec it provisions carries its tags', () => {
  it('passes a flavor spec that already carries the group tags (and a logical ID) on unchanged', () => {
    const spec: InstanceSpec = { Properties: { a: 1 }, Tags: { ...group, tier: 'web' }, Init: 'x', LogicalID: null, Attachments: null };
    assert.equal(withGroupTags(spec, group, null), spec);
    const pet: InstanceSpec = { ...spec, Tags: { ...group, 'infrakit.logicalID': 'p1' }, LogicalID: 'p1' };
    assert.equal(withGroupTags(pet, { ...group, 'infrakit.logicalID': 'p1' }, 'p1'), pet);
  });

  it('puts back a group tag the flavor dropped or changed, and the logical ID, on a copy', () => {
    const changed: InstanceSpec = { Tags: { 'infrakit.group': 'other', tier: 'web' }, Init: '', LogicalID: null };
    const frozen = Object.freeze({ ...changed, Tags: Object.freeze({ ...changed.Tags }) });
    const out = withGroupTags(frozen, group, null);
    assert.notEqual(out, frozen);
    assert.deepEqual(out, { Tags: { 'infrakit.group': 'g', tier: 'web', 'infrakit.config.hash': 'h1' }, Init: '', LogicalID: null });
    assert.deepEqual(withGroupTags({ Tags: null }, group, null), { Tags: group, LogicalID: null });
    // No LogicalID in the flavor's spec: the group says null, as before.
    assert.deepEqual(withGroupTags({ Tags: { ...group } }, group, null), { Tags: group, LogicalID: null });
    assert.deepEqual(withGroupTags({ Tags: { ...group }, LogicalID: null }, group, 'p2'), { Tags: group, LogicalID: 'p2' });
  });
});
