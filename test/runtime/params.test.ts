import assert from 'node:assert/strict';
import { Type } from '@sinclair/typebox';
import { InvalidParamsError, normaliseParams, validateParams, type Runtime } from '../../runtime/index.js';
import { decl, quietRuntime } from '../fixtures/helpers.js';

describe('runtime: params are normalised like Go encoding/json, then validated', () => {
  const schema = Type.Object({
    Spec: Type.Object({
      Tags: Type.Record(Type.String(), Type.String()),
      Count: Type.Optional(Type.Number()),
      Items: Type.Optional(Type.Array(Type.Object({ ID: Type.String() }))),
    }),
    Kind: Type.Optional(Type.Union([Type.Object({ Name: Type.String() }), Type.String()])),
  });

  it('matches keys case-insensitively, recursing into objects, arrays, records and unions', () => {
    const out = normaliseParams(schema, {
      spec: { TAGS: { keepCase: 'v' }, count: 2, items: [{ id: 'a' }, { Id: 'b' }] },
      kind: { name: 'x' },
      unknown: 1,
    });
    assert.deepEqual(out, {
      Spec: { Tags: { keepCase: 'v' }, Count: 2, Items: [{ ID: 'a' }, { ID: 'b' }] },
      Kind: { Name: 'x' },
      unknown: 1,
    });
  });

  it('prefers the exact spelling when both are present', () => {
    assert.deepEqual(normaliseParams(Type.Object({ Tags: Type.String() }), { tags: 'lower', Tags: 'exact' }), { Tags: 'exact' });
  });

  it('drops unknown keys only for closed objects', () => {
    const closed = Type.Object({ A: Type.Number() }, { additionalProperties: false });
    assert.deepEqual(validateParams(closed, { a: 1, b: 2 }), { A: 1 });
  });

  it('names the bad field in InvalidParamsError', () => {
    assert.throws(
      () => validateParams(schema, { spec: { tags: 3 } }),
      (e: unknown) => {
        assert.ok(e instanceof InvalidParamsError);
        assert.equal(e.message, 'invalid params: /Spec/Tags: Expected object');
        return true;
      },
    );
    assert.throws(() => validateParams(schema, {}), /invalid params: \/Spec: Expected required property/);
  });

  describe('inside an actor', () => {
    let rt: Runtime;
    afterEach(() => rt?.stop());

    it('the handler sees the schema spelling; bad params get InvalidParamsError (-32602)', async () => {
      rt = quietRuntime();
      await rt.add(decl('echo', 'echo-actor'));
      assert.deepEqual(await rt.call('echo', 'Echo.Validate', { SPEC: { tags: { a: 'b' }, items: [{ id: '1' }] } }), {
        Spec: { Tags: { a: 'b' }, Items: [{ ID: '1' }] },
      });
      await assert.rejects(rt.call('echo', 'Echo.Validate', { spec: { tags: { a: 1 } } }), (e: unknown) => {
        assert.ok(e instanceof InvalidParamsError);
        assert.equal(e.rpcCode, -32602);
        assert.match(e.message, /^invalid params: \/Spec\/Tags\/a: Expected string$/);
        return true;
      });
    });
  });
});
