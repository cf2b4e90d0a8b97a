/**
 * `up --config` entries with `exec` (external plugins) and `plugin start --exec`: what they become,
 * and every mistake refused with the entry and the field named.
 */
import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { externalFromWord, readUpFile } from '../../cli/up-config.js';
import { UsageError } from '../../cli/output.js';

describe('cli: external plugins in up config files', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'ik-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));
  const write = (text: string): string => {
    const f = join(dir, 'up.yml');
    writeFileSync(f, text);
    return f;
  };

  it('an entry with exec is an external plugin; the others stay actors', async () => {
    const cfg = await readUpFile(
      write(
        [
          'actors:',
          '  - { name: group, plugin: group }',
          '  - name: aws',
          '    exec: [infrakit-instance-aws, --name, aws]',
          '    sockets: [aws, aws-spot]',
          '    env: { AWS_REGION: eu-west-1, RETRIES: 3 }',
          '    cwd: plugins',
          '    restart: { initialDelay: 100ms, maxDelay: 10s, maxRestarts: 3, within: 1m }',
          '    startTimeout: 1m',
          '    probeInterval: 2s',
          '    probeTimeout: 500',
          '    probeFailures: 4',
          '    stopTimeout: 3s',
          '',
        ].join('\n'),
      ),
    );
    assert.deepEqual(
      cfg.actors.map((a) => a.name),
      ['group'],
    );
    assert.deepEqual(cfg.externals, [
      {
        name: 'aws',
        exec: ['infrakit-instance-aws', '--name', 'aws'],
        sockets: ['aws', 'aws-spot'],
        env: { AWS_REGION: 'eu-west-1', RETRIES: '3' },
        cwd: join(dir, 'plugins'),
        restart: { initialDelayMs: 100, maxDelayMs: 10_000, maxRestarts: 3, withinMs: 60_000 },
        startTimeoutMs: 60_000,
        probeIntervalMs: 2000,
        probeTimeoutMs: 500,
        probeFailures: 4,
        stopTimeoutMs: 3000,
      },
    ]);
  });

  it('runs it in the config file’s directory by default', async () => {
    const { externals } = await readUpFile(write('actors:\n  - { name: py, exec: [python3, plugin.py] }\n'));
    assert.deepEqual(externals, [{ name: 'py', exec: ['python3', 'plugin.py'], cwd: dir }]);
  });

  it('refuses mistakes with the entry and field named', async () => {
    const cases: [string, RegExp][] = [
      ['actors:\n  - { name: py, exec: python3 plugin.py }\n', /actors\[0\]\.exec must be a list: \[program, arg, \.\.\.\]/],
      ['actors:\n  - { name: py, exec: [] }\n', /actors\[0\]\.exec must be a non-empty list/],
      ['actors:\n  - { exec: [x] }\n', /actors\[0\]\.name must be a plugin name/],
      ['actors:\n  - { name: py, exec: [x], sockets: ["a/b"] }\n', /'a\/b' is not a socket name/],
      ['actors:\n  - { name: py, exec: [x], probeIntervall: 1s }\n', /actors\[0\]\.probeIntervall is not a setting of an external plugin/],
      ['actors:\n  - { name: py, exec: [x], probeInterval: soon }\n', /probeInterval must be a duration/],
      ['actors:\n  - { name: py, exec: [x], restart: { retries: 3 } }\n', /restart\.retries is not a restart setting/],
      ['actors:\n  - { name: py, exec: [x], probeFailures: 0 }\n', /probeFailures must be a whole number from 1 to 1000/],
      ['actors:\n  - { name: py, exec: [x], env: { A: [1] } }\n', /env\.A must be a string/],
      ['actors:\n  - { name: group, plugin: group }\n  - { name: py, exec: [x], sockets: [group] }\n', /the name 'group' is used twice/],
      [`actors:\n  - { name: py, exec: [${Array.from({ length: 257 }, () => 'x').join(', ')}] }\n`, /257 words, over the limit of 256/],
    ];
    for (const [text, re] of cases)
      await assert.rejects(readUpFile(write(text)), (e: unknown) => e instanceof UsageError && re.test(e.message), text);
  });

  it('plugin start --exec name=command, split at spaces', () => {
    assert.deepEqual(externalFromWord('aws=infrakit-instance-aws  --name aws'), {
      name: 'aws',
      exec: ['infrakit-instance-aws', '--name', 'aws'],
    });
    assert.throws(() => externalFromWord('infrakit-instance-aws'), /expected name=command/);
    assert.throws(() => externalFromWord('aws='), /expected name=command/);
    assert.throws(() => externalFromWord('a/b=x'), /expected name=command/);
  });
});
