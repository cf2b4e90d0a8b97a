import assert from 'node:assert/strict';
import type { Runtime } from '../../runtime/index.js';
import { decl, quietRuntime } from '../fixtures/helpers.js';

describe('runtime: mailbox is FIFO, one call at a time by default', () => {
  let rt: Runtime;
  afterEach(() => rt?.stop());

  it('runs calls in arrival order even when earlier ones are slower', async () => {
    rt = quietRuntime();
    await rt.add(decl('counter', 'counter'));
    const n = 50;
    // Decreasing delays: with concurrency > 1 the later, faster calls would overtake.
    const results = await Promise.all(
      Array.from({ length: n }, (_, v) => rt.call<number>('counter', 'Counter.Append', { v, delayMs: v % 5 === 0 ? 8 - (v % 8) : 0 })),
    );
    assert.deepEqual(
      results,
      Array.from({ length: n }, (_, i) => i + 1),
    );
    assert.deepEqual(
      await rt.call('counter', 'Counter.List'),
      Array.from({ length: n }, (_, i) => i),
    );
  });
});
