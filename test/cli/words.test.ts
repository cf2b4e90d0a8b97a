/**
 * What the CLI says, without a runtime: plugin texts made plain, counts, the spec checks made before
 * a commit, exit codes, and the watch's lines for heals and resizes.
 */
import { strict as assert } from 'node:assert';
import { count, countOf, plainMessage } from '../../cli/words.js';
import { checkGroupProperties } from '../../cli/spec-check.js';
import { explain } from '../../cli/program.js';
import { UsageError } from '../../cli/output.js';
import { diffDescriptions, eventAction, formatChange, type LostInstances } from '../../cli/commands/watch.js';
import { ApplicationError } from '../../runtime/errors.js';
import type { GroupDescription } from '../../actors/spi/index.js';

const NOT_FOUND = "group 'web' not found (infrakit-ts group ls lists the groups)";

describe('cli: words', () => {
  it('one wording for a missing group, whichever text the plugin answered', () => {
    for (const text of ["Group 'web' is not being watched", 'group web not found', 'group not found web']) {
      assert.equal(plainMessage(text), NOT_FOUND, text);
    }
    assert.equal(explain(new ApplicationError("Group 'web' is not being watched")).message, `error: ${NOT_FOUND}`);
    assert.equal(explain(new ApplicationError('group web not found')).code, 1);
  });

  it("Go's unmarshal texts as the field and what it must be", () => {
    const cases: [string, string][] = [
      [
        'Invalid properties: json: cannot unmarshal number into Go struct field AllocationMethod.Allocation.Size of type uint',
        'Allocation.Size must be a whole number ≥ 0, got a number (negative or fractional)',
      ],
      [
        'Invalid properties: json: cannot unmarshal string into Go struct field AllocationMethod.Allocation.Size of type uint',
        'Allocation.Size must be a whole number ≥ 0, got a string',
      ],
      [
        'Invalid properties: json: cannot unmarshal string into Go struct field AllocationMethod.Allocation.LogicalIDs of type []instance.LogicalID',
        'Allocation.LogicalIDs must be a list, got a string',
      ],
      [
        'Invalid properties: json: cannot unmarshal number into Go struct field Spec.Instance.Plugin of type plugin.Name',
        'Instance.Plugin must be a string, got a number',
      ],
      [
        'Invalid properties: json: cannot unmarshal array into Go struct field Updating.Count of type uint',
        'Updating.Count must be a whole number ≥ 0, got an array',
      ],
      ['json: cannot unmarshal object into Go value of type []string', 'the value must be a list, got an object'],
    ];
    for (const [go, plain] of cases) assert.equal(plainMessage(go), plain);
    assert.equal(
      plainMessage('Allocation.Size is 1000000000, over the limit of 100000'),
      'Allocation.Size is 1000000000, over the limit of 100000',
      'other texts pass as they are',
    );
  });

  it('counts: one of a thing, or many', () => {
    assert.equal(count(1, 'plugin'), '1 plugin');
    assert.equal(count(2, 'plugin'), '2 plugins');
    assert.equal(count(0, 'instance'), '0 instances');
    assert.equal(countOf(1, 1, 'instance'), '1/1 instance');
    assert.equal(countOf(0, 5, 'instance'), '0/5 instances');
    assert.equal(countOf(1, undefined, 'instance'), '1 instance');
  });

  it('usage mistakes exit 2, failures 1', () => {
    assert.deepEqual(explain(new UsageError('bad')), { message: 'error: bad', code: 2 });
    assert.equal(explain(new Error('boom')).code, 1);
  });
});

describe('cli: group spec checks before a commit', () => {
  const props = (allocation: unknown, extra: Record<string, unknown> = {}) => ({
    Allocation: allocation,
    Instance: { Plugin: 'simulator/compute', Properties: {} },
    Flavor: { Plugin: 'vanilla', Properties: {} },
    ...extra,
  });
  const refused = (p: Record<string, unknown>, message: string) =>
    assert.throws(
      () => checkGroupProperties(p, 'web.yml'),
      (e: unknown) => e instanceof UsageError && e.message === `web.yml: ${message}`,
    );

  it('names the file, the field and the value', () => {
    refused(props({ Size: -1 }), 'Allocation.Size must be a whole number ≥ 0, got -1');
    refused(props({ Size: 1.5 }), 'Allocation.Size must be a whole number ≥ 0, got 1.5');
    refused(props({ size: 'three' }), 'Allocation.Size must be a whole number ≥ 0, got "three"');
    refused(props({ LogicalIDs: ['a', 1] }), 'Allocation.LogicalIDs must be a list of strings, got ["a",1]');
    refused(props(5), 'Allocation must be an object, got 5');
    refused(props({ Size: 1 }, { Instance: { Plugin: 7 } }), 'Instance.Plugin must be a string, got 7');
    refused(props({ Size: 1 }, { Updating: { MaxSurge: -2 } }), 'Updating.MaxSurge must be a whole number ≥ 0, got -2');
  });

  it('leaves limits, blanks and the rules between fields to the plugin', () => {
    checkGroupProperties(props({ Size: 1e9 }), 'f');
    checkGroupProperties(props({ LogicalIDs: ['a', 'a'] }), 'f');
    checkGroupProperties(props(null), 'f');
    checkGroupProperties(props({ Size: 2, LogicalIDs: ['a'] }), 'f');
  });
});

