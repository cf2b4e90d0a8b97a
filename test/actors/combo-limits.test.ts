/**
 * Issue #12, combo: nesting deeper than MAX_COMBO_DEPTH and more than MAX_COMBO_FLAVORS flavors are
 * refused at once (LimitExceededError) on every method, before any call is made. Combo nested 16 deep
 * used to take every one of combo's call slots and never answer again.
 */
import assert from 'node:assert/strict';
import { Runtime } from '../../runtime/index.js';
import { Combo, checkComboLimits } from '../../actors/combo/index.js';
import { MAX_COMBO_DEPTH, MAX_COMBO_FLAVORS } from '../../actors/group/limits.js';
import type { Caller } from '../../actors/spi/index.js';
import { useRuntimeHome } from '../helpers/runtime-home.js';

const vanilla = { Plugin: 'vanilla', Properties: { Init: ['echo hi'] } };
/** Combo Properties nesting `depth` combos (1 = a plain list of vanilla entries). */
function nested(depth: number, plugin = 'combo'): unknown[] {
  let props: unknown[] = [vanilla];
  for (let d = 1; d < depth; d++) props = [{ Plugin: plugin, Properties: props }];
  return props;
}
const instance = { ID: 'i-1', LogicalID: null, Tags: null };
const limit = (message: string) => ({ name: 'LimitExceededError', code: 'IK_LIMIT_EXCEEDED', message });

describe('combo limits (logic)', () => {
  it('nesting: 4 levels pass, 5 are refused, whatever the nested plugin is called', () => {
    assert.doesNotThrow(() => checkComboLimits(nested(MAX_COMBO_DEPTH)));
    assert.throws(() => checkComboLimits(nested(MAX_COMBO_DEPTH + 1)), limit('combo nesting depth is more than 4, over the limit of 4'));
    assert.throws(() => checkComboLimits(nested(16, 'other-combo/x')), limit('combo nesting depth is more than 4, over the limit of 4'));
    // A flavor whose Properties is some other array is not a nested combo.
    assert.doesNotThrow(() => checkComboLimits([{ Plugin: 'vanilla', Properties: [[[[[[1]]]]]] }]));
  });

  it('flavors: 32 in one list pass, 33 are refused; nested ones count too', () => {
    const many = (n: number) => Array.from({ length: n }, () => vanilla);
    assert.doesNotThrow(() => checkComboLimits(many(MAX_COMBO_FLAVORS)));
    assert.throws(() => checkComboLimits(many(MAX_COMBO_FLAVORS + 1)), limit('combo flavors is 33, over the limit of 32'));
    const fanOut = Array.from({ length: 8 }, () => ({ Plugin: 'combo', Properties: many(8) }));
    assert.throws(() => checkComboLimits(fanOut), limit('combo flavors (nested combos included) is more than 32, over the limit of 32'));
  });

  it('every method refuses before making any call', async () => {
    const calls: string[] = [];
    const caller = (async (actor: string, method: string) => {
      calls.push(`${actor} ${method}`);
      return method === 'Flavor.Healthy' ? { Type: '', Health: 1 } : { Type: '', OK: true, Spec: {} };
    }) as Caller;
    const combo = new Combo(caller);
    for (const Properties of [nested(5), Array.from({ length: 40 }, () => vanilla)]) {
      await assert.rejects(combo.validate({ Properties, Allocation: { Size: 1 } }), { code: 'IK_LIMIT_EXCEEDED' });
      await assert.rejects(combo.prepare({ Properties, Spec: { Init: '' } }), { code: 'IK_LIMIT_EXCEEDED' });
      await assert.rejects(combo.healthy({ Properties, Instance: instance }), { code: 'IK_LIMIT_EXCEEDED' });
      await assert.rejects(combo.drain({ Properties, Instance: instance }), { code: 'IK_LIMIT_EXCEEDED' });
    }
    assert.deepEqual(calls, []);
  });
});

describe('combo limits (through a Runtime)', () => {
  const t = useRuntimeHome();

  it('combo nested 16 deep answers an error, and combo still answers a plain Validate afterwards', async function () {
    this.timeout(60_000);
    t.rt = await Runtime.start({
      home: t.home,
      logLevel: 'silent',
      actors: [
        { name: 'vanilla', module: 'vanilla' },
        { name: 'combo', module: 'combo' },
      ],
    });
    const rt = t.rt;
    // Several at once, more than combo's 16 call slots: none may hold a slot waiting on itself.
    const deep = Array.from({ length: 20 }, () => rt.call('combo', 'Flavor.Validate', { Properties: nested(16), Allocation: { Size: 1 } }));
    for (const r of await Promise.allSettled(deep)) {
      assert.equal(r.status, 'rejected');
      assert.equal((r.reason as { code?: string }).code, 'IK_LIMIT_EXCEEDED');
      assert.equal((r.reason as Error).message, 'combo nesting depth is more than 4, over the limit of 4');
    }
    await assert.rejects(rt.call('combo', 'Flavor.Prepare', { Properties: nested(16), Spec: { Init: '' } }), { code: 'IK_LIMIT_EXCEEDED' });
    await assert.rejects(rt.call('combo', 'Flavor.Healthy', { Properties: nested(16), Instance: instance }), { code: 'IK_LIMIT_EXCEEDED' });
    await assert.rejects(rt.call('combo', 'Flavor.Drain', { Properties: nested(16), Instance: instance }), { code: 'IK_LIMIT_EXCEEDED' });
    // Nesting within the limit still works end to end (combo calling itself 3 times).
    assert.deepEqual(await rt.call('combo', 'Flavor.Validate', { Properties: nested(MAX_COMBO_DEPTH), Allocation: { Size: 1 } }), {
      Type: '',
      OK: true,
    });
    assert.deepEqual(await rt.call('combo', 'Flavor.Validate', { Properties: [vanilla], Allocation: { Size: 1 } }), { Type: '', OK: true });
    assert.equal(rt.info('combo')?.status, 'running');
  });
});
