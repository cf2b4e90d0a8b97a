/**
 * Drives the real `infrakit-ts` command as a user would: a spawned process, real sockets, and a
 * temporary INFRAKIT_HOME that is removed afterwards.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { httpRequest, type HttpAnswer } from '../../sockets/http-post.js';
import { waitFor } from './wait.js';

export { waitFor };

export const CLI = fileURLToPath(new URL('../../cli/main.js', import.meta.url));

/** A fresh INFRAKIT_HOME in the temp dir, short enough for unix socket paths. */
export function tempHome(): string {
  return mkdtempSync(join(tmpdir(), 'ik-'));
}

export function cliEnv(home: string, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, INFRAKIT_HOME: home, ...extra };
  delete env['INFRAKIT_PLUGINS_DIR'];
  return env;
}

export interface CliResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs one CLI command to completion. */
export function runCli(
  home: string,
  args: readonly string[],
  opts: { input?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {},
): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [CLI, ...args], { env: cliEnv(home, opts.env), stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    p.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    p.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const t = setTimeout(() => p.kill('SIGKILL'), opts.timeoutMs ?? 60_000);
    p.on('error', reject);
    p.on('close', (code) => {
      clearTimeout(t);
      resolve({ code, stdout, stderr });
    });
    p.stdin.end(opts.input ?? '');
  });
}

/** A running `infrakit-ts up`. */
export class UpProcess {
  readonly proc: ChildProcess;
  stdout = '';
  stderr = '';
  readonly exited: Promise<number | null>;
  /** The signal that ended the process, if one did. */
  exitSignal: NodeJS.Signals | null = null;

  constructor(
    readonly home: string,
    args: readonly string[] = [],
    env: NodeJS.ProcessEnv = {},
  ) {
    this.proc = spawn(process.execPath, [CLI, 'up', ...args], { env: cliEnv(home, env), stdio: ['ignore', 'pipe', 'pipe'] });
    this.proc.stdout?.setEncoding('utf8').on('data', (d: string) => (this.stdout += d));
    this.proc.stderr?.setEncoding('utf8').on('data', (d: string) => (this.stderr += d));
    this.exited = new Promise((r) =>
      this.proc.on('exit', (code, signal) => {
        this.exitSignal = signal;
        r(code);
      }),
    );
  }

  get pluginsDir(): string {
    return join(this.home, 'plugins');
  }

  /** Resolves once `up` says it is up (every socket is bound by then). Generous: the machine may be busy. */
  async ready(timeoutMs = 60_000): Promise<void> {
    await waitFor(
      'infrakit-ts up to start',
      () => {
        if (this.proc.exitCode !== null) throw new Error(`up exited with ${this.proc.exitCode}: ${this.stderr}`);
        return /is up/.test(this.stdout) || this.stdout.trimStart().startsWith('{');
      },
      timeoutMs,
    );
  }

  socket(name: string): string {
    return join(this.pluginsDir, name);
  }

  hasSocket(name: string): boolean {
    return existsSync(this.socket(name));
  }

  /** How the process ended, for an assertion's message: its signal and the end of its stderr. */
  exitReport(): string {
    return `signal ${this.exitSignal ?? 'none'}; stderr ends:\n${this.stderr.slice(-2000)}`;
  }

  /** Ctrl-C, then wait for the exit (SIGKILL after `timeoutMs`: a hang guard, not a speed bound). */

  async interrupt(timeoutMs = 60_000): Promise<number | null> {
    if (this.proc.exitCode !== null) return this.proc.exitCode;
    this.proc.kill('SIGINT');
    const t = setTimeout(() => this.proc.kill('SIGKILL'), timeoutMs);
    const code = await this.exited;
    clearTimeout(t);
    return code;
  }
}

export function removeHome(home: string): void {
  rmSync(home, { recursive: true, force: true });
}

/** POST a JSON-RPC body to a unix socket, as curl --unix-socket does. */
export function postSocket(socketPath: string, body: string): Promise<HttpAnswer> {
  return httpRequest(socketPath, body, { timeoutMs: 60_000 });
}
