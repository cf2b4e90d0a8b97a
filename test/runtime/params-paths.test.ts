/**
 * Params are checked by closures compiled once per schema, and the path of a bad field is rendered
 * only after a check fails: these pin the messages and paths of nested invalid params, that the
 * compiled check agrees with `firstError` (the walk that names the field), and that valid params in
 * the schema's spelling come back as the same object, not a copy.
 */
import assert from 'node:assert/strict';
import { Type } from '@sinclair/typebox';
import { InstanceParams } from '../../actors/spi/instance.js';
import { InvalidParamsError, S, normaliseParams, validateParams, type Schema } from '../../runtime/index.js';
import { firstError } from '../../runtime/params.js';

/** The message and `data.path` of the InvalidParamsError, or 'valid'. */
const refusal = (schema: Schema, params: unknown): string => {
  try {
    validateParams(schema, params);
  } catch (e) {
    assert.ok(e instanceof InvalidParamsError);
    const { path } = e.data as { path: string };
    assert.ok(e.message.startsWith(`invalid params: ${path}: `), `${e.message} names ${path}`);
    return e.message;
  }
  return 'valid';
};

describe('runtime: params paths (compiled checks)', () => {
  const spec = S.object({
    Spec: S.object({
      Tags: S.record(S.string()),
      Items: S.optional(S.array(S.object({ ID: S.string(), Size: S.optional(S.integer({ minimum: 1 })) }))),
      Labels: S.optional({ type: 'object', patternProperties: { '^l-': { type: 'string' } }, additionalProperties: false }),
    }),
  });

  it('names nested bad fields exactly as before, in the schema spelling, map keys escaped', () => {
    const cases: [unknown, string][] = [
      [{ Spec: { Tags: { 'a/b': 1 } } }, 'invalid params: /Spec/Tags/a~1b: Expected string'],
      [{ spec: { tags: { 'x~y': true } } }, 'invalid params: /Spec/Tags/x~0y: Expected string'],
      [{ Spec: { Tags: {}, Items: [{ ID: 'a' }, { ID: 'b' }, {}] } }, 'invalid params: /Spec/Items/2/ID: Expected required property'],
      [
        { SPEC: { TAGS: {}, items: [{ id: 'a', size: 0 }] } },
        'invalid params: /Spec/Items/0/Size: Expected integer to be greater or equal to 1',
      ],
      [{ Spec: { Tags: {}, Labels: { 'l-1': 'x', 'bad key': 'y' } } }, 'invalid params: /Spec/Labels/bad key: Unexpected property'],
      [{ Spec: { Tags: {}, Labels: { 'l-1': 2 } } }, 'invalid params: /Spec/Labels/l-1: Expected string'],
      [{ Spec: { Items: [] } }, 'invalid params: /Spec/Tags: Expected required property'],
      [{ Spec: [] }, 'invalid params: /Spec: Expected object'],
      [[], 'invalid params: /: Expected object'],
    ];
    for (const [params, message] of cases) assert.equal(refusal(spec, params), message, JSON.stringify(params));
    assert.equal(refusal(InstanceParams.Provision, { Spec: { Tags: { a: 1 } } }), 'invalid params: /Spec/Tags: Expected union value');
    assert.equal(
      refusal(InstanceParams.Provision, { Spec: { Attachments: [{ ID: 'a' }] } }),
      'invalid params: /Spec/Attachments: Expected union value',
    );
    assert.equal(refusal(InstanceParams.DescribeInstances, { Properties: 'yes' }), 'invalid params: /Properties: Expected boolean');
  });

  it('valid params in the schema spelling come back as the same object; otherwise a copy, the input untouched', () => {
    const exact = { Type: '', Spec: { Properties: { a: [1] }, Tags: { k: 'v' }, Init: '', LogicalID: null, Attachments: null } };
    assert.equal(validateParams(InstanceParams.Provision, exact), exact);
    const lower = { type: '', spec: { tags: { K: 'v' }, attachments: [{ id: 'a', type: 't' }] } };
    const before = JSON.stringify(lower);
    assert.deepEqual(validateParams(InstanceParams.Provision, lower), {
      Type: '',
      Spec: { Tags: { K: 'v' }, Attachments: [{ ID: 'a', Type: 't' }] },
    });
    assert.equal(JSON.stringify(lower), before);
    // An unknown key before a known one is moved after it, as the copy always did.
    assert.deepEqual(Object.keys(normaliseParams(InstanceParams.DescribeInstances, { Extra: 1, Type: '' }) as object), ['Type', 'Extra']);
  });

  it('the compiled check agrees with firstError on many generated params', () => {
    const schemas: Schema[] = [
      spec,
      InstanceParams.Provision,
      InstanceParams.DescribeInstances,
      {
        $defs: {
          N: {
            type: 'object',
            properties: { Name: { type: 'string', minLength: 1 }, Kids: { type: 'array', items: { $ref: '#/$defs/N' } } },
          },
        },
        $ref: '#/$defs/N',
      },
      {
        allOf: [S.object({ A: S.string({ maxLength: 2 }) }), { type: 'object', required: ['B'], additionalProperties: { enum: [1, 'x'] } }],
      },
      Type.Object({ K: Type.Optional(Type.Union([Type.Object({ Name: Type.String() }), Type.Array(Type.Number({ maximum: 2 }))])) }),
    ];
    const keys = [
      'Spec',
      'spec',
      'Tags',
      'tags',
      'Items',
      'ID',
      'id',
      'Size',
      'Labels',
      'l-1',
      'Type',
      'Properties',
      'Name',
      'Kids',
      'A',
      'B',
      'K',
      'x',
    ];
    const leaves = [null, 0, 1, 2.5, -3, '', 'ab', 'abc', 'x', true, false];
    let seed = 1;
    const next = (n: number): number => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    const gen = (depth: number): unknown => {
      const r = next(10);
      if (depth > 3 || r < 4) return leaves[next(leaves.length)];
      if (r < 6) return Array.from({ length: next(3) }, () => gen(depth + 1));
      const o: Record<string, unknown> = {};
      for (let i = next(5); i > 0; i--) o[keys[next(keys.length)] as string] = gen(depth + 1);
      return o;
    };
    let valid = 0;
    for (let i = 0; i < 20_000; i++) {
      const schema = schemas[i % schemas.length] as Schema;
      const params = gen(0);
      // validateParams reads null as {} for an object schema (Go's zero struct).
      const input = params === null && (schema.type === 'object' || schema.properties !== undefined) ? {} : params;
      const expected = firstError(schema, normaliseParams(schema, input), '');
      const got = refusal(schema, params);
      if (expected === undefined) valid++;
      const want = expected === undefined ? 'valid' : `invalid params: ${expected.path || '/'}: ${expected.message}`;
      assert.equal(got, want, `${JSON.stringify(schema)} ${JSON.stringify(params)}`);
    }
    assert.ok(valid > 1000, `${valid} valid cases generated`);
  });
});
