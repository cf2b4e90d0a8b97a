import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { infrakitHome, pluginsDir, readJsonFile, writeFileAtomic } from '../../runtime/index.js';

describe('runtime: INFRAKIT_HOME and atomic files', () => {
  it('home and plugins dir follow the environment', () => {
    assert.equal(infrakitHome({}), join(homedir(), '.infrakit'));
    assert.equal(infrakitHome({ INFRAKIT_HOME: '/x' }), '/x');
    assert.equal(pluginsDir({ INFRAKIT_HOME: '/x' }), '/x/plugins');
    assert.equal(pluginsDir({ INFRAKIT_HOME: '/x', INFRAKIT_PLUGINS_DIR: '/p' }), '/p');
  });

  describe('writeFileAtomic', () => {
    let dir: string;
    beforeEach(async () => {
      dir = await mkdtemp(join(tmpdir(), 'ik-atomic-'));
    });
    afterEach(() => rm(dir, { recursive: true, force: true }));

    it('writes, replaces, leaves no temp files, and readJsonFile reads back', async () => {
      const p = join(dir, 'sub', 'state.json');
      assert.equal(await readJsonFile(p), undefined);
      await writeFileAtomic(p, JSON.stringify({ v: 1 }));
      await Promise.all(Array.from({ length: 20 }, (_, v) => writeFileAtomic(p, JSON.stringify({ v }))));
      const got = await readJsonFile<{ v: number }>(p);
      assert.ok(got && got.v >= 0 && got.v < 20);
      assert.deepEqual(await readdir(join(dir, 'sub')), ['state.json']);
      await writeFileAtomic(p, new TextEncoder().encode('{"bytes":true}'));
      assert.equal(await readFile(p, 'utf8'), '{"bytes":true}');
    });
  });
});
