/**
 * Fault: a worker that runs out of memory under its declaration's `resourceLimits`. Only that worker
 * dies (ERR_WORKER_OUT_OF_MEMORY); the process, and every other actor, go on. Actors that declare no
 * limits run under DEFAULT_RESOURCE_LIMITS.
 */
import assert from 'node:assert/strict';
import { getHeapStatistics } from 'node:v8';
import { DEFAULT_RESOURCE_LIMITS } from '../../runtime/index.js';
import { decl } from '../fixtures/helpers.js';
import { ledgerSurvives, report, startHarness, type Harness } from './helpers.js';

describe('faults: a worker out of memory (resourceLimits)', function () {
  this.timeout(60_000);
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  it('the caller gets ActorExitedError at the exit, before the restart; the ledger is back on a new thread with every committed entry', async () => {
    h = await startHarness();
    const rssBefore = process.memoryUsage().rss;
    report('oom in ledger', await ledgerSurvives(h, (rt) => rt.call('ledger', 'Ledger.Hog'), /out of memory/i));
    // The hog's heap went with its thread; the others never noticed.
    assert.ok(process.memoryUsage().rss - rssBefore < 256 * 1024 * 1024);
    assert.equal(h.rt.info('group')!.restarts, 0);
    assert.equal(h.rt.info('simulator')!.restarts, 0);
  });

  it('an actor that declares no limits runs under the default old-generation cap; the main thread keeps its own', async () => {
    const mainLimitMb = getHeapStatistics().heap_size_limit / 2 ** 20;
    h = await startHarness([decl('heap', 'heap-limit'), decl('heap48', 'heap-limit', { resourceLimits: { maxOldGenerationSizeMb: 48 } })]);
    const cap = DEFAULT_RESOURCE_LIMITS.maxOldGenerationSizeMb as number;
    assert.ok(cap >= 1024, `default cap ${cap} MB`);
    assert.deepEqual(h.rt.info('heap')!.resourceLimits, DEFAULT_RESOURCE_LIMITS);
    assert.equal(h.rt.info('simulator')!.resourceLimits?.maxOldGenerationSizeMb, cap);
    assert.deepEqual(h.rt.info('heap48')!.resourceLimits, { ...DEFAULT_RESOURCE_LIMITS, maxOldGenerationSizeMb: 48 });
    // What V8 in the worker really got: the old generation cap plus the (small) young generation.
    const inWorker = (await h.rt.call<{ heapSizeLimitMb: number }>('heap', 'Heap.Limit')).heapSizeLimitMb;
    assert.ok(inWorker >= cap && inWorker < cap + 64, `worker heap limit ${inWorker} MB for a ${cap} MB cap`);
    const declared = (await h.rt.call<{ heapSizeLimitMb: number }>('heap48', 'Heap.Limit')).heapSizeLimitMb;
    assert.ok(declared >= 48 && declared < 48 + 64, `declared 48 MB: ${declared} MB`);
    assert.equal(getHeapStatistics().heap_size_limit / 2 ** 20, mainLimitMb, 'the main thread is not limited');
  });
});
