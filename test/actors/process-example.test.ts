/**
 * examples/process-web: the group spec's Init really serves its version on the port the process
 * plugin hands out, three at once without collisions; group-v2.yml differs only in the version.
 * (Vanilla's Prepare builds the instance spec, as the group would; no group plugin needed.)
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { Vanilla } from '../../actors/vanilla/vanilla.js';
import { ProcessInstancePlugin } from '../../actors/process/process-plugin.js';
import type { InstanceSpec } from '../../actors/spi/common.js';
import { silentLog, sweep, tempHome } from '../fixtures/process-helpers.js';
import { waitFor } from '../helpers/wait.js';

interface GroupFile {
  ID: string;
  Properties: {
    Allocation: { Size: number };
    Instance: { Plugin: string; Properties: Record<string, unknown> };
    Flavor: { Plugin: string; Properties: Record<string, unknown> };
  };
}

const example = (name: string): string => fileURLToPath(new URL(`../../../examples/process-web/${name}`, import.meta.url));
const load = (name: string): GroupFile => parse(readFileSync(example(name), 'utf8')) as GroupFile;

describe('examples/process-web', function () {
  let home: string;
  beforeEach(() => {
    home = tempHome();
  });
  afterEach(() => sweep(home));

  it('group-v2.yml differs from group.yml only in the version string', () => {
    const v1 = load('group.yml');
    const v2 = load('group-v2.yml');
    assert.equal(v1.Properties.Allocation.Size, 3);
    assert.equal(v1.Properties.Instance.Plugin, 'process');
    assert.equal(v1.Properties.Flavor.Plugin, 'vanilla');
    assert.notDeepEqual(v1, v2);
    assert.deepEqual(JSON.parse(JSON.stringify(v2).replaceAll('"v2"', '"v1"')), v1);
  });

  for (const [file, version] of [
    ['group.yml', 'v1'],
    ['group-v2.yml', 'v2'],
  ] as const) {
    it(`${file}: three instances serve ${version} on distinct ports`, async () => {
      const g = load(file);
      const vanilla = new Vanilla();
      await vanilla.validate({ Type: '', Properties: g.Properties.Flavor.Properties, Allocation: g.Properties.Allocation });
      const plugin = new ProcessInstancePlugin({ name: 'process', home, log: silentLog, options: { removeLogsOnDestroy: false } });
      plugin.validate({ Type: '', Properties: g.Properties.Instance.Properties });
      const ids: string[] = [];
      for (let i = 0; i < g.Properties.Allocation.Size; i++) {
        const base: InstanceSpec = {
          Properties: g.Properties.Instance.Properties,
          Tags: { 'infrakit.group': g.ID },
          Init: '',
          LogicalID: null,
          Attachments: null,
        };
        const { Spec } = await vanilla.prepare({
          Type: '',
          Properties: g.Properties.Flavor.Properties,
          Spec: base,
          Allocation: g.Properties.Allocation,
          Index: { Group: g.ID, Sequence: i },
        });
        ids.push((await plugin.provision({ Type: '', Spec })).ID as string);
      }
      const d = (await plugin.describeInstances({ Tags: { 'infrakit.group': g.ID, app: 'process-web' } })).Descriptions ?? [];
      assert.equal(d.length, 3);
      const ports = d.map((x) => Number(x.Tags?.['port']));
      assert.equal(new Set(ports).size, 3);
      for (const [i, port] of ports.entries()) {
        let body = '';
        await waitFor(`the server on ${port}`, async () => {
          try {
            body = await (await fetch(`http://127.0.0.1:${port}/`)).text();
            return true;
          } catch {
            return false;
          }
        });
        assert.equal(body, `process-web ${version} from ${d[i]?.ID} on port ${port}\n`);
        assert.equal(await (await fetch(`http://127.0.0.1:${port}/healthz`)).text(), 'ok\n');
      }
      for (const id of ids) await plugin.destroy({ Instance: id, Context: { Reason: 'terminate' } });
      const log = readFileSync(`${home}/process/process/logs/${ids[0]}.log`, 'utf8');
      assert.match(log, new RegExp(`process-web ${version} listening on http://127\\.0\\.0\\.1:\\d+\\nSIGTERM: bye`));
    });
  }
});
