import assert from 'node:assert/strict';
import { Runtime } from '../../runtime/index.js';
import { Combo, addedInit, mergePrepared } from '../../actors/combo/index.js';
import { Vanilla } from '../../actors/vanilla/index.js';
import { ActorNotFoundError } from '../../runtime/errors.js';
import type { Caller } from '../../actors/spi/index.js';
import { useRuntimeHome } from '../helpers/runtime-home.js';

/** Routes calls to in-process Vanilla flavors plus a few fakes, as ctx.call would. */
function fakeCaller(extra: Record<string, (method: string, params: unknown) => unknown> = {}): Caller {
  const vanilla = new Vanilla();
  const handlers: Record<string, (p: never) => unknown> = {
    'Flavor.Validate': (p) => vanilla.validate(p),
    'Flavor.Prepare': (p) => vanilla.prepare(p),
    'Flavor.Healthy': (p) => vanilla.healthy(p),
    'Flavor.Drain': (p) => vanilla.drain(p),
  };
  return (async (actor: string, method: string, params: unknown) => {
    const fake = extra[actor];
    if (fake) return fake(method, params);
    if (actor !== 'vanilla') throw new ActorNotFoundError(actor);
    return (handlers[method] as (p: unknown) => unknown)(params);
  }) as Caller;
}

const v = (props: unknown) => ({ Plugin: 'vanilla', Properties: props });
const inst = { ID: 'i-1', LogicalID: null, Tags: null };

describe('combo (logic)', () => {
  it('Prepare: tags overlaid in order (later wins); Init and attachments not duplicated (docs/go-compat.md #27)', async () => {
    const combo = new Combo(fakeCaller());
    const r = await combo.prepare({
      Type: '',
      Properties: [
        v({ Init: ['echo one'], Tags: { tier: 'web', a: '1' }, Attachments: [{ ID: 'vol-2', Type: 'ebs' }] }),
        v({ Init: ['echo two'], Tags: { tier: 'db' }, Attachments: [{ ID: 'vol-3', Type: 'ebs' }] }),
      ],
      Spec: {
        Properties: { p: 1 },
        Tags: { 'infrakit.group': 'g' },
        Init: 'echo base',
        LogicalID: 'L',
        Attachments: [{ ID: 'vol-1', Type: 'ebs' }],
      },
      Allocation: { Size: 1 },
      Index: { Group: 'g', Sequence: 0 },
    });
    assert.deepEqual(r, {
      Type: '',
      Spec: {
        Properties: { p: 1 },
        Tags: { 'infrakit.group': 'g', tier: 'db', a: '1' },
        Init: 'echo base\necho one\necho two',
        LogicalID: 'L',
        Attachments: [
          { ID: 'vol-1', Type: 'ebs' },
          { ID: 'vol-2', Type: 'ebs' },
          { ID: 'vol-3', Type: 'ebs' },
        ],
      },
    });
  });

  it('Prepare: each flavor gets its own copy; sub-flavor Properties/LogicalID changes are dropped', async () => {
    const seen: unknown[] = [];
    const combo = new Combo(
      fakeCaller({
        mutator: (_m, p) => {
          const spec = (p as { Spec: Record<string, unknown> }).Spec;
          seen.push(structuredClone(spec));
          spec['Init'] = 'rewritten';
          return { Type: '', Spec: { ...spec, Properties: 'changed', LogicalID: 'other' } };
        },
      }),
    );
    const r = await combo.prepare({
      Properties: [
        { Plugin: 'mutator', Properties: null },
        { Plugin: 'mutator', Properties: null },
      ],
      Spec: { Init: 'base', LogicalID: 'L' },
    });
    assert.deepEqual(seen[0], seen[1]);
    assert.equal(r.Spec.LogicalID, 'L');
    assert.equal(r.Spec.Properties, null);
    assert.equal(r.Spec.Init, 'base\nrewritten\nrewritten');
  });

  it('Healthy: healthy only if all are; the first non-healthy (in order) wins', async () => {
    const health = (h: number) => () => ({ Type: '', Health: h });
    const combo = new Combo(fakeCaller({ sick: health(2), unknown: health(0), broken: () => Promise.reject(new Error('boom')) }));
    const ask = (plugins: string[]) => combo.healthy({ Properties: plugins.map((p) => ({ Plugin: p, Properties: {} })), Instance: inst });
    assert.deepEqual(await ask(['vanilla', 'vanilla']), { Type: '', Health: 1 });
    assert.equal((await ask(['vanilla', 'unknown', 'sick'])).Health, 0);
    assert.equal((await ask(['sick', 'broken'])).Health, 2);
    await assert.rejects(ask(['vanilla', 'broken', 'sick']), { message: 'boom' });
    assert.equal((await ask([])).Health, 1);
  });

  it('Drain: calls all; errors joined with ", "; an unknown plugin is an error, not a crash', async () => {
    const calls: string[] = [];
    const combo = new Combo(
      fakeCaller({
        a: () => (calls.push('a'), { Type: '', OK: true }),
        bad: () => Promise.reject(new Error('cannot drain')),
      }),
    );
    const drain = (plugins: string[]) => combo.drain({ Properties: plugins.map((p) => ({ Plugin: p, Properties: null })), Instance: inst });
    assert.deepEqual(await drain(['vanilla', 'a']), { Type: '', OK: true });
    await assert.rejects(drain(['bad', 'a', 'nope']), { message: 'cannot drain, plugin not found:nope' });
    assert.deepEqual(calls, ['a', 'a']);
  });

  it('Validate: decodes the list, names the bad index, and validates every sub-flavor', async () => {
    const combo = new Combo(fakeCaller());
    assert.deepEqual(await combo.validate({ Type: '', Properties: [v({ Init: ['x'] })], Allocation: { Size: 2 } }), { Type: '', OK: true });
    await assert.rejects(combo.validate({ Properties: { Plugin: 'vanilla' } }), /Properties must be a list/);
    await assert.rejects(combo.validate({ Properties: [v({}), { Plugin: '' }] }), {
      message: 'Properties[1].Plugin must be a non-empty string',
    });
    await assert.rejects(combo.validate({ Properties: [v({}), 'x'] }), /Properties\[1\] must be an object/);
    await assert.rejects(combo.validate({ Properties: [v({}), v({ Init: 'x' })] }), {
      message: 'Properties[1] (vanilla): Init must be a list of strings',
    });
    await assert.rejects(combo.validate({ Properties: [{ Plugin: 'nope', Properties: null }] }), {
      message: 'Properties[0] (nope): plugin not found:nope',
    });
    await assert.rejects(combo.validate({ Type: 'x', Properties: [] }), { message: 'no-plugin:x' });
  });

  it('addedInit and mergePrepared edge cases', () => {
    assert.equal(addedInit('', 'a'), 'a');
    assert.equal(addedInit('base', 'base'), '');
    assert.equal(addedInit('base', 'base\nx'), 'x');
    assert.equal(addedInit('base', 'x\nbase'), 'x');
    assert.equal(addedInit('base', 'other'), 'other');
    assert.deepEqual(mergePrepared({}, []), { Properties: null, Tags: null, Init: '', LogicalID: null, Attachments: null });
  });
});

