/**
 * Bench helper (not a bench): `infrakit-ts up` with the default actors in a child process with a
 * temp INFRAKIT_HOME, so its RSS is measured alone; its RSS from /proc; a handshake latency probe.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { Agent } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { tryRequest } from '../sockets/http-post.js';

const CLI = fileURLToPath(new URL('../cli/main.js', import.meta.url));

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export class UpChild {
  private constructor(
    readonly proc: ChildProcess,
    readonly home: string,
  ) {}

  static async start(): Promise<UpChild> {
    const home = mkdtempSync(join(tmpdir(), 'ikb-'));
    const env: NodeJS.ProcessEnv = { ...process.env, INFRAKIT_HOME: home };
    delete env['INFRAKIT_PLUGINS_DIR'];
    const proc = spawn(process.execPath, [CLI, 'up', '--log', '1'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    const child = new UpChild(proc, home);
    let out = '';
    let err = '';
    proc.stdout?.setEncoding('utf8').on('data', (d: string) => (out = (out + d).slice(-4000)));
    proc.stderr?.setEncoding('utf8').on('data', (d: string) => (err = (err + d).slice(-4000)));
    const deadline = Date.now() + 60_000;
    while (!/is up/.test(out)) {
      if (!child.alive() || Date.now() > deadline) {
        await child.stop();
        throw new Error(`infrakit-ts up did not start (exit ${String(proc.exitCode)}): ${err}`);
      }
      await sleep(100);
    }
    return child;
  }

  socket(name: string): string {
    return join(this.home, 'plugins', name);
  }

  alive(): boolean {
    return this.proc.exitCode === null && this.proc.signalCode === null;
  }

  /** RSS and peak RSS (VmHWM) of the child in MiB (threads included: one process). */
  memory(): { rss: number; peak: number } {
    const s = readFileSync(`/proc/${this.proc.pid ?? 0}/status`, 'utf8');
    const kb = (k: string): number => Number(new RegExp(`^${k}:\\s+(\\d+)`, 'm').exec(s)?.[1] ?? NaN);
    return { rss: kb('VmRSS') / 1024, peak: kb('VmHWM') / 1024 };
  }

  /** The median of `n` RSS samples `everyMs` apart: one figure for a settled process. */
  async settledRss(n = 5, everyMs = 200): Promise<number> {
    const xs: number[] = [];
    for (let i = 0; i < n; i++) {
      xs.push(this.memory().rss);
      if (i < n - 1) await sleep(everyMs);
    }
    return xs.sort((a, b) => a - b)[Math.floor(n / 2)] ?? NaN;
  }

  /** Ctrl-C, SIGKILL after 15 s; the home is removed. */
  async stop(): Promise<void> {
    if (this.alive()) {
      const exited = once(this.proc, 'exit');
      this.proc.kill('SIGINT');
      const t = setTimeout(() => this.proc.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(t);
    }
    rmSync(this.home, { recursive: true, force: true });
  }
}

/** POSTs a body to a unix socket; resolves with the status (or why there was none) and the time taken. Never rejects. */
export function post(socketPath: string, body: string | Buffer, agent: Agent | false, timeoutMs = 30_000): ReturnType<typeof tryRequest> {
  return tryRequest(socketPath, body, { agent, timeoutMs });
}

/** Sequential `Plugin.Implements` calls on one socket until stopped; latencies in ms. */
export class HandshakeProbe {
  readonly latencies: number[] = [];
  failures = 0;
  #stop = false;
  #loop: Promise<void> | undefined;
  readonly #agent = new Agent({ keepAlive: true, maxSockets: 1 });

  constructor(
    readonly socketPath: string,
    readonly gapMs = 5,
  ) {}

  start(): this {
    this.#loop = (async () => {
      for (let id = 1; !this.#stop; id++) {
        const r = await post(this.socketPath, `{"jsonrpc":"2.0","method":"Plugin.Implements","params":{},"id":${id}}`, this.#agent, 30_000);
        this.latencies.push(r.ms);
        if (r.status !== 200) this.failures++;
        await sleep(this.gapMs);
      }
    })();
    return this;
  }

  async stop(): Promise<void> {
    this.#stop = true;
    await this.#loop;
    this.#agent.destroy();
  }

  pct(p: number): number {
    const s = [...this.latencies].sort((a, b) => a - b);
    return s[Math.min(s.length - 1, Math.floor(s.length * p))] ?? NaN;
  }

  get worst(): number {
    return this.latencies.reduce((a, b) => Math.max(a, b), 0);
  }
}