describe('cli: watch lines for heals and resizes', () => {
  const inst = (id: string, lid?: string) => ({ ID: id, LogicalID: lid ?? null, Tags: { 'infrakit.config.hash': 'abcdefgh12' } });
  const desc = (ids: string[], size: number, converged: boolean, hash = 'abcdefgh12'): GroupDescription => ({
    Instances: ids.map((i) => inst(i)),
    Converged: converged,
    Size: size,
    ConfigHash: hash,
  });
  const lines = (changes: ReturnType<typeof diffDescriptions>) =>
    changes.map((c) => formatChange({ ...c, at: '2024-01-01T12:00:00.000Z' }));

  it('an instance lost from a converged group, and its replacement', () => {
    const lost: LostInstances = new Map();
    const start = desc(['a', 'b', 'c'], 3, true);
    const gone = desc(['a', 'b'], 3, false);
    assert.deepEqual(lines(diffDescriptions('web', start, gone, undefined, lost)), [
      '12:00:00 - web removed c (vanished or unhealthy; the group replaces it)',
      '12:00:00 * web converging (2/3 instances)',
    ]);
    assert.deepEqual(lines(diffDescriptions('web', gone, desc(['a', 'b', 'd'], 3, true), undefined, lost)), [
      '12:00:00 + web added d (config abcdefgh, replaces c)',
      '12:00:00 * web converged (3/3 instances)',
    ]);
    assert.equal(lost.size, 0);
  });

  it('both seen in one look', () => {
    assert.deepEqual(lines(diffDescriptions('web', desc(['a', 'b'], 2, true), desc(['a', 'z'], 2, true))), [
      '12:00:00 - web removed b (vanished or unhealthy; the group replaces it)',
      '12:00:00 + web added z (config abcdefgh, replaces b)',
    ]);
  });

  it('a resize is a resized line, and its removals are plain', () => {
    const lost: LostInstances = new Map();
    const five = desc(['a', 'b', 'c', 'd', 'e'], 5, true);
    const three = desc(['a', 'b', 'c', 'd', 'e'], 3, false);
    assert.deepEqual(lines(diffDescriptions('web', five, three, undefined, lost)), [
      '12:00:00 * web resized (5 → 3 instances)',
      '12:00:00 * web converging (5/3 instances)',
    ]);
    assert.deepEqual(lines(diffDescriptions('web', three, desc(['a', 'b', 'c'], 3, true), undefined, lost)), [
      '12:00:00 - web removed d',
      '12:00:00 - web removed e',
      '12:00:00 * web converged (3/3 instances)',
    ]);
    assert.deepEqual(lines(diffDescriptions('web', desc(['a'], 1, true), desc(['a', 'b'], 2, true))), [
      '12:00:00 * web resized (1 → 2 instances)',
      '12:00:00 + web added b (config abcdefgh)',
    ]);
  });

  it('a rolling update removes plainly (not converged, or a new config)', () => {
    assert.deepEqual(lines(diffDescriptions('web', desc(['a', 'b'], 2, true), desc(['a', 'x'], 2, false, 'newhash123'))), [
      '12:00:00 - web removed b',
      '12:00:00 + web added x (config abcdefgh)',
      '12:00:00 * web converging (2/2 instances)',
    ]);
  });

  it('a commit that keeps the config (a resize) is not printed as a commit', () => {
    const e = { actor: 'group', type: 'group:committed', payload: { ID: 'web', Hash: 'abcdefgh12' }, at: '2024-01-01T12:00:00.000Z' };
    assert.deepEqual(eventAction('web', e, 'abcdefgh12'), { refresh: true });
    assert.equal(eventAction('web', e, 'otherhash0')?.print?.type, 'committed');
    assert.equal(eventAction('web', e)?.print?.type, 'committed');
  });
});
