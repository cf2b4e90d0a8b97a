/**
 * The soak: the six default actors behind their sockets, a 10-instance group converging, and 32
 * keep-alive connections sending one request after another across the actors (DescribeGroup,
 * InspectGroups, DescribeInstances, Provision then Destroy, Prepare, Plugin.Implements). Every answer
 * must be HTTP 200 with a `result`; RSS growth is measured from the end of the warm-up. Used by
 * `npm run soak` (soak-main.ts) and a short CI run (soak.test.ts).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { Agent } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { httpRequest, type HttpAnswer } from '../../sockets/http-post.js';
import { Runtime } from '../../runtime/index.js';
import { serveRuntime } from '../../sockets/index.js';

export interface SoakOptions {
  readonly seconds: number;
  readonly connections?: number;
  readonly sampleMs?: number;
  /** Fraction of the run before RSS growth is measured; default 0.2 (at least 2 s). */
  readonly warmupFraction?: number;
  /** Print a line per sample to stderr. */
  readonly progress?: boolean;
}

export interface OpStats {
  count: number;
  errors: number;
  totalMs: number;
  maxMs: number;
}

export interface SoakResult {
  readonly seconds: number;
  readonly connections: number;
  readonly requests: number;
  readonly errors: number;
  readonly firstErrors: string[];
  readonly ops: Map<string, OpStats>;
  readonly rss: { readonly atMs: number; readonly rss: number; readonly heapUsed: number }[];
  readonly rssAfterWarmup: number;
  readonly rssEnd: number;
  readonly rssPeak: number;
  /**
   * Leak estimate, robust to GC's sawtooth: the lowest RSS sample of the last third of the run after
   * warm-up minus the lowest of the first third. A leak raises the troughs; garbage only the peaks.
   */
  readonly rssTroughGrowth: number;
}

const ACTORS = ['group', 'simulator', 'file', 'process', 'vanilla', 'combo'] as const;

function post(agent: Agent, socketPath: string, method: string, params: unknown): Promise<HttpAnswer> {
  return httpRequest(socketPath, JSON.stringify({ jsonrpc: '2.0', method, params, id: 1 }), { agent, timeoutMs: 30_000 });
}

/** The result of a successful answer, or an error naming what went wrong. */
function resultOf(what: string, res: { status: number; body: string }): Record<string, unknown> {
  if (res.status !== 200) throw new Error(`${what}: HTTP ${res.status} ${res.body.slice(0, 200)}`);
  const r = JSON.parse(res.body) as { result?: Record<string, unknown>; error?: unknown };
  if (r.result === undefined) throw new Error(`${what}: ${JSON.stringify(r.error)}`);
  return r.result;
}