describe('combo (through a Runtime)', () => {
  const t = useRuntimeHome();

  it('merges sub-flavors (later tags win, nothing duplicated), healthy only if all, drains all', async () => {
    t.rt = await Runtime.start({
      home: t.home,
      logLevel: 'silent',
      actors: [
        { name: 'vanilla', module: 'vanilla' },
        { name: 'vanilla2', module: 'vanilla', kind: 'stateful' },
        { name: 'combo', module: 'combo' },
      ],
    });
    const props = [
      { Plugin: 'vanilla', Properties: { Init: ['echo one'], Tags: { tier: 'web' }, Attachments: [{ ID: 'v2', Type: 'ebs' }] } },
      { Plugin: 'vanilla2', Properties: { Init: ['echo two'], Tags: { tier: 'db', extra: 'x' } } },
    ];
    assert.deepEqual(await t.rt.call('combo', 'Flavor.Validate', { Type: '', Properties: props, Allocation: { Size: 2 } }), {
      Type: '',
      OK: true,
    });
    await assert.rejects(t.rt.call('combo', 'Flavor.Validate', { Properties: [{ Plugin: 'vanilla' }, { Plugin: 7 }] }), {
      message: 'Properties[1].Plugin must be a non-empty string',
    });
    const r = await t.rt.call('combo', 'Flavor.Prepare', {
      Properties: props,
      Spec: { Tags: { 'infrakit.group': 'g' }, Init: 'echo base', Attachments: [{ ID: 'v1', Type: 'ebs' }] },
      Allocation: { Size: 2 },
      Index: { Group: 'g', Sequence: 1 },
    });
    assert.deepEqual(r, {
      Type: '',
      Spec: {
        Properties: null,
        Tags: { 'infrakit.group': 'g', tier: 'db', extra: 'x' },
        Init: 'echo base\necho one\necho two',
        LogicalID: null,
        Attachments: [
          { ID: 'v1', Type: 'ebs' },
          { ID: 'v2', Type: 'ebs' },
        ],
      },
    });
    const instance = { ID: 'i-1', LogicalID: null, Tags: null };
    assert.deepEqual(await t.rt.call('combo', 'Flavor.Healthy', { Properties: props, Instance: instance }), { Type: '', Health: 1 });
    const sick = [props[0], { Plugin: 'vanilla2', Properties: { Health: { Command: 'exit 1' } } }];
    assert.deepEqual(await t.rt.call('combo', 'Flavor.Healthy', { Properties: sick, Instance: instance }), { Type: '', Health: 2 });
    assert.deepEqual(await t.rt.call('combo', 'Flavor.Drain', { Properties: props, Instance: instance }), { Type: '', OK: true });
    await assert.rejects(
      t.rt.call('combo', 'Flavor.Drain', { Properties: [...props, { Plugin: 'ghost', Properties: null }], Instance: instance }),
      /ghost/,
    );
    // Still alive after the unknown plugin.
    assert.equal(t.rt.info('combo')?.status, 'running');
    assert.equal(t.rt.info('combo')?.restarts, 0);
  });
});
