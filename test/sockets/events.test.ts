/**
 * `GET /events`: an actor's runtime events as Server-Sent Events on its socket — format, per-actor
 * filtering, topics, heartbeats, slow and vanished clients, close; and the `subscribeEvents` client.
 */
import assert from 'node:assert/strict';
import { request, type IncomingMessage } from 'node:http';
import { join } from 'node:path';
import { Runtime } from '../../runtime/index.js';
import {
  normaliseTopic,
  parseMessage,
  serveRuntime,
  subscribeEvents,
  topicMatches,
  type SocketFrontEnd,
  type StreamedEvent,
} from '../../sockets/index.js';
import { SseDecoder } from '../../sockets/event-source.js';
import type { PluginHost } from '../../sockets/plugin-host.js';
import { sleep } from '../fixtures/helpers.js';
import { settlesWithin, waitFor } from '../helpers/wait.js';
import { FakeHost, fakeGroup, httpUnix, tempDir } from './helpers.js';

/** Opens a raw SSE response; collects the text. */
function openRaw(socketPath: string, path = '/events'): Promise<{ res: IncomingMessage; text: () => string; close: () => void }> {
  return new Promise((resolve, reject) => {
    const req = request({ socketPath, host: 'rpc', method: 'GET', path, agent: false }, (res) => {
      let text = '';
      res.setEncoding('utf8').on('data', (d: string) => (text += d));
      resolve({ res, text: () => text, close: () => req.destroy() });
    });
    req.on('error', reject);
    req.end();
  });
}

