import assert from 'node:assert/strict';
import { Runtime } from '../../runtime/index.js';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileInstances, decodeInstanceFile } from '../../actors/file/index.js';
import { useRuntimeHome } from '../helpers/runtime-home.js';

describe('file instance plugin (logic)', () => {
  let dir: string;
  let warnings: string[];
  let files: FileInstances;
  beforeEach(async () => {
    dir = join(mkdtempSync(join(tmpdir(), 'ik-')), 'instances');
    warnings = [];
    files = new FileInstances(dir, { warn: (o) => warnings.push((o as { file: string }).file) });
    await files.init();
  });
  afterEach(() => rmSync(join(dir, '..'), { recursive: true, force: true }));

  const spec = {
    Properties: { image: 'x' },
    Tags: { 'infrakit.group': 'g', tier: 'web' },
    Init: 'echo',
    LogicalID: 'L1',
    Attachments: null,
  };

  it('provisions one JSON file per instance with {ID, LogicalID, Tags, Spec}', async () => {
    const { ID, Type } = await files.provision({ Type: '', Spec: spec });
    assert.equal(Type, '');
    assert.match(ID as string, /^instance-\d+$/);
    assert.deepEqual(readdirSync(dir), [ID]);
    const rec = JSON.parse(readFileSync(join(dir, ID as string), 'utf8'));
    assert.deepEqual(rec, { ID, LogicalID: 'L1', Tags: spec.Tags, Spec: spec });
  });

  it('describes with strict AND tags; Properties=true gives the stored Spec', async () => {
    const a = (await files.provision({ Spec: spec })).ID;
    const b = (await files.provision({ Spec: { Tags: { 'infrakit.group': 'g' } } })).ID;
    await files.provision({ Spec: {} });
    const g = await files.describe({ Tags: { 'infrakit.group': 'g' } });
    assert.deepEqual(g.Descriptions?.map((d) => d.ID).sort(), [a, b].sort());
    const web = await files.describe({ Type: '', Tags: { 'infrakit.group': 'g', tier: 'web' }, Properties: true });
    assert.deepEqual(web, { Type: '', Descriptions: [{ ID: a, LogicalID: 'L1', Tags: spec.Tags, Properties: spec }] });
    assert.equal((await files.describe({ Tags: { tier: 'db' } })).Descriptions, null);
    const all = await files.describe({});
    assert.equal(all.Descriptions?.length, 3);
    const bare = all.Descriptions?.find((d) => d.ID !== a && d.ID !== b);
    assert.deepEqual(bare, { ID: bare?.ID, LogicalID: null, Tags: null });
  });

  it('labels and destroys; unknown or unsafe IDs are "not found <id>"', async () => {
    const id = (await files.provision({ Spec: spec })).ID as string;
    assert.deepEqual(await files.label({ Type: '', Instance: id, Labels: { tier: 'db', new: 'x' } }), { Type: '', OK: true });
    assert.deepEqual((await files.describe({ Tags: { tier: 'db' } })).Descriptions?.[0]?.Tags, {
      'infrakit.group': 'g',
      tier: 'db',
      new: 'x',
    });
    await assert.rejects(files.label({ Instance: 'instance-1', Labels: { a: 'b' } }), { message: 'not found instance-1' });
    await assert.rejects(files.label({ Instance: '../etc', Labels: { a: 'b' } }), { message: 'not found ../etc' });
    assert.deepEqual(await files.destroy({ Type: '', Instance: id, Context: { Reason: 'terminate' } }), { Type: '', OK: true });
    await assert.rejects(files.destroy({ Instance: id }), { message: `not found ${id}` });
    assert.equal((await files.describe({})).Descriptions, null);
  });

  it('skips temp files and garbage (logging each once), and survives a new FileInstances on the same dir', async () => {
    const id = (await files.provision({ Spec: spec })).ID;
    // A temp file whose writer is alive (this process) is skipped, never removed.
    writeFileSync(join(dir, `.${id}.${process.pid}.abc.tmp`), '{"ID":"half');
    writeFileSync(join(dir, 'garbage'), 'not json');
    writeFileSync(join(dir, 'other.json'), '{"hello":"world"}');
    const again = new FileInstances(dir, { warn: (o) => warnings.push((o as { file: string }).file) });
    await again.init();
    assert.deepEqual(
      (await again.describe({})).Descriptions?.map((d) => d.ID),
      [id],
    );
    await again.describe({});
    assert.deepEqual(warnings.sort(), [join(dir, 'garbage'), join(dir, 'other.json')]);
  });

  it("removes temp files left by a writer that died mid-write, and keeps live writers' temps", async () => {
    const id = (await files.provision({ Spec: spec })).ID;
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
    const deadTemp = `.${id}.${dead.stdout}.0a1b2c.tmp`;
    const liveTemp = `.${id}.${process.pid}.0a1b2c.tmp`;
    writeFileSync(join(dir, deadTemp), '{"ID":"half');
    writeFileSync(join(dir, liveTemp), '{"ID":"half');
    const again = new FileInstances(dir, { warn: (o) => warnings.push((o as { file: string }).file) });
    await again.init();
    assert.ok(!existsSync(join(dir, deadTemp)), "the dead writer's temp file is still there");
    assert.ok(existsSync(join(dir, liveTemp)), "a live writer's temp file was removed");
    assert.deepEqual(warnings, [deadTemp]);
    assert.deepEqual(
      (await again.describe({})).Descriptions?.map((d) => d.ID),
      [id],
    );
  });

  it('validates; an unknown Type is no-plugin:<type>', async () => {
    assert.deepEqual(files.validate({ Type: '', Properties: { any: 1 } }), { Type: '', OK: true });
    assert.throws(() => files.validate({ Type: 'x' }), { message: 'no-plugin:x' });
  });

  it('decodeInstanceFile rejects non-instances', () => {
    assert.equal(decodeInstanceFile('[]'), undefined);
    assert.equal(decodeInstanceFile('{"ID":5}'), undefined);
    assert.equal(decodeInstanceFile('{"ID":"a","Tags":{"x":1}}'), undefined);
    assert.deepEqual(decodeInstanceFile('{"ID":"a"}'), { ID: 'a', LogicalID: null, Tags: null, Spec: {} });
  });
});

