/**
 * A real etcd for tests: 1 member (or 3) in a temp data dir on free loopback ports, from the `etcd`
 * binary on PATH (Debian `etcd-server`). `EtcdHarness.start()`, `kill(i)` / `restart(i)` for outages,
 * `stop()` removes everything. Used by the etcd bench and, through `test/helpers/etcd-harness.ts`
 * (`useEtcd()`), by the cluster tests.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const HOST = '127.0.0.1';

/** Path of the etcd binary, or `undefined` when none is installed. */
export function etcdBinary(): string | undefined {
  const fromEnv = process.env['ETCD_BIN'];
  if (fromEnv) return fromEnv;
  const r = spawnSync('sh', ['-c', 'command -v etcd'], { encoding: 'utf8' });
  const path = r.stdout.trim();
  return r.status === 0 && path !== '' ? path : undefined;
}

/** Whether `port` on loopback can be bound now. */
function canBind(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.unref();
    srv.once('error', () => resolve(false));
    srv.listen(port, HOST, () => srv.close(() => resolve(true)));
  });
}

/**
 * A free TCP port on loopback, drawn at random below Linux's ephemeral range (32768 and up), so an
 * outgoing connection cannot take it between now and etcd's bind, and two suites drawing at once
 * rarely meet; `EtcdHarness.start` retries with new ports if one was taken all the same.
 */
export async function freePort(): Promise<number> {
  for (let tries = 0; tries < 100; tries++) {
    const port = 20_000 + Math.floor(Math.random() * 12_000);
    if (await canBind(port)) return port;
  }
  throw new Error('no free port found between 20000 and 32000 on 127.0.0.1');
}

interface Member {
  readonly name: string;
  readonly clientPort: number;
  readonly peerPort: number;
  readonly dataDir: string;
  proc: ChildProcess | undefined;
  log: string;
}

export interface EtcdHarnessOptions {
  /** 1 (default) or 3. */
  readonly members?: 1 | 3;
  /** How long to wait for health; default 15 s. */
  readonly readyTimeoutMs?: number;
}

export class EtcdHarness {
  private stopped = false;
  /**
   * Outlives nothing: a shell reading a pipe from this process. When this process ends without
   * `stop()` (killed, or mocha stopped midway), the pipe closes and the shell SIGKILLs the members
   * listed in `<root>/pids` and removes the data dirs, so no etcd is left running orphaned.
   */
  private watchdog: ChildProcess | undefined;

  private constructor(
    private readonly bin: string,
    private readonly root: string,
    private readonly members: Member[],
    private readonly readyTimeoutMs: number,
  ) {}

  /** Starts the cluster and waits until every member reports healthy. */
  static async start(options: EtcdHarnessOptions = {}): Promise<EtcdHarness> {
    // A port found free may be bound by someone else before etcd binds it: then start again on new ports.
    for (let attempt = 1; ; attempt++) {
      try {
        return await EtcdHarness.startOnce(options);
      } catch (err) {
        if (attempt >= 5 || !/address already in use/.test((err as Error).message)) throw err;
      }
    }
  }

  private static async startOnce(options: EtcdHarnessOptions): Promise<EtcdHarness> {
    const bin = etcdBinary();
    if (bin === undefined) throw new Error('etcd is not installed (apt-get install etcd-server, or set ETCD_BIN)');
    const count = options.members ?? 1;
    const root = await mkdtemp(join(tmpdir(), 'ikt-etcd-'));
    const members: Member[] = [];
    for (let i = 0; i < count; i++) {
      members.push({
        name: `m${i}`,
        clientPort: await freePort(),
        peerPort: await freePort(),
        dataDir: join(root, `m${i}`),
        proc: undefined,
        log: '',
      });
    }
    const h = new EtcdHarness(bin, root, members, options.readyTimeoutMs ?? 15_000);
    h.watch();
    try {
      for (let i = 0; i < count; i++) h.spawnMember(i, 'new');
      await Promise.all(members.map((_, i) => h.waitHealthy(i)));
    } catch (err) {
      await h.stop();
      throw err;
    }
    return h;
  }

  /** Client URLs of the members, e.g. `['http://127.0.0.1:41234']`. */
  get endpoints(): string[] {
    return this.members.map((m) => `http://${HOST}:${m.clientPort}`);
  }

  /** Client URL of one member. */
  endpoint(i = 0): string {
    return `http://${HOST}:${this.member(i).clientPort}`;
  }

  /** Whether member `i` is running. */
  running(i = 0): boolean {
    const p = this.member(i).proc;
    return p !== undefined && p.exitCode === null && p.signalCode === null;
  }

