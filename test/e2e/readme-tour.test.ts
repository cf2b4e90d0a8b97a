/**
 * The README's five-minute tour, run command by command as a new user would paste it, so it never
 * rots. Commands come from the ```sh blocks of the "A five-minute tour" section: `npx infrakit-ts up`
 * and `npx infrakit-ts watch` run in the background, everything else must exit 0, and a command
 * followed by a `# {...}` comment must print exactly that.
 */
import { strict as assert } from 'node:assert';
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { cliEnv, removeHome, runCli, tempHome, UpProcess, waitFor } from '../helpers/cli.js';

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

describe('e2e: the README tour', function () {
  this.timeout(240_000);
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
    for (const step of steps) {
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
        up = new UpProcess(home);
        await up.ready();
        continue;
      }
      if (step.command.startsWith('npx infrakit-ts watch')) {
        watch = spawn('bash', ['-c', `exec ${step.command}`], {
          cwd: ROOT,
          env: cliEnv(home),
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
        // The tour promises a replacement within the poll interval: wait for it.
        await waitFor(
          'the group to heal',
          async () => /5\/5 instances, converged/.test((await runCli(home, ['group', 'describe', 'workers'])).stdout),
          30_000,
          250,
        );
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
