/**
 * The etcd spec store and leader election (on a real 1-member etcd on loopback), next to baselines:
 * commit latency of `EtcdSpecStore.put` against `FileSpecStore.put` with 10 groups stored; failover
 * (leader SIGKILLed → another leads with the specs loaded) against the lease TTL; handover (the
 * leader resigns) against the follower's poll interval. Skipped (no rows) without `etcd`.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { FileSpecStore } from '../actors/group/file-spec-store.js';
import type { SpecStore, StoredGroup } from '../actors/group/spec-store.js';
import { createEtcdClient } from '../cluster/etcd-client.js';
import { EtcdSpecStore } from '../cluster/etcd-spec-store.js';
import { LeaderElection } from '../cluster/leader-election.js';
import { EtcdHarness, etcdBinary } from './etcd-harness.js';
import type { BenchResult } from './result.js';

const CAMPAIGNER = fileURLToPath(new URL('../test/cluster/fixtures/campaigner.js', import.meta.url));
const TTL = 3;

const record = (id: string, size: number): StoredGroup => ({
  spec: {
    ID: id,
    Properties: {
      Allocation: { Size: size },
      Instance: { Plugin: 'simulator/compute', Properties: { Note: 'bench' } },
      Flavor: { Plugin: 'vanilla', Properties: { Init: ['echo hi'] } },
    },
  },
  previous: null,
  paused: false,
});

function quantile(xs: number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))] ?? NaN;
}

async function commitTimes(store: SpecStore, n: number): Promise<number[]> {
  for (let g = 0; g < 10; g++) await store.put(`g${g}`, record(`g${g}`, 3));
  for (let i = 0; i < 20; i++) await store.put('workers', record('workers', i + 1)); // warm up
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    await store.put('workers', record('workers', (i % 50) + 1));
    out.push(performance.now() - t0);
  }
  return out;
}

/** A campaigner in another process; resolves once it leads. */
async function childLeader(endpoint: string, name: string): Promise<{ kill(): Promise<void> }> {
  const child = spawn(process.execPath, [CAMPAIGNER, endpoint, 'doomed', String(TTL), name], { stdio: ['ignore', 'pipe', 'ignore'] });
  await new Promise<void>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error('bench: the child never led')), 10_000);
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      if (d.includes('"role":"leader"')) {
        clearTimeout(t);
        resolve();
      }
    });
  });
  return {
    kill: async () => {
      const gone = new Promise((r) => child.once('exit', r));
      child.kill('SIGKILL');
      await gone;
    },
  };
}

export async function run(): Promise<BenchResult[]> {
  if (etcdBinary() === undefined) {
    process.stderr.write('bench etcd: skipped, etcd is not installed (apt-get install etcd-server)\n');
    return [];
  }
  const etcd = await EtcdHarness.start();
  const home = await mkdtemp(join(tmpdir(), 'ikt-bench-etcd-'));
  const client = createEtcdClient({ endpoints: etcd.endpoints });
  const results: BenchResult[] = [];
  try {
    // ── commit latency ──
    const N = 300;
    const election = new LeaderElection({
      client,
      endpoints: etcd.endpoints,
      self: { id: 'bench', location: 'bench' },
      name: 'commit',
      ttlSeconds: TTL,
    });
    await election.start();
    await election.waitFor('leader', 5000);
    const etcdStore = new EtcdSpecStore({ client, endpoints: etcd.endpoints, guard: () => election.fence() });
    const fileStore = new FileSpecStore(join(home, 'configs'), 'group');
    const e = await commitTimes(etcdStore, N);
    const f = await commitTimes(fileStore, N);
    await election.stop();
    for (const [q, label] of [
      [0.5, 'p50'],
      [0.99, 'p99'],
    ] as const) {
      const ours = quantile(e, q);
      const base = quantile(f, q);
      results.push({
        measure: `commit latency ${label} (etcd vs file store)`,
        ours,
        baseline: base,
        unit: 'ms',
        ratio: ours / base,
        note: `${N} commits, 11 groups stored; fenced CAS txn vs fsync+rename`,
      });
    }

    // ── failover: SIGKILL the leader → a follower leads with the specs loaded ──
    const failovers: number[] = [];
    for (let i = 0; i < 3; i++) {
      const name = `failover${i}`;
      const child = await childLeader(etcd.endpoint(0), name);
      const follower = new LeaderElection({
        client,
        endpoints: etcd.endpoints,
        self: { id: 'follower', location: 'bench' },
        name,
        ttlSeconds: TTL,
      });
      await follower.start();
      await follower.waitFor('follower', 5000);
      const ready = new Promise<number>((resolve) => {
        follower.once('leader', () => {
          void etcdStore.load().then(() => resolve(performance.now()));
        });
      });
      const t0 = performance.now();
      await child.kill();
      failovers.push((await ready) - t0);
      await follower.stop();
    }
    const fo = quantile(failovers, 0.5);
    results.push({
      measure: 'failover: leader SIGKILLed → new leader, specs loaded',
      ours: fo,
      baseline: TTL * 1000,
      unit: 'ms',
      ratio: fo / (TTL * 1000),
      note: `median of 3; baseline = lease TTL ${TTL} s (the floor)`,
    });

    // ── handover: the leader resigns ──
    const handovers: number[] = [];
    for (let i = 0; i < 3; i++) {
      const name = `handover${i}`;
      const a = new LeaderElection({ client, endpoints: etcd.endpoints, self: { id: 'a', location: 'bench' }, name, ttlSeconds: TTL });
      const bClient = createEtcdClient({ endpoints: etcd.endpoints });
      const b = new LeaderElection({
        client: bClient,
        endpoints: etcd.endpoints,
        self: { id: 'b', location: 'bench' },
        name,
        ttlSeconds: TTL,
      });
      await a.start();
      await a.waitFor('leader', 5000);
      await b.start();
      await b.waitFor('follower', 5000);
      const led = b.waitFor('leader', 5000);
      const t0 = performance.now();
      await a.stop();
      await led;
      handovers.push(performance.now() - t0);
      await b.stop();
      bClient.close();
    }
    const ho = quantile(handovers, 0.5);
    const poll = (TTL * 1000) / 6;
    results.push({
      measure: 'handover: leader resigns → new leader',
      ours: ho,
      baseline: poll,
      unit: 'ms',
      ratio: ho / poll,
      note: 'median of 3; baseline = follower poll interval (TTL/6)',
    });
  } finally {
    client.close();
    await etcd.stop();
    await rm(home, { recursive: true, force: true });
  }
  return results;
}
