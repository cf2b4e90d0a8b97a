/**
 * The files people hand the CLI: group specs (both InfraKit forms, JSON and YAML) and `up` configs.
 * Every mistake gets a message that names the file and what is wrong.
 */
import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseDocument, readGroupSpec, toGroupSpec } from '../../cli/spec-file.js';
import { actorsFromWords, defaultActors, readUpConfig } from '../../cli/up-config.js';
import { UsageError } from '../../cli/output.js';
import { parseDuration } from '../../cli/duration.js';

describe('cli: group spec files', () => {
  it('reads the classic {ID, Properties} form, keys in any case', () => {
    assert.deepEqual(toGroupSpec({ id: 'w', properties: { Allocation: { Size: 1 } } }, 'f'), {
      ID: 'w',
      Properties: { Allocation: { Size: 1 } },
    });
  });

  it('reads the newer {kind: group, metadata: {name}, properties} form', () => {
    assert.deepEqual(toGroupSpec({ kind: 'group', metadata: { name: 'w' }, properties: { a: 1 } }, 'f'), { ID: 'w', Properties: { a: 1 } });
    assert.throws(() => toGroupSpec({ kind: 'ingress', metadata: { name: 'w' } }, 'f'), /kind 'ingress' is not a group spec/);
    assert.throws(() => toGroupSpec({ kind: 'group', metadata: {} }, 'f'), /metadata.name must name the group/);
  });

  it('names what is missing or of the wrong type', () => {
    const cases: [unknown, RegExp][] = [
      [[1], /must be an object/],
      [{ Properties: {} }, /missing ID/],
      [{ ID: '  ', Properties: {} }, /ID must be a non-empty string/],
      [{ ID: 'w' }, /missing Properties/],
      [{ ID: 'w', Properties: [1] }, /Properties must be an object/],
    ];
    for (const [doc, re] of cases)
      assert.throws(
        () => toGroupSpec(doc, 'spec.yml'),
        (e: unknown) => e instanceof UsageError && re.test(e.message) && e.message.startsWith('spec.yml: '),
      );
  });

  it('parses JSON and YAML, with positions in the errors', () => {
    assert.deepEqual(parseDocument('{"ID":"w"}', 'f.json'), { ID: 'w' });
    assert.deepEqual(parseDocument('ID: w\nProperties: {}\n', 'f.yml'), { ID: 'w', Properties: {} });
    assert.throws(() => parseDocument('', 'f'), /the file is empty/);
    assert.throws(() => parseDocument('ID: w\n  - : [\n', 'f.yml'), /f\.yml: not valid YAML \(line \d+, column \d+\)/);
    assert.throws(() => parseDocument('{"ID": ', 'f.json'), /f\.json: not valid JSON/);
  });

  it('says when the file is missing or a directory', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ik-'));
    try {
      await assert.rejects(readGroupSpec(join(dir, 'nope.yml')), /nope\.yml: no such file/);
      await assert.rejects(readGroupSpec(dir), /is a directory/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('cli: up config files', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'ik-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));
  const write = (text: string): string => {
    const f = join(dir, 'up.yml');
    writeFileSync(f, text);
    return f;
  };

  it('hosts the six built-in plugins by default', () => {
    assert.deepEqual(
      defaultActors().map((a) => a.name),
      ['group', 'simulator', 'file', 'process', 'vanilla', 'combo'],
    );
  });

  it('reads names, plugins, options, mailbox, kind and resourceLimits', async () => {
    const actors = await readUpConfig(
      write(
        'actors:\n  - { name: sim-a, plugin: simulator, options: { objects: [compute] }, mailbox: 64 }\n  - { name: v, plugin: vanilla, kind: stateful, resourceLimits: { maxOldGenerationSizeMb: 128 } }\n',
      ),
    );
    assert.deepEqual(actors, [
      { name: 'sim-a', module: 'simulator', options: { objects: ['compute'] }, mailbox: 64 },
      { name: 'v', module: 'vanilla', options: {}, kind: 'stateful', resourceLimits: { maxOldGenerationSizeMb: 128 } },
    ]);
  });

  it('resolves a custom actor module relative to the config file', async () => {
    const [a] = await readUpConfig(write('actors:\n  - { name: mine, plugin: ./my-actor.js }\n'));
    assert.equal(a?.module, new URL(`file://${join(dir, 'my-actor.js')}`).href);
  });

  it('refuses mistakes with the entry named', async () => {
    const cases: [string, RegExp][] = [
      ['actors: []\n', /expected 'actors:', a non-empty list/],
      ['actors:\n  - { name: a }\n', /actors\[0\]\.plugin must name/],
      ['actors:\n  - { name: a, plugin: nosuch }\n', /unknown plugin 'nosuch'/],
      ['actors:\n  - { name: "a/b", plugin: simulator }\n', /actors\[0\]\.name must be a plugin name/],
      ['actors:\n  - { name: a, plugin: simulator }\n  - { name: a, plugin: vanilla }\n', /the name 'a' is used twice/],
      ['actors:\n  - { name: a, plugin: simulator, options: [1] }\n', /options must be an object/],
      ['actors:\n  - { name: a, plugin: simulator, resourceLimits: { heap: 1 } }\n', /heap is not a resource limit/],
    ];
    for (const [text, re] of cases)
      await assert.rejects(readUpConfig(write(text)), (e: unknown) => e instanceof UsageError && re.test(e.message));
  });

  it('plugin start takes kind and kind:name', () => {
    assert.deepEqual(actorsFromWords(['simulator', 'simulator:sim-b']), [
      { name: 'simulator', module: 'simulator' },
      { name: 'sim-b', module: 'simulator' },
    ]);
    assert.throws(() => actorsFromWords(['nosuch']), /unknown plugin/);
  });

  it('durations for flags: Go form or seconds', () => {
    assert.equal(parseDuration('90', '--timeout'), 90_000);
    assert.equal(parseDuration('1m30s', '--timeout'), 90_000);
    assert.equal(parseDuration('500ms', '--timeout'), 500);
    assert.throws(() => parseDuration('soon', '--timeout'), /--timeout: 'soon' is not a duration/);
  });
});
