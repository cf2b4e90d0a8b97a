/**
 * The observer over real HTTP, on a real runtime (group, simulator, vanilla on worker threads): the
 * page and the JSON it reads, the event stream, /metrics checked by promtool and moving with calls,
 * and the bad-input classes the plugin sockets survive (big bodies, bad paths and methods, slow
 * clients), clients from other hosts, the read-only default, embedding under a base path.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createServer, request, type Server } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { networkInterfaces } from 'node:os';
import { Runtime } from '../../runtime/index.js';
import { groupClient } from '../../actors/spi/clients.js';
import { observerHandler, startObserver, ObserverConfigError, type ObserverServer } from '../../observer/index.js';
import { testHome } from '../fixtures/helpers.js';
import { waitFor } from '../helpers/wait.js';

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** One request with full control of its headers (fetch would not let a test set Host). */
function http(
  url: string,
  opts: { method?: string; headers?: Record<string, string>; body?: string; host?: string; localAddress?: string } = {},
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const u = new URL(url);
    const req = request(
      {
        host: opts.host ?? u.hostname,
        port: u.port,
        path: `${u.pathname}${u.search}`,
        method: opts.method ?? 'GET',
        headers: opts.headers ?? {},
        agent: false,
        ...(opts.localAddress === undefined ? {} : { localAddress: opts.localAddress }),
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8').on('data', (d: string) => (body += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(opts.body);
  });
}

/** Raw bytes on a fresh connection; resolves with the status line the server answers, or '' if it closes first. */
function raw(port: number, text: string, keepOpen = false): Promise<string> {
  return new Promise((resolve) => {
    const s = connect(port, '127.0.0.1');
    let got = '';
    s.setEncoding('utf8');
    s.on('data', (d: string) => {
      got += d;
      if (got.includes('\r\n')) {
        resolve(got.slice(0, got.indexOf('\r\n')));
        if (!keepOpen) s.destroy();
      }
    });
    s.on('error', () => resolve(got.split('\r\n')[0] ?? ''));
    s.on('close', () => resolve(got.split('\r\n')[0] ?? ''));
    s.write(text);
  });
}

const SPEC = (id: string, size: number, image = 'v1') => ({
  ID: id,
  Properties: {
    Allocation: { Size: size },
    Instance: { Plugin: 'simulator/compute', Properties: { Image: image } },
    Flavor: { Plugin: 'vanilla', Properties: {} },
  },
});

function promtool(): string | undefined {
  const r = spawnSync('promtool', ['--version'], { encoding: 'utf8' });
  return r.status === 0 ? 'promtool' : undefined;
}

/** `name{labels} value` lines of an exposition, as a map from the name with its labels to the value. */
function samples(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const i = line.lastIndexOf(' ');
    out.set(line.slice(0, i), Number(line.slice(i + 1)));
  }
  return out;
}

