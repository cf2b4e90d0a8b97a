/**
 * Stateless actors keep the stop contract of stateful ones: on `runtime.stop()` and `remove()`,
 * every pool thread that created an instance aborts its `ctx.signal` and runs its `stop()`.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Runtime } from '../../runtime/index.js';
import { useRuntimeHome } from '../helpers/runtime-home.js';

/** A pool actor whose stop() writes `<dir>/stopped-<threadId>.json` with what it saw. */
const MODULE = `import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { threadId } from 'node:worker_threads';
export default {
  manifest: { interfaces: [{ name: 'Pool', version: '0.1.0' }] },
  stateless: true,
  create(ctx) {
    let calls = 0;
    return {
      handlers: {
        'Pool.Work': async (p) => {
          calls++;
          await new Promise((r) => setTimeout(r, p?.ms ?? 0));
          return { threadId, aborted: ctx.signal.aborted };
        },
      },
      stop: async () => {
        await new Promise((r) => setTimeout(r, 20));
        writeFileSync(join(ctx.options.dir, 'stopped-' + threadId + '.json'), JSON.stringify({ aborted: ctx.signal.aborted, calls }));
      },
    };
  },
};
`;

describe('runtime: a stateless actor stops like a stateful one', () => {
  const t = useRuntimeHome();
  let module: URL;

  beforeEach(() => {
    const path = join(t.home, 'pool-stop.mjs');
    writeFileSync(path, MODULE);
    module = pathToFileURL(path);
  });

  const markers = (): Record<number, { aborted: boolean; calls: number }> =>
    Object.fromEntries(
      readdirSync(t.home)
        .filter((f) => f.startsWith('stopped-'))
        .map((f) => [
          Number(f.slice('stopped-'.length, -'.json'.length)),
          JSON.parse(readFileSync(join(t.home, f), 'utf8')) as { aborted: boolean; calls: number },
        ]),
    );

  it('runtime.stop(): each pool thread with an instance aborts ctx.signal and runs stop(); running calls finish first', async () => {
    t.rt = await Runtime.start({
      logLevel: 'silent',
      home: t.home,
      actors: [{ name: 'pool', module, threads: 2, options: { dir: t.home } }],
    });
    const served = new Set<number>();
    for (let i = 0; i < 4; i++) served.add((await t.rt.call<{ threadId: number }>('pool', 'Pool.Work', {})).threadId);
    const running = t.rt.call<{ threadId: number; aborted: boolean }>('pool', 'Pool.Work', { ms: 200 });
    await t.rt.stop({ timeoutMs: 10_000 });
    const last = await running;
    assert.equal(last.aborted, false, 'the running call finished before the signal was aborted');
    served.add(last.threadId);
    const seen = markers();
    for (const id of served) {
      assert.ok(seen[id] !== undefined, `thread ${id} ran stop() (markers: ${JSON.stringify(seen)})`);
      assert.equal(seen[id].aborted, true, 'ctx.signal was aborted before stop() ran');
    }
    assert.equal(t.rt.info('pool')?.status, 'stopped');
  });

  it('remove(): the same, for one actor', async () => {
    t.rt = await Runtime.start({
      logLevel: 'silent',
      home: t.home,
      actors: [{ name: 'pool', module, threads: 1, options: { dir: t.home } }],
    });
    const { threadId } = await t.rt.call<{ threadId: number }>('pool', 'Pool.Work', {});
    assert.equal(existsSync(join(t.home, `stopped-${threadId}.json`)), false);
    await t.rt.remove('pool');
    assert.deepEqual(markers()[threadId], { aborted: true, calls: 1 });
  });
});
