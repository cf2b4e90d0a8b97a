/**
 * Calls and replies posted in one turn cross as one message (runtime/batch-port.ts): order kept, a
 * lone message unchanged, one uncloneable member failing alone; and through real workers, many calls
 * at once from main and from another actor all answered, each with its own result.
 */
import assert from 'node:assert/strict';
import { MessageChannel, type MessagePort } from 'node:worker_threads';
import { BatchPort, eachMessage } from '../../runtime/batch-port.js';
import { InvalidParamsError, type Runtime } from '../../runtime/index.js';
import { decl, quietRuntime } from '../fixtures/helpers.js';
import { waitFor } from '../helpers/wait.js';

interface Msg {
  readonly type: string;
  readonly n: number;
  readonly f?: () => number;
}

/** Every message `port` receives, as it arrived (a batch stays one array). */
function collect(port: MessagePort): unknown[] {
  const got: unknown[] = [];
  port.on('message', (m: unknown) => got.push(m));
  return got;
}

describe('runtime: calls and replies batched per turn', () => {
  const ports: MessagePort[] = [];
  afterEach(() => {
    for (const p of ports.splice(0)) p.close();
  });
  function channel(): { a: MessagePort; b: MessagePort } {
    const { port1, port2 } = new MessageChannel();
    ports.push(port1, port2);
    return { a: port1, b: port2 };
  }

  it('messages pushed in one turn arrive as one array, in order; a lone one arrives as itself', async () => {
    const { a, b } = channel();
    const got = collect(b);
    const out = new BatchPort<Msg>(a, () => assert.fail('nothing is refused'));
    for (let n = 0; n < 5; n++) out.push({ type: 'call', n });
    assert.equal(out.queued, 5);
    await waitFor('the batch', () => got.length === 1);
    assert.deepEqual(
      got[0],
      [0, 1, 2, 3, 4].map((n) => ({ type: 'call', n })),
    );
    out.push({ type: 'call', n: 9 });
    await waitFor('the lone message', () => got.length === 2);
    assert.deepEqual(got[1], { type: 'call', n: 9 });
  });

  it('post() sends what is queued first, then its message, at once', async () => {
    const { a, b } = channel();
    const got = collect(b);
    const out = new BatchPort<Msg>(a, () => assert.fail('nothing is refused'));
    out.push({ type: 'call', n: 1 });
    out.push({ type: 'call', n: 2 });
    out.post({ type: 'stop', n: 3 });
    assert.equal(out.queued, 0);
    await waitFor('both messages', () => got.length === 2);
    const flat: unknown[] = [];
    for (const m of got) eachMessage(m as Msg | Msg[], (x) => flat.push(x.n));
    assert.deepEqual(flat, [1, 2, 3]);
  });

  it('a member structured clone refuses fails alone; the others arrive', async () => {
    const { a, b } = channel();
    const got = collect(b);
    const refused: number[] = [];
    const out = new BatchPort<Msg>(a, (m, err) => {
      assert.ok(err instanceof Error);
      refused.push(m.n);
    });
    out.push({ type: 'call', n: 1 });
    out.push({ type: 'call', n: 2, f: () => 2 });
    out.push({ type: 'call', n: 3 });
    await waitFor('the refusal', () => refused.length === 1);
    assert.deepEqual(refused, [2]);
    await waitFor('the two good ones', () => got.length === 2);
    assert.deepEqual(got, [
      { type: 'call', n: 1 },
      { type: 'call', n: 3 },
    ]);
  });

  it('close() hands back what was queued and sends nothing more', async () => {
    const { a, b } = channel();
    const got = collect(b);
    const out = new BatchPort<Msg>(a, () => assert.fail('nothing is refused'));
    out.push({ type: 'call', n: 1 });
    assert.deepEqual(out.close(), [{ type: 'call', n: 1 }]);
    out.push({ type: 'call', n: 2 });
    out.post({ type: 'probe', n: 3 });
    await waitFor('the probe', () => got.length === 1);
    assert.deepEqual(got, [{ type: 'probe', n: 3 }]);
  });

  describe('through workers', () => {
    let rt: Runtime;
    beforeEach(async () => {
      rt = quietRuntime();
      await rt.add(decl('echo', 'echo-actor'));
      await rt.add(decl('caller', 'caller'));
      await rt.add(decl('pool', 'stateless-echo'));
    });
    afterEach(() => rt.stop());

    it('200 calls from main in one turn each get their own answer; one with uncloneable params fails alone', async () => {
      const calls = Array.from({ length: 200 }, (_, i) =>
        i === 77 ? rt.call('echo', 'Echo.Echo', { i, f: () => i }) : rt.call('echo', 'Echo.Echo', { i }),
      );
      const settled = await Promise.allSettled(calls);
      settled.forEach((s, i) => {
        if (i === 77) assert.ok(s.status === 'rejected' && s.reason instanceof InvalidParamsError, `call ${i}: ${String(s.status)}`);
        else assert.deepEqual(s.status === 'fulfilled' ? s.value : s.reason, { i });
      });
      assert.equal(rt.info('echo')?.queued, 0);
      // JSON-text calls (the socket front end's) batched the same way.
      const texts = await Promise.all(Array.from({ length: 50 }, (_, i) => rt.call('echo', 'Echo.Echo', { i }, { jsonText: true })));
      texts.forEach((t, i) => assert.equal((t as { text: string }).text, JSON.stringify({ i })));
    });

    it('an actor calling another many times at once over its direct port gets every answer, stateful and pooled targets', async () => {
      for (const [target, method] of [
        ['echo', 'Echo.Echo'],
        ['pool', 'Flavor.Whoami'],
      ] as const) {
        const out = await rt.call<string[]>('caller', 'Caller.Parallel', { target, method, n: 100, params: {} });
        assert.equal(out.length, 100);
        assert.ok(
          out.every((s) => s === 'ok'),
          `${target}: ${out.filter((s) => s !== 'ok').join(', ')}`,
        );
      }
      assert.equal(rt.info('echo')?.queued, 0);
    });
  });
});
