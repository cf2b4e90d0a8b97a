/**
 * Params schemas are plain JSON Schema: `S` builds them, TypeBox's work the same, and the shipped
 * code loads no schema library in its workers.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Type } from '@sinclair/typebox';
import { ActorStartError, InvalidParamsError, Runtime, S, validateParams, type Schema } from '../../runtime/index.js';
import { checkSchema } from '../../runtime/params.js';
import { useRuntimeHome } from '../helpers/runtime-home.js';

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
    const tb = Type.Object({
      ID: Type.String(),
      Size: Type.Optional(Type.Integer({ minimum: 0 })),
      Tags: Type.Optional(Type.Record(Type.String(), Type.String())),
    });
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

describe('runtime: params schemas check every keyword they accept', () => {
  it('minLength / maxLength count characters (code points)', () => {
    const s = S.object({ Name: S.string({ minLength: 3, maxLength: 5 }) });
    assert.equal(message(s, { Name: '' }), 'invalid params: /Name: Expected string length greater or equal to 3');
    assert.equal(message(s, { name: 'ab' }), 'invalid params: /Name: Expected string length greater or equal to 3');
    assert.equal(message(s, { Name: 'abcdef' }), 'invalid params: /Name: Expected string length less or equal to 5');
    assert.deepEqual(validateParams(s, { Name: 'abc' }), { Name: 'abc' });
    assert.deepEqual(validateParams(s, { Name: '😀😀😀' }), { Name: '😀😀😀' }, 'three characters, six UTF-16 units');
  });

  it('pattern is an unanchored ECMAScript regex', () => {
    const s = S.object({ ID: S.string({ pattern: '^[a-z][a-z0-9-]*$' }), Any: S.optional(S.string({ pattern: 'x' })) });
    assert.equal(message(s, { ID: 'Web' }), "invalid params: /ID: Expected string to match '^[a-z][a-z0-9-]*$'");
    assert.deepEqual(validateParams(s, { ID: 'web-1', Any: 'axe' }), { ID: 'web-1', Any: 'axe' });
    assert.equal(message(s, { ID: 'w', Any: 'abc' }), "invalid params: /Any: Expected string to match 'x'");
  });

  it('minItems / maxItems', () => {
    const s = S.object({ IDs: S.array(S.string(), { minItems: 1, maxItems: 2 }) });
    assert.equal(message(s, { IDs: [] }), 'invalid params: /IDs: Expected array length to be greater or equal to 1');
    assert.equal(message(s, { IDs: ['a', 'b', 'c'] }), 'invalid params: /IDs: Expected array length to be less or equal to 2');
    assert.deepEqual(validateParams(s, { ids: ['a'] }), { IDs: ['a'] });
  });

  it('minimum / maximum, also on a number', () => {
    const s = S.object({ N: S.number({ minimum: 0.5, maximum: 2 }) });
    assert.equal(message(s, { N: 0.25 }), 'invalid params: /N: Expected number to be greater or equal to 0.5');
    assert.equal(message(s, { N: 3 }), 'invalid params: /N: Expected number to be less or equal to 2');
    assert.deepEqual(validateParams(s, { N: 1 }), { N: 1 });
  });

  it('enum and const compare JSON values (objects and arrays too)', () => {
    const s: Schema = { type: 'object', properties: { Mode: { enum: ['a', 'b', { x: [1] }] }, Fixed: { const: { k: 1, j: [true] } } } };
    assert.equal(message(s, { Mode: 'c' }), 'invalid params: /Mode: Expected one of ["a","b",{"x":[1]}]');
    assert.deepEqual(validateParams(s, { Mode: { x: [1] }, Fixed: { j: [true], k: 1 } }), { Mode: { x: [1] }, Fixed: { j: [true], k: 1 } });
    assert.equal(message(s, { Fixed: { k: 1, j: [false] } }), 'invalid params: /Fixed: Expected {"k":1,"j":[true]}');
  });

  it('required names that properties does not list are required too', () => {
    assert.equal(message({ type: 'object', required: ['Must'] }, {}), 'invalid params: /Must: Expected required property');
  });

  it('local $ref (#/definitions, #/$defs), recursive schemas included, normalising keys through it', () => {
    const tree: Schema = {
      $defs: {
        Node: {
          type: 'object',
          properties: { Name: { type: 'string', minLength: 1 }, Kids: { type: 'array', items: { $ref: '#/$defs/Node' } } },
          required: ['Name'],
        },
      },
      $ref: '#/$defs/Node',
    };
    assert.deepEqual(validateParams(tree, { name: 'a', kids: [{ name: 'b', kids: [] }] }), { Name: 'a', Kids: [{ Name: 'b', Kids: [] }] });
    assert.equal(
      message(tree, { Name: 'a', Kids: [{ Name: '' }] }),
      'invalid params: /Kids/0/Name: Expected string length greater or equal to 1',
    );
    const old: Schema = {
      type: 'object',
      properties: { ID: { $ref: '#/definitions/ID' } },
      definitions: { ID: { type: 'string', pattern: '^i-' } },
    };
    assert.equal(message(old, { ID: 'x' }), "invalid params: /ID: Expected string to match '^i-'");
  });

  it('patternProperties check each key against its pattern; other keys fall to additionalProperties', () => {
    const s: Schema = { type: 'object', patternProperties: { '^n-': { type: 'integer' } }, additionalProperties: false };
    assert.deepEqual(validateParams(s, { 'n-1': 2 }), { 'n-1': 2 });
    assert.equal(message(s, { 'n-1': 'x' }), 'invalid params: /n-1: Expected integer');
    assert.equal(message(s, { other: 1 }), 'invalid params: /other: Unexpected property');
  });

  it('refuses, at definition time, every keyword it does not check, naming the method and the keyword', () => {
    const refused: [Schema | Record<string, unknown>, RegExp][] = [
      [
        { type: 'object', properties: { Name: { type: 'string', format: 'email' } } },
        /method 'M.X': params schema at \/properties\/Name uses the keyword 'format'/,
      ],
      [{ oneOf: [{ type: 'string' }] }, /uses the keyword 'oneOf'/],
      [{ type: 'integer', exclusiveMinimum: 0 }, /uses the keyword 'exclusiveMinimum'/],
      [{ type: 'array', items: { type: 'string' }, uniqueItems: true }, /uses the keyword 'uniqueItems'/],
      [{ type: 'object', minProperties: 1 }, /uses the keyword 'minProperties'/],
      [{ type: ['string', 'null'] }, /'type' must be one of/],
      [{ type: 'strnig' }, /'type' must be one of/],
      [{ type: 'array', items: [{ type: 'string' }] }, /'items' as an array/],
      [{ type: 'string', pattern: '(' }, /'pattern' "\(" is not a valid regex/],
      [{ $ref: '#/definitions/Nope' }, /\$ref '#\/definitions\/Nope' names no schema/],
      [{ $ref: 'other.json#/X' }, /only local \$ref/],
      [{ type: 'string', minLength: -1 }, /'minLength' must be a non-negative integer/],
    ];
    for (const [schema, why] of refused) assert.throws(() => checkSchema(schema, 'M.X'), why, JSON.stringify(schema));
    // What it checks, annotations, S and TypeBox schemas pass.
    checkSchema(
      {
        title: 'T',
        description: 'd',
        default: {},
        examples: [{}],
        $comment: 'c',
        type: 'object',
        properties: { A: { type: 'string', minLength: 1, maxLength: 2, pattern: 'a' } },
      },
      'M.X',
    );
    checkSchema(
      Type.Object({
        ID: Type.String({ minLength: 1 }),
        Tags: Type.Record(Type.String(), Type.String()),
        N: Type.Optional(Type.Union([Type.Literal(1), Type.Null()])),
      }),
      'M.X',
    );
  });

  describe('a definition with an unchecked keyword does not start', () => {
    const t = useRuntimeHome();

    it('add() rejects with ActorStartError naming the method and the keyword', async () => {
      const module = join(t.home, 'bad-schema.mjs');
      writeFileSync(
        module,
        `export default { manifest: { interfaces: [{ name: 'Bad', version: '0.1.0' }] },
           methods: { 'Bad.Get': { params: { type: 'object', properties: { Email: { type: 'string', format: 'email' } } } } },
           create() { return { handlers: { 'Bad.Get': (p) => p } }; } };\n`,
      );
      t.rt = new Runtime({ logLevel: 'silent', home: t.home });
      for (const kind of [undefined, 'stateful', 'stateless'] as const) {
        await assert.rejects(
          t.rt.add({ name: `bad-${kind ?? 'auto'}`, module: pathToFileURL(module), ...(kind === undefined ? {} : { kind }) }),
          (e: unknown) => {
            assert.ok(e instanceof ActorStartError, String(e));
            assert.match(e.message, /method 'Bad.Get': params schema at \/properties\/Email uses the keyword 'format'/);
            return true;
          },
        );
      }
    });
  });
});
