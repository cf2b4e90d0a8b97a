/** `--log 5` (pino debug) logs every request and response, one line each; the default level stays quiet. */
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { join } from 'node:path';
import { pino } from 'pino';
import { DEFAULT_INFRAKIT_LOG_LEVEL, pinoLevel, serveRuntime } from '../../sockets/index.js';
import { FakeHost, fakeGroup, rpc, tempDir } from './helpers.js';

function capture(level: number): { logger: pino.Logger; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, cb) {
      for (const l of chunk.toString().split('\n')) if (l.trim() !== '') lines.push(JSON.parse(l) as Record<string, unknown>);
      cb();
    },
  });
  return { logger: pino({ level: pinoLevel(level) }, stream), lines };
}

describe('sockets: request logging', () => {
  let cleanup: () => Promise<void>;
  let dir: string;
  beforeEach(async () => {
    ({ dir, cleanup } = await tempDir());
  });
  afterEach(() => cleanup());

  it('maps InfraKit levels 0..5 to pino', () => {
    assert.deepEqual(
      [0, 1, 2, 3, 4, 5, 6].map((l) => pinoLevel(l)),
      ['silent', 'fatal', 'error', 'warn', 'info', 'debug', 'trace'],
    );
    assert.equal(pinoLevel('5'), 'debug');
    assert.equal(pinoLevel('WARN'), 'warn');
    assert.equal(pinoLevel(DEFAULT_INFRAKIT_LOG_LEVEL), 'info');
    assert.throws(() => pinoLevel(-1), RangeError);
    assert.throws(() => pinoLevel('loud'), RangeError);
  });

  it('level 5: a request line and a response line with actor, method, id and duration', async () => {
    const { logger, lines } = capture(5);
    const fe = await serveRuntime(new FakeHost().set('group', fakeGroup()), { pluginsDir: dir, logger });
    try {
      await rpc(join(dir, 'group'), '{"jsonrpc":"2.0","method":"Group.CommitGroup","params":{},"id":9223372036854775807}');
    } finally {
      await fe.close();
    }
    const req = lines.filter((l) => l['msg'] === 'request');
    const res = lines.filter((l) => l['msg'] === 'response');
    assert.equal(req.length, 1);
    assert.equal(res.length, 1);
    assert.equal(req[0]?.['actor'], 'group');
    assert.equal(req[0]?.['method'], 'Group.CommitGroup');
    assert.equal(req[0]?.['id'], '9223372036854775807');
    assert.equal(res[0]?.['actor'], 'group');
    assert.equal(res[0]?.['method'], 'Group.CommitGroup');
    assert.equal(res[0]?.['id'], '9223372036854775807');
    assert.equal(res[0]?.['code'], -32000);
    assert.equal(typeof res[0]?.['ms'], 'number');
    assert.match(String(res[0]?.['body']), /Group ID must not be blank/);
  });

  it('level 4 (default): no per-request lines', async () => {
    const { logger, lines } = capture(4);
    const fe = await serveRuntime(new FakeHost().set('group', fakeGroup()), { pluginsDir: dir, logger });
    try {
      await rpc(join(dir, 'group'), '{"jsonrpc":"2.0","method":"Group.InspectGroups","params":{},"id":1}');
    } finally {
      await fe.close();
    }
    assert.equal(lines.filter((l) => l['msg'] === 'request' || l['msg'] === 'response').length, 0);
  });
});
