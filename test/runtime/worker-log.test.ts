/**
 * ctx.log in a worker: records at or above the runtime's logLevel reach the runtime's pino logger
 * on the main thread as pino would have written them in the worker (actor, threadId, fields, msg,
 * an `err` with type, message and stack through its causes, and its own fields).
 */
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import type { Runtime } from '../../runtime/index.js';
import { decl, quietRuntime } from '../fixtures/helpers.js';
import { waitFor } from '../helpers/wait.js';

describe('runtime: ctx.log records are written by the main thread', () => {
  let rt: Runtime | undefined;
  afterEach(() => rt?.stop());

  it('levels, bindings, messages and errors as pino writes them', async () => {
    const lines: Record<string, unknown>[] = [];
    const stream = new Writable({
      write(chunk: Buffer, _enc, done) {
        for (const l of chunk.toString('utf8').split('\n')) if (l.trim() !== '') lines.push(JSON.parse(l) as Record<string, unknown>);
        done();
      },
    });
    rt = quietRuntime({ logger: pino({ level: 'info' }, stream), logLevel: 'info' });
    await rt.add(decl('logger', 'log-actor'));
    const r = await rt.call<{ threadId: number; debug: boolean; info: boolean }>('logger', 'Log.Write', {});
    assert.deepEqual([r.debug, r.info], [false, true]);
    await waitFor('four records', () => lines.filter((l) => l['actor'] === 'logger').length >= 4);
    const mine = lines.filter((l) => l['actor'] === 'logger');
    assert.ok(mine.every((l) => l['threadId'] === r.threadId && typeof l['time'] === 'number'));
    assert.equal(
      mine.find((l) => l['msg'] === 'below the level'),
      undefined,
    );
    const plain = mine.find((l) => l['msg'] === 'plain record');
    assert.deepEqual([plain?.['level'], plain?.['n']], [30, 1]);
    const child = mine.find((l) => l['msg'] === 'from a child');
    assert.deepEqual([child?.['level'], child?.['part']], [40, 'sub']);
    const withErr = mine.find((l) => l['msg'] === 'with an error');
    const err = withErr?.['err'] as Record<string, unknown> | undefined;
    assert.equal(withErr?.['level'], 50);
    assert.equal(err?.['type'], 'CodedError');
    assert.equal(err?.['message'], 'boom: root');
    assert.equal(err?.['code'], 'E_FIXTURE');
    assert.match(String(err?.['stack']), /boom[\s\S]*caused by: Error: root/);
    assert.ok(mine.some((l) => l['msg'] === 'format and 42'));
  });
});
