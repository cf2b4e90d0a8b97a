/**
 * Params schemas are plain JSON Schema: `S` builds them, TypeBox's work the same, and the shipped
 * code loads no schema library in its workers.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Type } from '@sinclair/typebox';
import { InvalidParamsError, S, validateParams, type Schema } from '../../runtime/index.js';

const message = (schema: Schema, params: unknown): string => {
  try {
    validateParams(schema, params);
  } catch (e) {
    assert.ok(e instanceof InvalidParamsError);
    return e.message;
  }
  return 'valid';
};

describe('runtime: params schemas (S, or TypeBox)', () => {
  const spec = S.object({
    ID: S.string(),
    Size: S.optional(S.integer({ minimum: 0 })),
    Tags: S.optional(S.nullable(S.record(S.string()))),
    Items: S.optional(S.array(S.object({ ID: S.string() }))),
    Kind: S.optional(S.union([S.literal('cattle'), S.literal('pets')])),
  });

  it('S.object lists required properties and leaves optional ones out', () => {
    assert.deepEqual(spec.required, ['ID']);
    assert.equal(JSON.stringify(spec).includes('optional'), false, 'no marker left in the JSON');
  });

  it('accepts what fits, with keys matched case-insensitively and map keys kept', () => {
    assert.deepEqual(validateParams(spec, { id: 'w', size: 3, tags: { Tier: 'web' }, items: [{ id: 'a' }], kind: 'pets' }), {
      ID: 'w',
      Size: 3,
      Tags: { Tier: 'web' },
      Items: [{ ID: 'a' }],
      Kind: 'pets',
    });
    assert.deepEqual(validateParams(spec, { ID: 'w', Tags: null }), { ID: 'w', Tags: null });
  });

  it('names the first bad field, as TypeBox words it', () => {
    assert.equal(message(spec, {}), 'invalid params: /ID: Expected required property');
    assert.equal(message(spec, { ID: 5 }), 'invalid params: /ID: Expected string');
    assert.equal(message(spec, { ID: 'w', Size: -1 }), 'invalid params: /Size: Expected integer to be greater or equal to 0');
    assert.equal(message(spec, { ID: 'w', Size: 1.5 }), 'invalid params: /Size: Expected integer');
    assert.equal(message(spec, { ID: 'w', Tags: { a: 1 } }), 'invalid params: /Tags: Expected union value');
    assert.equal(message(spec, { ID: 'w', Items: [{ ID: 'a' }, {}] }), 'invalid params: /Items/1/ID: Expected required property');
    assert.equal(message(spec, { ID: 'w', Kind: 'goats' }), 'invalid params: /Kind: Expected union value');
    // Unknown keys are ignored, as Go's decoder ignores them (a closed object drops them).
    assert.deepEqual(validateParams(S.object({ A: S.string() }, { additionalProperties: false }), { A: 'x', 'b/c': 1 }), { A: 'x' });
    assert.equal(message(spec, 'not an object'), 'invalid params: /: Expected object');
  });

  it('a TypeBox schema validates the same way', () => {
    const tb = Type.Object({ ID: Type.String(), Size: Type.Optional(Type.Integer({ minimum: 0 })), Tags: Type.Optional(Type.Record(Type.String(), Type.String())) });
    assert.deepEqual(validateParams(tb, { id: 'w', tags: { K: 'v' } }), { ID: 'w', Tags: { K: 'v' } });
    assert.equal(message(tb, { ID: 'w', Size: -2 }), 'invalid params: /Size: Expected integer to be greater or equal to 0');
    assert.equal(message(tb, { ID: 'w', Tags: { a: 1 } }), 'invalid params: /Tags/a: Expected string');
  });

  it('the shipped code imports no schema library (each worker would pay ~15 MB for it)', () => {
    const dist = fileURLToPath(new URL('../../', import.meta.url));
    const offenders: string[] = [];
    const walk = (dir: string): void => {
      for (const name of readdirSync(dir)) {
        const path = join(dir, name);
        if (statSync(path).isDirectory()) walk(path);
        else if (/\.c?js$/.test(name) && readFileSync(path, 'utf8').includes('@sinclair/typebox')) offenders.push(path);
      }
    };
    for (const dir of ['runtime', 'actors', 'sockets', 'cluster', 'cli']) walk(join(dist, dir));
    assert.deepEqual(offenders, []);
  });
});
