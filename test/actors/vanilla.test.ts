import assert from 'node:assert/strict';
import { Runtime } from '../../runtime/index.js';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Vanilla, BOTH_INIT_ERROR, renderHealthUrl } from '../../actors/vanilla/index.js';
import { useRuntimeHome } from '../helpers/runtime-home.js';

const inst = (tags: Record<string, string> | null = null) => ({ ID: 'i-1', LogicalID: null, Tags: tags });

describe('vanilla (logic)', () => {
  const v = new Vanilla();

  it('Prepare appends Init lines after a non-empty incoming Init, merges tags (flavor wins), appends attachments', async () => {
    const r = await v.prepare({
      Type: '',
      Properties: {
        Init: ['echo a', 'echo b'],
        Tags: { tier: 'web', 'infrakit.group': 'flavor' },
        Attachments: [{ ID: 'vol-2', Type: 'ebs' }],
      },
      Spec: {
        Properties: { x: 1 },
        Tags: { 'infrakit.group': 'g', keep: 'me' },
        Init: 'echo start',
        LogicalID: 'L1',
        Attachments: [{ ID: 'vol-1', Type: 'ebs' }],
      },
      Index: { Group: 'g', Sequence: 0 },
    });
    assert.deepEqual(r, {
      Type: '',
      Spec: {
        Properties: { x: 1 },
        Tags: { 'infrakit.group': 'flavor', keep: 'me', tier: 'web' },
        Init: 'echo start\necho a\necho b',
        LogicalID: 'L1',
        Attachments: [
          { ID: 'vol-1', Type: 'ebs' },
          { ID: 'vol-2', Type: 'ebs' },
        ],
      },
    });
  });

  it('Prepare answers the same for the same request objects (a batch shares them), and anew for other Properties', async () => {
    const w = new Vanilla();
    const Spec = { Properties: { cpu: 2 }, Tags: { 'infrakit.group': 'g' }, Init: '', LogicalID: null, Attachments: null };
    const Properties = { Init: ['echo hi'], Tags: { tier: 'web' } };
    const a = await w.prepare({ Type: '', Properties, Spec });
    const b = await w.prepare({ Type: '', Properties, Spec });
    const want = {
      Properties: { cpu: 2 },
      Tags: { 'infrakit.group': 'g', tier: 'web' },
      Init: 'echo hi',
      LogicalID: null,
      Attachments: null,
    };
    assert.deepEqual(a, { Type: '', Spec: want });
    assert.deepEqual(b, a);
    const c = await w.prepare({ Type: '', Properties: { Init: ['echo other'] }, Spec });
    assert.deepEqual(c.Spec, { ...want, Tags: { 'infrakit.group': 'g' }, Init: 'echo other' });
    await assert.rejects(w.prepare({ Type: '', Properties: { Init: 'not a list' }, Spec }), /Init must be a list of strings/);
  });

  it('Prepare with empty everything sends nulls as Go does', async () => {
    const r = await v.prepare({ Properties: null, Spec: {} });
    assert.deepEqual(r, { Type: '', Spec: { Properties: null, Tags: null, Init: '', LogicalID: null, Attachments: null } });
  });

  it('matches property keys case-insensitively', async () => {
    const r = await v.prepare({ Properties: { init: ['x'], tags: { a: 'b' } }, Spec: {} });
    assert.equal(r.Spec.Init, 'x');
    assert.deepEqual(r.Spec.Tags, { a: 'b' });
  });

  it('Validate: errors name the field', async () => {
    assert.deepEqual(await v.validate({ Type: '', Properties: { Init: ['ok'] } }), { Type: '', OK: true });
    assert.deepEqual(await v.validate({ Properties: null }), { Type: '', OK: true });
    await assert.rejects(v.validate({ Properties: { Init: 'echo' } }), { message: 'Init must be a list of strings' });
    await assert.rejects(v.validate({ Properties: { Init: [1] } }), { message: 'Init must be a list of strings' });
    await assert.rejects(v.validate({ Properties: { Tags: { a: 1 } } }), { message: 'Tags must be a map of strings to strings' });
    await assert.rejects(v.validate({ Properties: { Attachments: {} } }), /^ApplicationError: Attachments must be a list/);
    await assert.rejects(v.validate({ Properties: { Attachments: [{ ID: 'a', Type: 3 }] } }), {
      message: 'Attachments[0].Type must be a string',
    });
    await assert.rejects(v.validate({ Properties: { InitScriptTemplateURL: 5 } }), { message: 'InitScriptTemplateURL must be a string' });
    await assert.rejects(v.validate({ Properties: { Init: ['a'], InitScriptTemplateURL: 'str://x' } }), { message: BOTH_INIT_ERROR });
    await assert.rejects(v.validate({ Properties: { Health: { HTTP: 'ftp://x' } } }), {
      message: 'Health.HTTP must be an http:// or https:// URL',
    });
    await assert.rejects(v.validate({ Properties: { Health: { HTTP: 'http://x', Command: 'true' } } }), /Health: either/);
    await assert.rejects(v.validate({ Properties: { Health: { Command: 'true', TimeoutMs: -1 } } }), {
      message: 'Health.TimeoutMs must be a positive number',
    });
    await assert.rejects(v.validate({ Properties: [] }), { message: 'Properties must be an object' });
    await assert.rejects(v.validate({ Type: 'x' }), { message: 'no-plugin:x' });
  });

  it('reads InitScriptTemplateURL (str:// and file:) and checks it in Validate', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ik-'));
    try {
      const f = join(dir, 'init.sh');
      writeFileSync(f, '#!/bin/sh\necho templ');
      const r = await v.prepare({ Properties: { InitScriptTemplateURL: pathToFileURL(f).href }, Spec: { Init: 'first' } });
      assert.equal(r.Spec.Init, 'first\n#!/bin/sh\necho templ');
      assert.equal((await v.prepare({ Properties: { InitScriptTemplateURL: 'str://hello' }, Spec: {} })).Spec.Init, 'hello');
      await assert.rejects(
        v.validate({ Properties: { InitScriptTemplateURL: pathToFileURL(join(dir, 'missing')).href } }),
        /cannot read InitScriptTemplateURL/,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('Healthy is 1 by default; Drain is a no-op', async () => {
    assert.deepEqual(await v.healthy({ Type: '', Properties: {}, Instance: inst() }), { Type: '', Health: 1 });
    assert.deepEqual(v.drain({ Type: '', Properties: {}, Instance: inst() }), { Type: '', OK: true });
  });

  describe('health check', () => {
    let server: Server;
    let port: number;
    before(async () => {
      server = createServer((req, res) => {
        res.statusCode = req.url === '/bad' ? 500 : 200;
        res.end('ok');
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      port = (server.address() as AddressInfo).port;
    });
    after(() => new Promise<void>((resolve) => server.close(() => resolve())));

    it('HTTP: 2xx is Healthy, 5xx and refused are Unhealthy, no port is Unknown', async () => {
      const props = (path: string) => ({ Health: { HTTP: `http://127.0.0.1:{{port}}${path}`, TimeoutMs: 2000 } });
      assert.equal((await v.healthy({ Properties: props('/'), Instance: inst({ port: String(port) }) })).Health, 1);
      assert.equal((await v.healthy({ Properties: props('/bad'), Instance: inst({ port: String(port) }) })).Health, 2);
      assert.equal((await v.healthy({ Properties: props('/'), Instance: inst() })).Health, 0);
      const closed = createServer();
      await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
      const deadPort = (closed.address() as AddressInfo).port;
      await new Promise<void>((resolve) => closed.close(() => resolve()));
      assert.equal((await v.healthy({ Properties: props('/'), Instance: inst({ port: String(deadPort) }) })).Health, 2);
      // Port from Properties when there is no tag.
      assert.equal((await v.healthy({ Properties: props('/'), Instance: { ID: 'i', Properties: { Port: port } } })).Health, 1);
    });

    it('Command: exit 0 is Healthy, else Unhealthy; the instance comes in the environment', async () => {
      const ok = { Health: { Command: 'test "$INSTANCE_ID" = i-1 && test "$INSTANCE_PORT" = 8080' } };
      assert.equal((await v.healthy({ Properties: ok, Instance: inst({ port: '8080' }) })).Health, 1);
      assert.equal((await v.healthy({ Properties: ok, Instance: inst({ port: '9' }) })).Health, 2);
      assert.equal((await v.healthy({ Properties: { Health: { Command: 'sleep 5', TimeoutMs: 100 } }, Instance: inst() })).Health, 2);
    });

    it('renders URL placeholders', () => {
      assert.equal(
        renderHealthUrl('http://h:{{port}}/{{ID}}?g={{tag:infrakit.group}}', { ID: 'a b', Tags: { port: '1', 'infrakit.group': 'w' } }),
        'http://h:1/a%20b?g=w',
      );
      assert.equal(renderHealthUrl('http://h/{{LogicalID}}', { ID: 'x', LogicalID: null }), undefined);
    });
  });
});

describe('vanilla (through a Runtime)', () => {
  const t = useRuntimeHome();

  it('runs stateless and serves every method; validation errors name the field', async () => {
    t.rt = await Runtime.start({ home: t.home, logLevel: 'silent', actors: [{ name: 'vanilla', module: 'vanilla' }] });
    assert.equal(t.rt.info('vanilla')?.kind, 'stateless');
    assert.deepEqual(
      t.rt.info('vanilla')?.manifest?.interfaces.map((i) => i.version),
      ['0.1.0', '0.1.1'],
    );
    assert.deepEqual(await t.rt.call('vanilla', 'Flavor.Validate', { Type: '', Properties: { Init: ['a'] }, Allocation: { Size: 1 } }), {
      Type: '',
      OK: true,
    });
    await assert.rejects(t.rt.call('vanilla', 'Flavor.Validate', { Properties: { Init: 'a' } }), {
      message: 'Init must be a list of strings',
    });
    await assert.rejects(t.rt.call('vanilla', 'Flavor.Validate', { Properties: { Init: ['a'], InitScriptTemplateURL: 'str://b' } }), {
      message: BOTH_INIT_ERROR,
    });
    const r = await t.rt.call('vanilla', 'Flavor.Prepare', {
      properties: { Init: ['echo a'], Tags: { t: 'v' } },
      spec: { Init: 'echo 0', tags: { g: 'x' } },
      allocation: { Size: 1 },
      index: { Group: 'g', Sequence: 0 },
    });
    assert.deepEqual(r, {
      Type: '',
      Spec: { Properties: null, Tags: { g: 'x', t: 'v' }, Init: 'echo 0\necho a', LogicalID: null, Attachments: null },
    });
    assert.deepEqual(await t.rt.call('vanilla', 'Flavor.Healthy', { Properties: {}, Instance: inst() }), { Type: '', Health: 1 });
    assert.deepEqual(await t.rt.call('vanilla', 'Flavor.Healthy', { Properties: { Health: { Command: 'exit 3' } }, Instance: inst() }), {
      Type: '',
      Health: 2,
    });
    assert.deepEqual(await t.rt.call('vanilla', 'Flavor.Drain', { Properties: {}, Instance: inst() }), { Type: '', OK: true });
  });
});