  /** SIGKILLs member `i` (an outage) and waits until it is gone. Its data dir is kept. */
  async kill(i = 0): Promise<void> {
    const m = this.member(i);
    const p = m.proc;
    m.proc = undefined;
    if (p === undefined || p.exitCode !== null || p.signalCode !== null) return;
    const gone = new Promise<void>((resolve) => p.once('exit', () => resolve()));
    p.kill('SIGKILL');
    await gone;
    if (!this.stopped) this.notePids();
  }

  /** SIGSTOP: the member keeps its sockets open but answers nothing (a cut-off, not a refusal). */
  pause(i = 0): void {
    this.member(i).proc?.kill('SIGSTOP');
  }

  /** SIGCONT after `pause`. */
  resume(i = 0): void {
    this.member(i).proc?.kill('SIGCONT');
  }

  /** Starts member `i` again on its data dir and ports, and waits until it is healthy. */
  async restart(i = 0): Promise<void> {
    if (this.running(i)) return;
    this.spawnMember(i, 'existing');
    await this.waitHealthy(i);
  }

  /** Kills every member and removes the data dirs. Safe to call twice. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.watchdog?.kill('SIGKILL');
    this.watchdog = undefined;
    for (let i = 0; i < this.members.length; i++) {
      this.resume(i);
      await this.kill(i);
    }
    await rm(this.root, { recursive: true, force: true });
  }

  private watch(): void {
    const script = 'cat >/dev/null; kill -9 $(cat "$0/pids" 2>/dev/null) 2>/dev/null; rm -rf "$0"';
    const dog = spawn('sh', ['-c', script, this.root], { stdio: ['pipe', 'ignore', 'ignore'] });
    dog.on('error', () => undefined);
    dog.unref();
    (dog.stdin as unknown as { unref?: () => void } | null)?.unref?.();
    this.watchdog = dog;
  }

  /** Writes the running members' pids for the watchdog. */
  private notePids(): void {
    const pids = this.members.flatMap((m) => (m.proc?.pid !== undefined && this.running(this.members.indexOf(m)) ? [m.proc.pid] : []));
    writeFileSync(join(this.root, 'pids'), pids.join(' '));
  }

  /** The last output of member `i` (for failure messages). */
  log(i = 0): string {
    return this.member(i).log;
  }

  private member(i: number): Member {
    const m = this.members[i];
    if (m === undefined) throw new RangeError(`no etcd member ${i}`);
    return m;
  }

  private spawnMember(i: number, state: 'new' | 'existing'): void {
    const m = this.member(i);
    const cluster = this.members.map((x) => `${x.name}=http://${HOST}:${x.peerPort}`).join(',');
    const args = [
      '--name',
      m.name,
      '--data-dir',
      m.dataDir,
      '--listen-client-urls',
      `http://${HOST}:${m.clientPort}`,
      '--advertise-client-urls',
      `http://${HOST}:${m.clientPort}`,
      '--listen-peer-urls',
      `http://${HOST}:${m.peerPort}`,
      '--initial-advertise-peer-urls',
      `http://${HOST}:${m.peerPort}`,
      '--initial-cluster',
      cluster,
      '--initial-cluster-state',
      state,
      '--initial-cluster-token',
      `ikt-${process.pid}`,
      // Quick elections for failover tests on a loaded CI machine; never below etcd's own checks.
      '--heartbeat-interval',
      '100',
      '--election-timeout',
      '1000',
      '--log-level',
      'warn',
    ];
    const proc = spawn(this.bin, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const keep = (chunk: Buffer): void => {
      m.log = (m.log + chunk.toString('utf8')).slice(-8000);
    };
    proc.stdout?.on('data', keep);
    proc.stderr?.on('data', keep);
    proc.on('error', (err) => keep(Buffer.from(`spawn error: ${err.message}\n`)));
    m.proc = proc;
    this.notePids();
  }

  private async waitHealthy(i: number): Promise<void> {
    const deadline = Date.now() + this.readyTimeoutMs;
    const url = `${this.endpoint(i)}/health`;
    for (;;) {
      const m = this.member(i);
      if (m.proc === undefined || m.proc.exitCode !== null) {
        throw new Error(`etcd member ${m.name} exited while starting:\n${m.log}`);
      }
      try {
        const res = await fetch(url, { signal: AbortSignal.timeout(1000) });
        const body = (await res.json()) as { health?: string };
        if (body.health === 'true') return;
      } catch {
        // not up yet
      }
      if (Date.now() > deadline) throw new Error(`etcd member ${m.name} not healthy after ${this.readyTimeoutMs} ms:\n${m.log}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}
