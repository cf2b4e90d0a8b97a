/**
 * The README's five-minute tour, run command by command as a new user would paste it, so it never
 * rots. Commands come from the ```sh blocks of the "A five-minute tour" section: `npx infrakit-ts up`
 * and `npx infrakit-ts watch` run in the background, everything else must exit 0, and a command
 * followed by a `# {...}` comment must print exactly that. The first `npx infrakit-ts` runs the real
 * npx; later ones a shim on PATH that runs the same bin with node (npx alone costs a second of CPU).
 */
import { strict as assert } from 'node:assert';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { RemoteClient } from '../../sockets/remote-client.js';
import { CLI, cliEnv, removeHome, runCli, tempHome, UpProcess, waitFor } from '../helpers/cli.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

interface TourStep {
  readonly command: string;
  /** The `# …` comment lines right after it: its expected output. */
  readonly expect: string | undefined;
}

/** The tour's commands, backslash continuations joined, `export` lines and blank lines dropped. */
export function tourSteps(readme: string): TourStep[] {
  const section = readme.split(/^## /m).find((s) => s.startsWith('A five-minute tour'));
  if (!section) throw new Error('README has no "A five-minute tour" section');
  const steps: { command: string; expect: string[] }[] = [];
  for (const block of section.matchAll(/```sh\n([\s\S]*?)```/g)) {
    const lines = (block[1] ?? '').replace(/\\\n\s*/g, '').split('\n');
    for (const raw of lines) {
      const line = raw.trim();
      if (line === '' || line.startsWith('export ')) continue;
      if (line.startsWith('#')) {
        steps.at(-1)?.expect.push(line.replace(/^#\s?/, ''));
        continue;
      }
      steps.push({ command: line.replace(/\s+#.*$/, ''), expect: [] });
    }
  }
  return steps.map((s) => ({ command: s.command, expect: s.expect.length > 0 ? s.expect.join('\n') : undefined }));
}

function sh(home: string, command: string, vars: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const p = spawn('bash', ['-c', command], { cwd: ROOT, env: cliEnv(home, vars), stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    p.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    p.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    p.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/**
 * A dir holding an `npx` that runs `npx infrakit-ts …` as `node <the built CLI> …` (what npx resolves
 * it to in this package) and hands anything else to the real npx.
 */
function npxShim(dir: string): string {
  const real = spawnSync('sh', ['-c', 'command -v npx'], { encoding: 'utf8' }).stdout.trim();
  const bin = join(dir, 'bin');
  mkdirSync(bin);
  const q = (s: string): string => `'${s.replace(/'/g, "'\\''")}'`;
  writeFileSync(
    join(bin, 'npx'),
    `#!/bin/sh\nif [ "$1" = infrakit-ts ]; then shift; exec ${q(process.execPath)} ${q(CLI)} "$@"; fi\nexec ${q(real)} "$@"\n`,
    { mode: 0o755 },
  );
  return bin;
}

describe('e2e: the README tour', function () {
  this.timeout(300_000);
  let home: string;
  let up: UpProcess | undefined;
  let watch: ChildProcess | undefined;

  beforeEach(() => {
    home = tempHome();
  });
  afterEach(async () => {
    // `npx` runs watch as a child of its own: end the whole process group, or the child lives on
    // (and its pipes keep this test process alive).
    if (watch?.pid !== undefined && watch.exitCode === null) {
      const exited = new Promise((r) => watch?.once('exit', r));
      process.kill(-watch.pid, 'SIGINT');
      await exited;
    }
    watch = undefined;
    await up?.interrupt();
    removeHome(home);
  });

  it('parses into the commands a user pastes', () => {
    const steps = tourSteps(readFileSync(`${ROOT}README.md`, 'utf8'));
    assert.ok(steps.some((s) => s.command === 'npx infrakit-ts up'));
    assert.ok(steps.some((s) => s.command.startsWith('curl ') && s.expect?.startsWith('{"jsonrpc"')));
    assert.ok(steps.some((s) => s.command.includes('group commit') && s.command.includes('--wait')));
  });

  it('runs every command of the tour', async () => {
    const steps = tourSteps(readFileSync(`${ROOT}README.md`, 'utf8'));
    let watched = '';
    let healed = false;
    /** Shell variables the tour sets (`ID=$(…)`), evaluated once and passed to the later commands. */
    const vars: Record<string, string> = {};
    const shimmed = `${npxShim(home)}${delimiter}${process.env['PATH'] ?? ''}`;
    let npxRan = false;
    for (const step of steps) {
      // The first npx command proves `npx infrakit-ts` resolves in this package; the rest take the shim.
      if (npxRan) vars['PATH'] = shimmed;
      npxRan ||= step.command.includes('npx infrakit-ts') && step.command !== 'npx infrakit-ts up';
      const assignment = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(step.command);
      if (assignment) {
        const [, name = '', value = ''] = assignment;
        const r = await sh(home, `${name}=${value}; printf %s "$${name}"`, vars);
        assert.equal(r.code, 0, `'${step.command}' failed: ${r.stderr}`);
        assert.notEqual(r.stdout, '', `'${step.command}' set ${name} to nothing`);
        vars[name] = r.stdout;
        continue;
      }
      if (step.command === 'npx infrakit-ts up') {
        // The tour says healing waits for the next poll (10 s by default); 1 s here, the same path.
        up = new UpProcess(home, [], { INFRAKIT_GROUP_POLL_INTERVAL: '1s' });
        await up.ready();
        continue;
      }
      if (step.command.startsWith('npx infrakit-ts watch')) {
        watch = spawn('bash', ['-c', `exec ${step.command}`], {
          cwd: ROOT,
          env: cliEnv(home, vars),
          stdio: ['ignore', 'pipe', 'pipe'],
          detached: true,
        });
        watch.stdout?.setEncoding('utf8').on('data', (d: string) => (watched += d));
        await waitFor('watch to print the group', () => /workers converged/.test(watched), 20_000);
        continue;
      }
      const r = await sh(home, step.command, vars);
      assert.equal(r.code, 0, `'${step.command}' failed (${r.code}):\n${r.stdout}\n${r.stderr}`);
      if (step.expect !== undefined) assert.equal(r.stdout.trim(), step.expect, `'${step.command}' printed something else`);
      if (step.command.includes('instance destroy')) {
        // The tour promises a replacement within the poll interval: wait for it (on the socket, a
        // process per look is costly), then see it the way the tour does.
        const group = new RemoteClient(join(home, 'plugins', 'group'), { timeoutMs: 15_000 });
        try {
          await waitFor(
            'the group to heal',
            async () => {
              const d = (await group.call('Group.DescribeGroup', { ID: 'workers' })) as {
                Description: { Converged: boolean; Instances: unknown[] };
              };
              return d.Description.Converged && d.Description.Instances.length === 5;
            },
            30_000,
            100,
          );
        } finally {
          group.close();
        }
        assert.match((await runCli(home, ['group', 'describe', 'workers'])).stdout, /5\/5 instances, converged/);
        healed = true;
      }
    }
    assert.ok(healed, 'the tour destroys an instance and sees it healed');
    assert.match(watched, /\+ workers added/, 'watch showed instances being added');
    assert.match(watched, /- workers removed/, 'watch showed instances being removed');
    const ls = await runCli(home, ['group', 'ls']);
    assert.match(ls.stdout, /No groups/);
  });
});