describe('sockets: GET /events (Server-Sent Events)', () => {
  let host: FakeHost;
  let fe: SocketFrontEnd;
  let dir: string;
  let cleanup: () => Promise<void>;
  const sock = (name = 'group'): string => join(dir, name);
  const closers: (() => void)[] = [];

  beforeEach(async () => {
    ({ dir, cleanup } = await tempDir());
    host = new FakeHost().set('group', fakeGroup()).set('simulator', fakeGroup());
    fe = await serveRuntime(host, { pluginsDir: dir, events: { heartbeatMs: 100 } });
  });
  afterEach(async () => {
    for (const c of closers.splice(0)) c();
    await fe.close();
    await cleanup();
  });

  it('streams the actor events of this socket only, as `event: <type>` + `data: <json>`', async () => {
    const raw = await openRaw(sock());
    closers.push(raw.close);
    assert.equal(raw.res.statusCode, 200);
    assert.match(String(raw.res.headers['content-type']), /^text\/event-stream/);
    assert.equal(raw.res.headers['cache-control'], 'no-cache');
    await waitFor('the opening comment', () => raw.text().startsWith(': group events'));
    host.emit('actor:event', { actor: 'simulator', type: 'group:changed', payload: { ID: 'other' } });
    host.emit('actor:event', { actor: 'group', type: 'group:changed', payload: { ID: 'workers', Added: 2, Removed: 0, Instances: 2 } });
    await waitFor('a message', () => raw.text().includes('data: '));
    const block = raw
      .text()
      .split('\n\n')
      .find((b) => b.startsWith('event: '));
    assert.ok(block);
    const [eventLine, dataLine] = block.split('\n');
    assert.equal(eventLine, 'event: group:changed');
    const data = JSON.parse((dataLine ?? '').replace(/^data: /, '')) as StreamedEvent;
    assert.equal(data.type, 'group:changed');
    assert.equal(data.actor, 'group');
    assert.deepEqual(data.payload, { ID: 'workers', Added: 2, Removed: 0, Instances: 2 });
    assert.ok(!Number.isNaN(Date.parse(data.at)));
    assert.doesNotMatch(raw.text(), /"other"/, 'events of another actor stay off this socket');
  });

  it('streams lifecycle events naming this actor (started, exited, restarted, failed, mailbox:full)', async () => {
    const got: StreamedEvent[] = [];
    const sub = await subscribeEvents(sock(), { onEvent: (e) => got.push(e) });
    assert.ok(sub.served);
    closers.push(() => sub.close());
    await waitFor('the client', () => fe.server('group')?.eventClients === 1);
    host.emit('actor:restarted', { name: 'simulator' });
    for (const type of ['actor:exited', 'actor:restarted', 'actor:started', 'mailbox:full', 'actor:failed'] as const)
      host.emit(type, { name: 'group' });
    await waitFor('five lifecycle events', () => got.length >= 5);
    await sleep(50);
    assert.deepEqual(
      got.map((e) => e.type),
      ['actor:exited', 'actor:restarted', 'actor:started', 'mailbox:full', 'actor:failed'],
    );
    assert.deepEqual(got[0]?.payload, { name: 'group' });
  });

  it('filters by topic: `group:changed`, `/group/changed`, `/rollout`, several topics', async () => {
    const subscribe = async (query: string): Promise<string[]> => {
      const got: string[] = [];
      const raw = await openRaw(sock(), `/events${query}`);
      closers.push(raw.close);
      raw.res.on('data', () => {
        got.length = 0;
        for (const b of raw.text().split('\n\n')) {
          const e = parseMessage(b);
          if (e) got.push(e.type);
        }
      });
      return got;
    };
    const a = await subscribe('?topic=group:changed');
    const b = await subscribe('?topic=%2Fgroup%2Fchanged');
    const c = await subscribe('?topic=/rollout');
    const d = await subscribe('?topic=/rollout/paused&topic=actor');
    const all = await subscribe('?topic=/');
    await waitFor('five clients', () => fe.server('group')?.eventClients === 5);
    for (const type of [
      'group:changed',
      'group:changedness',
      'group:converged',
      'rollout:progress',
      'rollout:paused',
      'actor:started',
      'rolloutx:y',
    ]) {
      if (type.startsWith('actor:')) host.emit('actor:started', { name: 'group' });
      else host.emit('actor:event', { actor: 'group', type, payload: { ID: 'w' } });
    }
    await waitFor('every event on the unfiltered stream', () => all.length === 7);
    await sleep(50);
    assert.deepEqual(a, ['group:changed']);
    assert.deepEqual(b, ['group:changed']);
    assert.deepEqual(c, ['rollout:progress', 'rollout:paused']);
    assert.deepEqual(d, ['rollout:paused', 'actor:started']);
  });

  it('topics: normalised to `:` segments, matched by whole segments', () => {
    assert.equal(normaliseTopic('/group/changed/'), 'group:changed');
    assert.equal(normaliseTopic('group:'), 'group');
    assert.equal(normaliseTopic('/'), '');
    assert.ok(topicMatches(['group'], 'group:changed'));
    assert.ok(topicMatches([], 'anything'));
    assert.ok(!topicMatches(['group'], 'groups:changed'));
    assert.ok(!topicMatches(['group:chan'], 'group:changed'));
  });

  it('sends a heartbeat comment while idle', async () => {
    const raw = await openRaw(sock());
    closers.push(raw.close);
    await waitFor('a heartbeat', () => raw.text().includes(': heartbeat\n\n'));
  });

  it('forgets a client that disconnects: no listener left on the host', async () => {
    const before = host.listenerCount('actor:event');
    const subs = await Promise.all([1, 2, 3].map(() => subscribeEvents(sock(), { onEvent: () => undefined })));
    await waitFor('three clients', () => fe.server('group')?.eventClients === 3);
    assert.equal(host.listenerCount('actor:event'), before + 1, 'one host subscription per socket, not per client');
    for (const s of subs) if (s.served) s.close();
    await waitFor('the clients to be forgotten', () => fe.server('group')?.eventClients === 0);
    assert.equal(host.listenerCount('actor:event'), before);
    assert.equal(host.listenerCount('actor:restarted'), 0);
  });

  it('cuts off a client that stops reading once its backlog passes the limit', async () => {
    await fe.close();
    fe = await serveRuntime(host, { pluginsDir: dir, events: { maxBacklogBytes: 64 * 1024 } });
    const raw = await openRaw(sock());
    closers.push(raw.close);
    raw.res.pause();
    await waitFor('the client', () => fe.server('group')?.eventClients === 1);
    const big = 'x'.repeat(4096);
    for (let i = 0; i < 2000 && fe.server('group')?.eventClients === 1; i++) {
      host.emit('actor:event', { actor: 'group', type: 'test:big', payload: { big } });
      if (i % 50 === 0) await sleep(1);
    }
    await waitFor('the slow client to be cut off', () => fe.server('group')?.eventClients === 0);
    assert.equal(host.listenerCount('actor:event'), 0);
  });

  it('ends every stream on close, at once', async () => {
    const sub = await subscribeEvents(sock(), { onEvent: () => undefined });
    assert.ok(sub.served);
    await waitFor('the client', () => fe.server('group')?.eventClients === 1);
    await settlesWithin(
      fe.close().then(() => sub.ended),
      15_000,
      'close and the end of the stream (an event stream is never-ending: close must end it, not wait for it)',
    );
    assert.equal(host.listenerCount('actor:event'), 0);
  });

  it('answers 405 to anything but GET', async () => {
    const res = await httpUnix(sock(), { method: 'POST', path: '/events', body: '{}' });
    assert.equal(res.status, 405);
    assert.equal(res.headers['allow'], 'GET');
  });

  it('a host without events answers 404, and subscribeEvents says not served', async () => {
    await fe.close();
    const plain: PluginHost = { info: (n) => host.info(n), list: () => host.list(), call: (n, m, p) => host.call(n, m, p) };
    fe = await serveRuntime(plain, { pluginsDir: dir });
    const res = await httpUnix(sock(), { method: 'GET', path: '/events?topic=/group' });
    assert.equal(res.status, 404);
    const sub = await subscribeEvents(sock(), { onEvent: () => undefined });
    assert.deepEqual(sub, { served: false, status: 404 });
  });

  it('subscribeEvents rejects when nothing listens', async () => {
    await assert.rejects(subscribeEvents(join(dir, 'nobody'), { onEvent: () => undefined }), /nobody/);
  });

  it("parseMessage: other servers' formats become typed records", () => {
    assert.equal(parseMessage(': comment'), undefined);
    assert.deepEqual(
      { ...parseMessage('event: /group/x\ndata: {"a":1}'), at: '' },
      { type: '/group/x', actor: '', at: '', payload: { a: 1 } },
    );
    assert.equal(parseMessage('data: hello\ndata: world')?.payload, 'hello\nworld');
  });
});