describe('observer over HTTP', function () {
  this.timeout(90_000);
  let rt: Runtime;
  let obs: ObserverServer;

  before(async () => {
    rt = await Runtime.start({
      logLevel: 'silent',
      home: testHome(),
      actors: [
        { name: 'group', module: 'group', options: { pollIntervalMs: 200 } },
        { name: 'simulator', module: 'simulator' },
        { name: 'vanilla', module: 'vanilla' },
      ],
    });
    obs = await startObserver(rt, { port: 0, timeouts: { headersMs: 1000, requestMs: 2000, checkEveryMs: 200 } });
  });
  after(async () => {
    await obs?.close();
    await rt?.stop();
  });

  it('serves the page, its script, and the JSON it reads', async () => {
    assert.match(obs.url, /^http:\/\/127\.0\.0\.1:\d+\/$/);
    const page = await http(obs.url);
    assert.equal(page.status, 200);
    assert.match(String(page.headers['content-type']), /text\/html/);
    assert.match(page.body, /<script src="observer.js">/);
    assert.match(String(page.headers['content-security-policy']), /default-src 'self'/);
    const js = await http(`${obs.url}observer.js`);
    assert.equal(js.status, 200);
    assert.match(js.body, /EventSource/);
    const actors = JSON.parse((await http(`${obs.url}api/actors`)).body) as { name: string; kind: string; status: string }[];
    assert.deepEqual(
      actors.map((a) => [a.name, a.kind, a.status]),
      [
        ['group', 'stateful', 'running'],
        ['simulator', 'stateful', 'running'],
        ['vanilla', 'stateless', 'running'],
      ],
    );
    const snap = JSON.parse((await http(`${obs.url}api/snapshot`)).body) as { actors: unknown[]; groups: unknown[]; controls: boolean };
    assert.equal(snap.actors.length, 3);
    assert.equal(snap.controls, false);
    const head = await http(`${obs.url}api/actors`, { method: 'HEAD' });
    assert.equal(head.status, 200);
    assert.equal(head.body, '');
  });

  it('describes a committed group in /api/groups and logs its events in /api/events', async () => {
    await groupClient(rt).commit(SPEC('web', 3));
    const groups = await waitFor('web to converge in /api/groups', async () => {
      const g = JSON.parse((await http(`${obs.url}api/groups`)).body) as {
        id: string;
        converged: boolean;
        instances: number;
        instanceList: { configHash: string | null }[];
      }[];
      return g[0]?.converged === true ? g : undefined;
    });
    assert.equal(groups[0]?.id, 'web');
    assert.equal(groups[0]?.instances, 3);
    assert.ok(groups[0]?.instanceList.every((i) => typeof i.configHash === 'string'));
    const events = JSON.parse((await http(`${obs.url}api/events`)).body) as { seq: number; type: string; actor: string }[];
    assert.ok(events.some((e) => e.type === 'group:committed' && e.actor === 'group'));
    // `after` keeps only later events. More may arrive between two reads (a group's last events cross
    // from its worker after its description says converged), so only their order is asserted.
    const first = events[0]?.seq ?? 0;
    const later = JSON.parse((await http(`${obs.url}api/events?after=${first}`)).body) as { seq: number }[];
    assert.deepEqual(
      later.slice(0, events.length - 1).map((e) => e.seq),
      events.slice(1).map((e) => e.seq),
    );
    assert.ok(
      later.every((e) => e.seq > first),
      JSON.stringify(later),
    );
  });

  it('streams a snapshot at once and then every second, and events as they happen', async () => {
    const got: string[] = [];
    const req = request(`${obs.url}api/stream`);
    const done = new Promise<void>((resolve, reject) => {
      req.on('response', (res) => {
        assert.equal(res.headers['content-type'], 'text/event-stream');
        res.setEncoding('utf8').on('data', (d: string) => {
          got.push(d);
          const text = got.join('');
          if (
            (text.match(/event: snapshot/g) ?? []).length >= 2 &&
            text.includes('"type":"group:committed"') &&
            text.includes('"ID":"api"')
          )
            resolve();
        });
      });
      req.on('error', reject);
    });
    req.end();
    await waitFor('the first snapshot', () => got.join('').includes('event: snapshot'));
    await groupClient(rt).commit(SPEC('api', 1));
    try {
      await waitFor('two snapshots and the commit of api', async () => {
        await Promise.race([done, new Promise((r) => setTimeout(r, 100))]);
        return (
          (got.join('').match(/event: snapshot/g) ?? []).length >= 2 &&
          /event: log\ndata: \{[^\n]*"type":"group:committed"[^\n]*ID=api/.test(got.join(''))
        );
      });
    } finally {
      req.destroy();
    }
  });

  it('/metrics passes promtool check metrics, and its counts move as calls are made', async function () {
    const scrape = async () => {
      const r = await http(`${obs.url}metrics`);
      assert.equal(r.status, 200);
      assert.match(String(r.headers['content-type']), /^text\/plain; version=0\.0\.4/);
      return r.body;
    };
    const before = samples(await scrape());
    const key = 'infrakit_actor_calls_total{actor="group",method="Group.DescribeGroup",outcome="ok",via="main"}';
    const n0 = before.get(key) ?? 0;
    for (let i = 0; i < 5; i++) await groupClient(rt).describe('web');
    const text = await scrape();
    const after = samples(text);
    assert.ok((after.get(key) ?? 0) >= n0 + 5, `${key}: ${n0} then ${after.get(key)}`);
    const count = after.get('infrakit_actor_call_duration_seconds_count{actor="group",method="Group.DescribeGroup",via="main"}') ?? 0;
    assert.equal(
      after.get('infrakit_actor_call_duration_seconds_bucket{actor="group",method="Group.DescribeGroup",via="main",le="+Inf"}'),
      count,
    );
    assert.ok(count >= 5);
    assert.equal(after.get('infrakit_actor_mailbox_capacity{actor="simulator"}'), 1024);
    assert.equal(after.get('infrakit_actor_up{actor="vanilla",kind="stateless",state="running"}'), 1);
    assert.equal(after.get('infrakit_actor_restarts_total{actor="group"}'), 0);
    assert.equal(after.get('infrakit_group_instances{plugin="group",group="web"}'), 3);
    assert.equal(after.get('infrakit_group_converged{plugin="group",group="web"}'), 1);
    assert.equal(after.get('infrakit_group_rollout_progress_ratio{plugin="group",group="web"}'), 1);
    // The group's calls to the simulator go over a direct port, never through main: the simulator's
    // worker counts and times them and reports them with its heap.
    await waitFor('the simulator counting and timing the provisions the group made directly', async () => {
      const m = samples(await scrape());
      const calls = m.get('infrakit_actor_calls_total{actor="simulator",method="Instance.Provision",outcome="ok",via="direct"}') ?? 0;
      const timed = m.get('infrakit_actor_call_duration_seconds_count{actor="simulator",method="Instance.Provision",via="direct"}') ?? 0;
      const inf = m.get(
        'infrakit_actor_call_duration_seconds_bucket{actor="simulator",method="Instance.Provision",via="direct",le="+Inf"}',
      );
      return calls >= 3 && timed === calls && inf === calls;
    });
    await waitFor('the direct calls in the simulator calls of /api/actors (sampled each second)', async () => {
      const actors = JSON.parse((await http(`${obs.url}api/actors`)).body) as { name: string; calls: number }[];
      return (actors.find((a) => a.name === 'simulator')?.calls ?? 0) >= 3;
    });
    await waitFor('a worker heap in /metrics', async () =>
      [...samples(await scrape()).keys()].some((k) => k.startsWith('infrakit_actor_worker_heap_used_bytes{actor="group"')),
    );
    const tool = promtool();
    if (tool === undefined) {
      console.log('      (promtool not installed: the exposition was parsed but not checked; .ci/run installs prometheus)');
      return;
    }
    const check = spawnSync(tool, ['check', 'metrics'], { input: text, encoding: 'utf8' });
    assert.equal(check.status, 0, `promtool check metrics: ${check.stdout}${check.stderr}`);
  });

  it('answers bad methods, paths, targets, bodies and Hosts with clear errors, and stays up', async () => {
    const del = await http(obs.url, { method: 'DELETE' });
    assert.equal(del.status, 405);
    assert.match(JSON.parse(del.body).error, /method DELETE not allowed/);
    assert.equal((await http(`${obs.url}nope`)).status, 404);
    assert.equal((await http(`${obs.url}api/../../etc/passwd`)).status, 404);
    assert.equal((await http(`${obs.url}api/actors?x=${'a'.repeat(5000)}`)).status, 414);
    assert.equal((await http(`${obs.url}api/groups/group/web/pause`, { method: 'POST' })).status, 403); // read-only
    assert.equal((await http(`${obs.url}api/groups/x`, { method: 'POST' })).status, 404);
    const port = obs.port;
    // A huge body is refused on its headers, never read.
    assert.match(
      await raw(
        port,
        `POST /api/groups/group/web/pause HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 1000000000\r\n\r\n${'x'.repeat(65536)}`,
      ),
      /^HTTP\/1\.1 413/,
    );
    assert.match(await raw(port, `GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n\r\n`), /^HTTP\/1\.1 411/);
    assert.match(await raw(port, `GET /\x00 HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`), /^HTTP\/1\.1 400/);
    assert.match(await raw(port, `garbage\r\n\r\n`), /^HTTP\/1\.1 400/);
    // DNS rebinding: a page of another site that resolves its name to 127.0.0.1 sends its own Host.
    const foreign = await http(`${obs.url}api/actors`, { headers: { Host: 'evil.example:80' } });
    assert.equal(foreign.status, 403);
    assert.equal((await http(`${obs.url}api/actors`, { headers: { Host: `localhost:${port}` } })).status, 200);
    assert.equal((await http(`${obs.url}api/actors`)).status, 200);
  });

  it('cuts a client that never finishes its headers, and answers others meanwhile', async () => {
    const s = connect(obs.port, '127.0.0.1');
    let closed = false;
    let answer = '';
    s.setEncoding('utf8').on('data', (d: string) => (answer += d));
    s.on('close', () => (closed = true));
    s.on('error', () => undefined);
    s.write('GET /api/actors HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ');
    assert.equal((await http(`${obs.url}api/actors`)).status, 200);
    await waitFor('the slow client to be cut (headers timeout 1 s here)', () => closed, 30_000);
    assert.ok(answer === '' || /^HTTP\/1\.1 408/.test(answer), answer);
    assert.equal((await http(`${obs.url}api/actors`)).status, 200);
  });

  it('pauses and resumes a rollout through the group calls when started with controls', async () => {
    const ctl = await startObserver(rt, { port: 0, controls: true });
    try {
      const snap = JSON.parse((await http(`${ctl.url}api/snapshot`)).body) as { controls: boolean };
      assert.equal(snap.controls, true);
      const paused = await http(`${ctl.url}api/groups/group/web/pause`, { method: 'POST' });
      assert.equal(paused.status, 200, paused.body);
      assert.match(JSON.parse(paused.body).Details, /web/);
      const resumed = await http(`${ctl.url}api/groups/group/web/resume`, { method: 'POST' });
      assert.equal(resumed.status, 200, resumed.body);
      const unknown = await http(`${ctl.url}api/groups/group/nosuch/pause`, { method: 'POST' });
      assert.equal(unknown.status, 409);
      assert.ok(JSON.parse(unknown.body).error);
    } finally {
      await ctl.close();
    }
  });

  it('moves to the next port when the one asked for is taken', async () => {
    const blocker = createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r));
    const taken = (blocker.address() as AddressInfo).port;
    const next = await startObserver(rt, { port: taken });
    try {
      assert.notEqual(next.port, taken);
      assert.equal((await http(`${next.url}api/actors`)).status, 200);
      await assert.rejects(startObserver(rt, { port: taken, exactPort: true }), /EADDRINUSE/);
    } finally {
      await next.close();
      await new Promise((r) => blocker.close(r));
    }
  });

  it('refuses to listen beyond loopback without allowRemote, and allowRemote without a token', async () => {
    await assert.rejects(startObserver(rt, { host: '0.0.0.0', port: 0 }), ObserverConfigError);
    assert.throws(() => observerHandler(rt, { allowRemote: true }), ObserverConfigError);
    assert.throws(() => observerHandler(rt, { allowRemote: true, token: 'short' }), ObserverConfigError);
  });

  describe('clients from other hosts', () => {
    // A non-loopback address of this machine: a connection from it is not a loopback client.
    const address = Object.values(networkInterfaces())
      .flat()
      .find((i) => i !== undefined && i.family === 'IPv4' && !i.internal)?.address;
    let server: Server | undefined;
    let close: (() => void) | undefined;
    afterEach(async () => {
      close?.();
      if (server !== undefined) await new Promise((r) => server!.close(r));
      server = undefined;
    });
    async function serveOn(opts: Parameters<typeof observerHandler>[1]): Promise<number> {
      const handler = observerHandler(rt, opts);
      close = () => handler.close();
      server = createServer(handler);
      await new Promise<void>((r) => server!.listen(0, '0.0.0.0', r));
      return (server.address() as AddressInfo).port;
    }

    it('are refused by default, even on a server listening on every address', async function () {
      if (address === undefined) return this.skip();
      const port = await serveOn({});
      const r = await http(`http://${address}:${port}/api/actors`, { headers: { Host: `127.0.0.1:${port}` } });
      assert.equal(r.status, 403);
      assert.match(JSON.parse(r.body).error, /serves this host only/);
      assert.equal((await http(`http://127.0.0.1:${port}/api/actors`)).status, 200);
    });

    it('with allowRemote, need the token (header or query), and the page loads without it', async function () {
      if (address === undefined) return this.skip();
      const token = 'a-token-of-some-length';
      const port = await serveOn({ allowRemote: true, token });
      const base = `http://${address}:${port}`;
      assert.equal((await http(`${base}/api/actors`)).status, 401);
      assert.equal((await http(`${base}/api/actors?token=wrong-token-of-some-len`)).status, 401);
      assert.equal((await http(`${base}/api/actors`, { headers: { Authorization: `Bearer ${token}` } })).status, 200);
      assert.equal((await http(`${base}/metrics?token=${token}`)).status, 200);
      assert.equal((await http(`${base}/`)).status, 200);
    });
  });

  it('mounts in a host app server under a base path', async () => {
    const handler = observerHandler(rt, { basePath: '/observer' });
    const app = createServer((req, res) => {
      if (req.url?.startsWith('/observer')) return handler(req, res);
      res.end('app');
    });
    await new Promise<void>((r) => app.listen(0, '127.0.0.1', r));
    const base = `http://127.0.0.1:${(app.address() as AddressInfo).port}`;
    try {
      assert.equal((await http(`${base}/`)).body, 'app');
      const redirect = await http(`${base}/observer`);
      assert.equal(redirect.status, 308);
      assert.equal(redirect.headers.location, '/observer/');
      assert.match((await http(`${base}/observer/`)).body, /infrakit-ts observer/);
      assert.equal(JSON.parse((await http(`${base}/observer/api/actors`)).body).length, 3);
      assert.equal((await http(`${base}/observerx/api/actors`)).status, 404);
    } finally {
      handler.close();
      await new Promise((r) => app.close(r));
    }
  });
});
