import assert from 'node:assert/strict';
import { eachLimited } from '../../runtime/util.js';

describe('eachLimited', () => {
  it('calls fn on every item, in order taken, never more than `limit` at once', async () => {
    const items = Array.from({ length: 50 }, (_, i) => i);
    const taken: number[] = [];
    let running = 0;
    let most = 0;
    await eachLimited(items, 4, async (item, index) => {
      assert.equal(item, index);
      taken.push(item);
      running++;
      most = Math.max(most, running);
      await new Promise((r) => setImmediate(r));
      running--;
    });
    assert.deepEqual(taken, items);
    assert.equal(most, 4);
  });

  it('takes no item once `going` is false, and none at all from an empty list', async () => {
    const taken: number[] = [];
    await eachLimited(
      [1, 2, 3, 4, 5, 6],
      2,
      async (item) => {
        taken.push(item);
        await Promise.resolve();
      },
      () => taken.length < 3,
    );
    assert.deepEqual(taken, [1, 2, 3]);
    let called = false;
    await eachLimited([], 8, async () => {
      called = true;
    });
    assert.equal(called, false);
  });

  it('runs one at a time when `limit` is 0 or less', async () => {
    let running = 0;
    let most = 0;
    await eachLimited([1, 2, 3], 0, async () => {
      most = Math.max(most, ++running);
      await new Promise((r) => setImmediate(r));
      running--;
    });
    assert.equal(most, 1);
  });

  it('rejects with the first error fn throws', async () => {
    await assert.rejects(
      eachLimited([1, 2, 3], 2, async (item) => {
        if (item === 2) throw new Error('two');
        await Promise.resolve();
      }),
      /two/,
    );
  });
});
