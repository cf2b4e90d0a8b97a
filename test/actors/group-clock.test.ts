/** The group's clock (a ManualClock runs timers in order at their own time) and health judged on it. */
import assert from 'node:assert/strict';
import { ManualClock } from '../../actors/group/clock.js';
import { HealthBook } from '../../actors/group/health.js';
import { parseGroupProperties } from '../../actors/group/properties.js';
import { props } from '../fixtures/group-fakes.js';

describe('group: clock', () => {
  it('a ManualClock runs due timers in order, each at its own time, and never early', () => {
    const clock = new ManualClock(1000);
    const seen: [string, number][] = [];
    clock.setTimeout(() => seen.push(['b', clock.now()]), 20);
    clock.setTimeout(() => seen.push(['a', clock.now()]), 10);
    const c = clock.setTimeout(() => seen.push(['c', clock.now()]), 15);
    clock.setTimeout(() => clock.setTimeout(() => seen.push(['nested', clock.now()]), 5), 12);
    clock.clearTimeout(c);
    clock.advance(9);
    assert.deepEqual(seen, []);
    assert.equal(clock.now(), 1009);
    clock.advance(100);
    assert.deepEqual(seen, [
      ['a', 1010],
      ['nested', 1017],
      ['b', 1020],
    ]);
    assert.equal(clock.now(), 1109);
    assert.equal(clock.pending, 0);
  });

  it('until fails after its span of clock time, not of real time', async () => {
    const clock = new ManualClock();
    await assert.rejects(
      clock.until('never', () => false, 1000, 100),
      /timed out waiting for never \(1000 ms of clock time\)/,
    );
    assert.equal(clock.now(), 1000);
    let fired = false;
    clock.setTimeout(() => (fired = true), 250);
    await clock.until('fired', () => fired);
    assert.equal(clock.now(), 1250);
  });

  it('health: Unhealthy past the grace period is replaced, Unknown is ready after HealthTimeout, both on the clock', () => {
    const clock = new ManualClock();
    const book = new HealthBook(clock, 40);
    const p = parseGroupProperties(props(2, { Health: { GracePeriod: '1m' }, Updating: { HealthTimeout: '30s' } }));
    book.note('sick', 'unhealthy');
    book.note('new', 'unknown');
    clock.advance(59_999);
    book.note('sick', 'unhealthy');
    assert.deepEqual(book.judge('sick', p, 0), { health: 'unhealthy', ready: false, replace: false });
    assert.equal(book.judge('new', p, 0).ready, true);
    clock.advance(1);
    assert.equal(book.judge('sick', p, 0).replace, true);
    book.note('sick', 'healthy');
    assert.deepEqual(book.judge('sick', p, 0), { health: 'healthy', ready: true, replace: false });
  });
});
