/**
 * `jsonText` calls (what the socket front end makes): a worker answers a plain JSON result as its
 * JSON text, and anything else exactly as a plain call does.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { InfrakitError, JsonText, Runtime } from '../../runtime/index.js';
import { PreparedJson, TRANSFER_MIN_CHARS, jsonReplyOf, jsonTextOf, replyOf } from '../../runtime/reply.js';
import { serveRuntime } from '../../sockets/index.js';
import { decl, quietRuntime } from '../fixtures/helpers.js';
import { rpc, tempDir } from '../sockets/helpers.js';

/**
 * A listing like a simulator's: many records sharing one tag set and one Properties object (as a
 * structured clone delivers them), with non-ASCII text, long enough to leave the worker as bytes.
 */
function longListing(n = 2000): object {
  const tags = { 'infrakit.group': 'wörkers', tier: 'bench ✓', quote: 'a "b" \\ \u2028' };
  const props = { cpu: 2, image: 'ubuntu-22.04', list: [1, null, 'x'] };
  const Instances = Array.from({ length: n }, (_, i) => ({
    ID: `i-${i}`,
    LogicalID: i % 2 === 0 ? null : `l-${i}`,
    Tags: tags,
    Properties: props,
  }));
  return { Description: { Instances, Converged: true, Size: n, Rollout: null, Problems: null } };
}

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

  describe('jsonReplyOf', () => {
    it('gives a short answer as its JSON text', () => {
      const v = { a: [1, 'two'], b: null };
      assert.equal(jsonReplyOf(v), JSON.stringify(v));
      assert.equal(jsonReplyOf(new Date(0)), undefined);
    });

    it('gives a long answer as the UTF-8 bytes of the same text, in an ArrayBuffer of their own', () => {
      const v = longListing();
      const text = JSON.stringify(v);
      assert.ok(text.length >= TRANSFER_MIN_CHARS);
      const got = jsonReplyOf(v);
      assert.ok(got instanceof Uint8Array);
      assert.equal(got.byteOffset, 0);
      assert.equal(got.byteLength, got.buffer.byteLength);
      assert.ok(Buffer.from(got).equals(Buffer.from(text, 'utf8')));
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

    it('a long result comes as transferred bytes: the same JSON as the text path', async () => {
      const value = longListing();
      const got = await rt.call('echo', 'Echo.Echo', value, { jsonText: true });
      assert.ok(got instanceof JsonText);
      assert.ok(got.bytes instanceof Uint8Array);
      assert.ok(Buffer.from(got.bytes).equals(Buffer.from(JSON.stringify(value), 'utf8')));
      assert.equal(got.text, JSON.stringify(value));
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

  describe('over the socket', () => {
    it('a long answer written from bytes is byte for byte the body the text path writes', async () => {
      const { dir, cleanup } = await tempDir();
      const srt = await Runtime.start({ home: dir, logLevel: 'silent', actors: [decl('echo', 'echo-actor')] });
      const fe = await serveRuntime(srt, { pluginsDir: join(dir, 'plugins') });
      try {
        const sock = join(dir, 'plugins', 'echo');
        for (const value of [{ short: 'ü', n: [1, 2] }, longListing()]) {
          // The id as Go sends it: an integer a double cannot hold, echoed as its text.
          const res = await rpc(sock, `{"jsonrpc":"2.0","method":"Echo.Echo","params":${JSON.stringify(value)},"id":9007199254740993}`);
          const expected = `{"jsonrpc":"2.0","result":${JSON.stringify(value)},"id":9007199254740993}\n`;
          assert.equal(res.body, expected);
          assert.equal(res.headers['content-length'], String(Buffer.byteLength(expected)));
        }
      } finally {
        await fe.close();
        await srt.stop();
        await cleanup();
      }
    });
  });

  describe('PreparedJson (a result with its own way to JSON)', () => {
    const value = { a: [1, 'ü'] };
    it('a caller that wants JSON gets json(), any other caller value(); each called only when needed', () => {
      let calls = 0;
      const p = (json: () => string | Uint8Array | undefined): PreparedJson =>
        new PreparedJson(() => {
          calls++;
          return value;
        }, json);
      assert.deepEqual(
        replyOf(
          p(() => '{"x":1}'),
          true,
        ),
        { json: '{"x":1}', value: undefined },
      );
      assert.equal(calls, 0);
      assert.deepEqual(
        replyOf(
          p(() => '{"x":1}'),
          false,
        ),
        { json: undefined, value },
      );
      assert.equal(calls, 1);
      // No prepared form: the value, made into JSON the usual way.
      assert.deepEqual(
        replyOf(
          p(() => undefined),
          true,
        ),
        { json: JSON.stringify(value), value },
      );
      // A long prepared text leaves as bytes in a buffer of their own, as any long answer.
      const long = JSON.stringify({ s: 'é'.repeat(TRANSFER_MIN_CHARS) });
      const got = replyOf(
        p(() => long),
        true,
      ).json as Uint8Array;
      assert.ok(got instanceof Uint8Array);
      assert.equal(got.byteLength, got.buffer.byteLength);
      assert.equal(Buffer.from(got).toString('utf8'), long);
    });

    it('a plain result is unchanged by replyOf', () => {
      assert.deepEqual(replyOf(value, true), { json: JSON.stringify(value), value });
      assert.deepEqual(replyOf(value, false), { json: undefined, value });
    });

    it('the shared-member shortcut of jsonTextOf still refuses a shared member deeper than where it was found plain', () => {
      let deep: unknown = 1;
      for (let i = 0; i < 254; i++) deep = [deep]; // innermost array at depth 255 under {a}, 256 under {b:[]}
      const shared = { deep };
      // Found plain near the top, then met again one level too deep: not plain there.
      assert.equal(jsonTextOf({ a: shared, b: [shared] }), JSON.stringify({ a: shared, b: [shared] }));
      assert.equal(jsonTextOf({ a: shared, b: [[shared]] }), undefined);
      assert.equal(jsonTextOf({ b: [[shared]] }), undefined);
      const tags = { t: 'x' };
      const many = Array.from({ length: 1000 }, (_, i) => ({ ID: String(i), Tags: tags }));
      assert.equal(jsonTextOf(many), JSON.stringify(many));
    });
  });
});
