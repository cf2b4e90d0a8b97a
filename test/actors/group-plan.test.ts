import assert from 'node:assert/strict';
import { plan, type ObservedInstance, type PlanInput } from '../../actors/group/plan.js';

const inst = (id: string, o: Partial<ObservedInstance> = {}): ObservedInstance => ({
  id,
  logicalId: null,
  current: true,
  health: 'healthy',
  ready: true,
  replace: false,
  ...o,
});
const input = (o: Partial<PlanInput>): PlanInput => ({
  size: 3,
  logicalIds: null,
  instances: [],
  pending: [],
  maxSurge: 1,
  maxUnavailable: 0,
  paused: false,
  ...o,
});

describe('group plan', () => {
  it('cattle: scales up, counting provisions in flight', () => {
    assert.equal(plan(input({})).provision.length, 3);
    assert.equal(plan(input({ instances: [inst('a')], pending: [{ logicalId: null, current: true }] })).provision.length, 1);
  });

  it('cattle: scale-down removes unhealthy, then outdated, instances first (docs/go-compat.md #23)', () => {
    const r = plan(
      input({
        size: 2,
        maxSurge: 0,
        maxUnavailable: 1,
        instances: [inst('a'), inst('b', { current: false }), inst('c'), inst('d', { health: 'unhealthy' })],
      }),
    );
    assert.deepEqual(
      r.destroy.filter((d) => d.why === 'surplus').map((d) => d.id),
      ['d', 'b'],
    );
  });

  it('cattle: never removes because of provisions in flight (they may already be listed)', () => {
    const r = plan(input({ instances: [inst('a'), inst('b'), inst('c')], pending: [{ logicalId: null, current: true }] }));
    assert.equal(r.destroy.length, 0);
    assert.equal(r.provision.length, 0);
  });

  it('replaces instances unhealthy past the grace period', () => {
    const r = plan(input({ instances: [inst('a'), inst('b', { health: 'unhealthy', replace: true }), inst('c')] }));
    assert.deepEqual(r.destroy, [{ id: 'b', reason: 'terminate', why: 'unhealthy' }]);
    assert.equal(r.provision.length, 1);
  });

  it('rolling update: surges first, then removes old once the new one is ready', () => {
    const old = [inst('a', { current: false }), inst('b', { current: false }), inst('c', { current: false })];
    let r = plan(input({ instances: old }));
    assert.equal(r.provision.length, 1);
    assert.equal(r.destroy.length, 0);
    assert.equal(r.outdated, 3);
    // new instance present but not ready: wait
    r = plan(input({ instances: [...old, inst('n1', { ready: false, health: 'unknown' })] }));
    assert.equal(r.provision.length, 0);
    assert.equal(r.destroy.length, 0);
    // ready: one old goes, with rolling_update
    r = plan(input({ instances: [...old, inst('n1')] }));
    assert.deepEqual(
      r.destroy.map((d) => [d.id, d.reason]),
      [['a', 'rolling_update']],
    );
    assert.equal(r.provision.length, 1);
  });

  it('rolling update with MaxSurge 2 / MaxUnavailable 1 goes faster', () => {
    const old = ['a', 'b', 'c', 'd'].map((id) => inst(id, { current: false }));
    const r = plan(input({ size: 4, maxSurge: 2, maxUnavailable: 1, instances: old }));
    assert.equal(r.destroy.length, 1);
    assert.equal(r.provision.length, 3);
  });

  it('paused: no surge, no removal, but healing goes on', () => {
    const old = [inst('a', { current: false }), inst('b', { current: false })];
    let r = plan(input({ paused: true, instances: [...old, inst('n1')] }));
    assert.equal(r.provision.length, 0);
    assert.equal(r.destroy.length, 0);
    r = plan(input({ paused: true, instances: old }));
    assert.equal(r.provision.length, 1); // below size: heal (with the new config)
  });

  it('pets: one per logical ID; strays and duplicates go (docs/go-compat.md #24)', () => {
    const r = plan(
      input({
        logicalIds: ['x', 'y', 'z'],
        instances: [inst('1', { logicalId: 'x' }), inst('2', { logicalId: 'x', current: false }), inst('3'), inst('4', { logicalId: 'q' })],
        pending: [{ logicalId: 'y', current: true }],
      }),
    );
    assert.deepEqual(r.provision, ['z']);
    assert.deepEqual(r.destroy.map((d) => [d.id, d.why]).sort(), [
      ['2', 'duplicate'],
      ['3', 'no-logical-id'],
      ['4', 'unknown-logical-id'],
    ]);
  });

  it('pets: rolls one logical ID at a time', () => {
    const old = ['x', 'y'].map((l, i) => inst(String(i), { logicalId: l, current: false }));
    let r = plan(input({ logicalIds: ['x', 'y'], instances: old }));
    assert.equal(r.destroy.length, 1);
    assert.equal(r.destroy[0]?.reason, 'rolling_update');
    r = plan(input({ logicalIds: ['x', 'y'], instances: old.slice(1) }));
    assert.deepEqual(r.provision, ['x']);
    assert.equal(r.destroy.length, 0);
  });
});