describe('file instance plugin (through a Runtime)', () => {
  const t = useRuntimeHome();
  const start = () => Runtime.start({ home: t.home, logLevel: 'silent', actors: [{ name: 'files', module: 'file' }] });

  it('serves every method, under <home>/instances/<name>, and survives a runtime restart', async () => {
    t.rt = await start();
    assert.deepEqual(t.rt.info('files')?.manifest?.vendor, { name: 'infrakit-instance-file', version: '0.3.0' });
    assert.deepEqual(await t.rt.call('files', 'Instance.Validate', { Type: '', Properties: null }), { Type: '', OK: true });
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      const r = await t.rt.call<{ Type: string; ID: string }>('files', 'Instance.Provision', {
        Spec: { Tags: { 'infrakit.group': 'g', i: String(i) }, Properties: { n: i } },
      });
      ids.push(r.ID);
    }
    const dir = join(t.home, 'instances', 'files');
    assert.deepEqual(readdirSync(dir).sort(), [...ids].sort());
    assert.deepEqual(await t.rt.call('files', 'Instance.Label', { Instance: ids[0], Labels: { tier: 'web' } }), { Type: '', OK: true });
    await t.rt.stop();

    writeFileSync(join(dir, `.${ids[1]}.999.deadbeef.tmp`), '{"ID":"inst');
    writeFileSync(join(dir, 'garbage'), '\u0000\u0001 not json');
    t.rt = await start();
    const all = await t.rt.call<{ Descriptions: { ID: string; Tags: Record<string, string> }[] }>('files', 'Instance.DescribeInstances', {
      Tags: { 'infrakit.group': 'g' },
    });
    assert.deepEqual(all.Descriptions.map((d) => d.ID).sort(), [...ids].sort());
    const web = await t.rt.call('files', 'Instance.DescribeInstances', { Tags: { 'infrakit.group': 'g', tier: 'web' }, Properties: true });
    assert.deepEqual(web, {
      Type: '',
      Descriptions: [
        {
          ID: ids[0],
          LogicalID: null,
          Tags: { 'infrakit.group': 'g', i: '0', tier: 'web' },
          Properties: { Tags: { 'infrakit.group': 'g', i: '0' }, Properties: { n: 0 } },
        },
      ],
    });
    assert.deepEqual(await t.rt.call('files', 'Instance.Destroy', { Instance: ids[2], Context: { Reason: 'terminate' } }), {
      Type: '',
      OK: true,
    });
    await assert.rejects(t.rt.call('files', 'Instance.Destroy', { Instance: ids[2] }), { message: `not found ${ids[2]}` });
    await assert.rejects(t.rt.call('files', 'Instance.DescribeInstances', { Type: 'x' }), { message: 'no-plugin:x' });
  });

  it('honours the dir option', async () => {
    const dir = join(t.home, 'elsewhere');
    t.rt = await Runtime.start({ home: t.home, logLevel: 'silent', actors: [{ name: 'files', module: 'file', options: { dir } }] });
    const { ID } = await t.rt.call<{ ID: string }>('files', 'Instance.Provision', { Spec: {} });
    assert.deepEqual(readdirSync(dir), [ID]);
  });
});
