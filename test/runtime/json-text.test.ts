/**
 * `jsonText` calls (what the socket front end makes): a worker answers a plain JSON result as its
 * JSON text, and anything else exactly as a plain call does.
 */
import assert from 'node:assert/strict';
import { InfrakitError, JsonText, type Runtime } from '../../runtime/index.js';
import { jsonTextOf } from '../../runtime/reply.js';
import { decl, quietRuntime } from '../fixtures/helpers.js';

describe('runtime: results as JSON text', () => {
  describe('jsonTextOf', () => {
    it('encodes plain objects and arrays of JSON values as JSON.stringify does', () => {
      const plain = {
        a: 1,
        b: 'two',
        c: [true, null, undefined, 1.5, -0, NaN],
        d: { e: {} },
        f: undefined,
        g: Object.create(null) as object,
      };
      assert.equal(jsonTextOf(plain), JSON.stringify(plain));
      assert.equal(jsonTextOf([1, [2, [3]]]), '[1,[2,[3]]]');
    });

    it('gives undefined for anything clone and JSON could treat differently', () => {
      class WithToJson {
        toJSON(): string {
          return 'x';
        }
      }
      const cyclic: Record<string, unknown> = {};
      cyclic['self'] = cyclic;
      let deep: unknown = 1;
      for (let i = 0; i < 300; i++) deep = [deep];
      const throwing = Object.defineProperty({}, 'x', {
        enumerable: true,
        get() {
          throw new Error('getter');
        },
      });
      for (const v of [
        1,
        'text',
        null,
        undefined,
        { f: () => 1 },
        { d: new Date(0) },
        { m: new Map() },
        { b: 1n },
        { s: Symbol('s') },
        new WithToJson(),
        { w: new WithToJson() },
        new Proxy({}, {}),
        { p: new Proxy([], {}) },
        cyclic,
        deep,
        throwing,
        [new Uint8Array(1)],
      ]) {
        assert.equal(jsonTextOf(v), undefined, String(v));
      }
    });
  });

  describe('Runtime.call with jsonText', () => {
    let rt: Runtime;
    beforeEach(async () => {
      rt = quietRuntime();
      await rt.add(decl('echo', 'echo-actor'));
    });
    afterEach(() => rt.stop());

    it('a plain result comes as JsonText holding its JSON', async () => {
      const value = { ID: 'workers', Instances: [{ ID: 'i-1', Tags: { a: 'b' } }], Converged: true, Rollout: null };
      const got = await rt.call('echo', 'Echo.Echo', value, { jsonText: true });
      assert.ok(got instanceof JsonText);
      assert.equal(got.text, JSON.stringify(value));
      // Without the option nothing changes.
      assert.deepEqual(await rt.call('echo', 'Echo.Echo', value), value);
    });

    it('other results come as values; errors as before', async () => {
      const value = { when: new Date(0), big: 2n ** 64n, map: new Map([[1, 2]]) };
      assert.deepEqual(await rt.call('echo', 'Echo.Echo', value, { jsonText: true }), value);
      assert.equal(await rt.call('echo', 'Echo.Echo', 7, { jsonText: true }), 7);
      await assert.rejects(
        rt.call('echo', 'Echo.Uncloneable', {}, { jsonText: true }),
        (e: unknown) => e instanceof InfrakitError && /could not be cloned|clone/i.test(e.message),
      );
      await assert.rejects(rt.call('echo', 'Echo.Fail', { message: 'no' }, { jsonText: true }), /no/);
    });
  });
});