describe('sockets: SSE line endings (SseDecoder)', () => {
  /** Feeds `chunks` and returns the message blocks. */
  const decode = (chunks: readonly (Buffer | string)[]): string[] => {
    const blocks: string[] = [];
    const d = new SseDecoder((b) => blocks.push(b));
    for (const c of chunks) d.push(c);
    return blocks;
  };

  it('a \\r\\n split across two chunks is one line ending, not a message boundary', () => {
    assert.deepEqual(decode(['data: a\r', '\ndata: b\r\n\r\n']), ['data: a\ndata: b']);
    assert.equal(parseMessage(decode(['data: a\r', '\ndata: b\r\n\r\n'])[0] ?? '')?.payload, 'a\nb');
  });

  it('\\r alone, \\n alone and \\r\\n all end lines; a blank line ends a message; a leading BOM is dropped', () => {
    assert.deepEqual(decode(['\uFEFFdata: 1\r\rdata: 2\n\ndata: 3\r\n\r\n: c\n\nevent: e\rdata: x\r\n\n']), [
      'data: 1',
      'data: 2',
      'data: 3',
      ': c',
      'event: e\ndata: x',
    ]);
    assert.deepEqual(decode(['data: unfinished\n']), []);
  });

  it('gives the same messages whatever byte the stream is split at (one, two and three chunks)', () => {
    const stream = Buffer.from(
      '\uFEFFevent: group:changed\r\ndata: {"ID":"wörker ✓"}\r\n\r\n: hb\r\rdata: a\rdata: b\n\ndata: last ☃\r\n\r\n',
      'utf8',
    );
    const whole = decode([stream]);
    assert.deepEqual(whole, ['event: group:changed\ndata: {"ID":"wörker ✓"}', ': hb', 'data: a\ndata: b', 'data: last ☃']);
    for (let i = 0; i <= stream.length; i++) {
      assert.deepEqual(decode([stream.subarray(0, i), stream.subarray(i)]), whole, `split at byte ${i}`);
      for (let j = i; j <= stream.length; j++) {
        assert.deepEqual(decode([stream.subarray(0, i), stream.subarray(i, j), stream.subarray(j)]), whole, `split at bytes ${i} and ${j}`);
      }
    }
    // One byte at a time.
    assert.deepEqual(decode([...stream].map((b) => Buffer.from([b]))), whole);
  });
});

describe('sockets: GET /events over the real Runtime', function () {
  this.timeout(30_000);
  let rt: Runtime;
  let fe: SocketFrontEnd;
  let dir: string;
  let cleanup: () => Promise<void>;

  beforeEach(async () => {
    ({ dir, cleanup } = await tempDir());
    rt = await Runtime.start({
      home: dir,
      logLevel: 'silent',
      actors: [
        { name: 'group', module: 'group', options: { pollIntervalMs: 50, store: 'memory' } },
        { name: 'simulator', module: 'simulator' },
        { name: 'vanilla', module: 'vanilla' },
      ],
    });
    fe = await serveRuntime(rt, { pluginsDir: join(dir, 'plugins') });
  });
  afterEach(async () => {
    await fe.close();
    await rt.stop();
    await cleanup();
  });

  it('a commit is seen as group:committed, group:changed and group:converged on the group socket', async () => {
    const got: StreamedEvent[] = [];
    const sub = await subscribeEvents(join(dir, 'plugins', 'group'), { topic: '/group', onEvent: (e) => got.push(e) });
    assert.ok(sub.served);
    try {
      await rt.call('group', 'Group.CommitGroup', {
        Spec: {
          ID: 'workers',
          Properties: {
            Allocation: { Size: 3 },
            Instance: { Plugin: 'simulator/compute', Properties: {} },
            Flavor: { Plugin: 'vanilla', Properties: {} },
          },
        },
      });
      await waitFor('group:converged', () => got.some((e) => e.type === 'group:converged'), 20_000);
      const types = got.map((e) => e.type);
      assert.equal(types[0], 'group:committed');
      assert.ok(types.includes('group:changed'));
      const added = got.filter((e) => e.type === 'group:changed').reduce((n, e) => n + (e.payload as { Added: number }).Added, 0);
      assert.equal(added, 3);
      assert.deepEqual(got.find((e) => e.type === 'group:converged')?.payload, { ID: 'workers', Size: 3 });
      assert.ok(got.every((e) => e.actor === 'group' && e.type.startsWith('group:')));
    } finally {
      sub.close();
    }
  });
});