export async function runSoak(opts: SoakOptions): Promise<SoakResult> {
  const connections = opts.connections ?? 32;
  const sampleMs = opts.sampleMs ?? 2000;
  const home = mkdtempSync(join(tmpdir(), 'iks-'));
  const rt = await Runtime.start({
    home,
    logLevel: 'silent',
    actors: ACTORS.map((name) => ({ name, module: name, ...(name === 'group' ? { options: { pollIntervalMs: 1000 } } : {}) })),
  });
  const fe = await serveRuntime(rt, { pluginsDir: join(home, 'plugins') });
  const sock = (name: string): string => join(home, 'plugins', name);
  const ops = new Map<string, OpStats>();
  const firstErrors: string[] = [];
  let errors = 0;
  let requests = 0;
  const rss: SoakResult['rss'] = [];
  const t0 = performance.now();
  const end = t0 + opts.seconds * 1000;
  try {
    const setup = new Agent({ keepAlive: true });
    resultOf(
      'commit',
      await post(setup, sock('group'), 'Group.CommitGroup', {
        Spec: {
          ID: 'soak',
          Properties: {
            Allocation: { Size: 10 },
            Instance: { Plugin: 'simulator/compute', Properties: { note: 'soak' } },
            Flavor: { Plugin: 'vanilla', Properties: { Init: ['echo soak'], Tags: { tier: 'soak' } } },
          },
        },
      }),
    );
    setup.destroy();

    type Op = (agent: Agent, conn: number) => Promise<void>;
    const table: [string, Op][] = [
      ['describe-group', async (a) => void resultOf('DescribeGroup', await post(a, sock('group'), 'Group.DescribeGroup', { ID: 'soak' }))],
      ['inspect-groups', async (a) => void resultOf('InspectGroups', await post(a, sock('group'), 'Group.InspectGroups', {}))],
      [
        'describe-instances',
        async (a) =>
          void resultOf(
            'DescribeInstances',
            await post(a, sock('simulator'), 'Instance.DescribeInstances', { Type: 'compute', Tags: { 'infrakit.group': 'soak' } }),
          ),
      ],
      [
        'provision+destroy',
        async (a, conn) => {
          const r = resultOf(
            'Provision',
            await post(a, sock('simulator'), 'Instance.Provision', {
              Type: 'disk',
              Spec: { Properties: { conn }, Tags: { soak: String(conn) } },
            }),
          );
          resultOf('Destroy', await post(a, sock('simulator'), 'Instance.Destroy', { Type: 'disk', Instance: r['ID'] }));
        },
      ],
      [
        'prepare',
        async (a, conn) =>
          void resultOf(
            'Prepare',
            await post(a, sock('vanilla'), 'Flavor.Prepare', {
              Type: '',
              Properties: { Init: ['echo hello'], Tags: { tier: 'web' } },
              Spec: { Properties: {}, Tags: null, Init: '', LogicalID: null, Attachments: null },
              Allocation: { Size: 3, LogicalIDs: null },
              Index: { Group: 'soak', Sequence: conn },
            }),
          ),
      ],
      [
        'implements',
        async (a, conn) =>
          void resultOf('Implements', await post(a, sock(ACTORS[conn % ACTORS.length] as string), 'Plugin.Implements', {})),
      ],
    ];
    for (const [name] of table) ops.set(name, { count: 0, errors: 0, totalMs: 0, maxMs: 0 });

    const sampler = setInterval(() => {
      const m = process.memoryUsage();
      rss.push({ atMs: performance.now() - t0, rss: m.rss, heapUsed: m.heapUsed });
      if (opts.progress)
        process.stderr.write(
          `${((performance.now() - t0) / 1000).toFixed(0)} s: ${requests} requests, ${errors} errors, RSS ${(m.rss / 2 ** 20).toFixed(1)} MiB\n`,
        );
    }, sampleMs);
    await Promise.all(
      Array.from({ length: connections }, async (_, conn) => {
        const agent = new Agent({ keepAlive: true, maxSockets: 1 });
        let k = conn;
        while (performance.now() < end) {
          const [name, op] = table[k++ % table.length] as [string, Op];
          const s = ops.get(name) as OpStats;
          const started = performance.now();
          try {
            await op(agent, conn);
          } catch (err) {
            s.errors++;
            errors++;
            if (firstErrors.length < 10) firstErrors.push(`${name}: ${(err as Error).message}`);
          }
          const ms = performance.now() - started;
          s.count++;
          s.totalMs += ms;
          if (ms > s.maxMs) s.maxMs = ms;
          requests++;
        }
        agent.destroy();
      }),
    );
    clearInterval(sampler);
    const m = process.memoryUsage();
    rss.push({ atMs: performance.now() - t0, rss: m.rss, heapUsed: m.heapUsed });
  } finally {
    await fe.close();
    await rt.stop({ timeoutMs: 2000 });
    rmSync(home, { recursive: true, force: true });
  }
  const warmupMs = Math.max(2000, opts.seconds * 1000 * (opts.warmupFraction ?? 0.2));
  const afterWarmup = rss.find((s) => s.atMs >= warmupMs) ?? rss[0];
  const measured = rss.filter((s) => s.atMs >= warmupMs).map((s) => s.rss);
  const third = Math.max(1, Math.floor(measured.length / 3));
  const trough = (xs: number[]): number => (xs.length === 0 ? 0 : Math.min(...xs));
  return {
    seconds: (performance.now() - t0) / 1000,
    connections,
    requests,
    errors,
    firstErrors,
    ops,
    rss,
    rssAfterWarmup: afterWarmup?.rss ?? 0,
    rssEnd: rss.at(-1)?.rss ?? 0,
    rssPeak: Math.max(0, ...rss.map((s) => s.rss)),
    rssTroughGrowth: trough(measured.slice(-third)) - trough(measured.slice(0, third)),
  };
}

/** The result as a table for people. */
export function formatSoak(r: SoakResult): string {
  const mb = (n: number): string => `${(n / 2 ** 20).toFixed(1)} MiB`;
  const lines = [
    `soak: ${r.seconds.toFixed(1)} s, ${r.connections} keep-alive connections, ${r.requests} requests (${(r.requests / r.seconds).toFixed(0)}/s), ${r.errors} errors`,
    '',
    `${'op'.padEnd(20)} ${'requests'.padStart(9)} ${'errors'.padStart(7)} ${'req/s'.padStart(8)} ${'mean ms'.padStart(8)} ${'max ms'.padStart(8)}`,
  ];
  for (const [name, s] of r.ops) {
    lines.push(
      `${name.padEnd(20)} ${String(s.count).padStart(9)} ${String(s.errors).padStart(7)} ${(s.count / r.seconds).toFixed(0).padStart(8)} ${(s.totalMs / Math.max(1, s.count)).toFixed(2).padStart(8)} ${s.maxMs.toFixed(1).padStart(8)}`,
    );
  }
  lines.push(
    '',
    `RSS after warm-up ${mb(r.rssAfterWarmup)}, end ${mb(r.rssEnd)}, peak ${mb(r.rssPeak)}: growth ${mb(r.rssEnd - r.rssAfterWarmup)}; trough growth (leak estimate) ${mb(r.rssTroughGrowth)}`,
  );
  lines.push(`RSS samples (MiB): ${r.rss.map((s) => (s.rss / 2 ** 20).toFixed(0)).join(' ')}`);
  for (const e of r.firstErrors) lines.push(`error: ${e}`);
  return lines.join('\n');
}
