/**
 * Idle memory per actor: how much a process's RSS grows per actor worker, by kind, next to a bare
 * `Worker` listening on a port (the floor: a V8 isolate and a libuv loop). Each kind is measured in a
 * fresh child process (`fork`), adding 3 actors and dividing. What a worker pays beyond the floor:
 * bench/RESULTS.md.
 */
import { fork } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MessageChannel, Worker } from 'node:worker_threads';
import type { ActorDeclaration } from '../runtime/index.js';
import type { BenchResult } from './result.js';

const COUNT = 3;
const SETTLE_MS = 400;

type Case = 'bare' | 'echo' | 'simulator' | 'vanilla-pool-thread' | 'group';

const rssMb = (): number => process.memoryUsage.rss() / 1024 / 1024;
const settle = (): Promise<void> => new Promise((r) => setTimeout(r, SETTLE_MS));

function decls(c: Exclude<Case, 'bare'>): ActorDeclaration[] {
  const echo = new URL('./fixtures/echo-actor.js', import.meta.url);
  switch (c) {
    case 'echo':
      return Array.from({ length: COUNT }, (_, i) => ({ name: `echo${i}`, module: echo }));
    case 'simulator':
      return Array.from({ length: COUNT }, (_, i) => ({ name: `sim${i}`, module: 'simulator' }));
    case 'vanilla-pool-thread':
      return [{ name: 'vanilla', module: 'vanilla', threads: COUNT }];
    case 'group':
      return Array.from({ length: COUNT }, (_, i) => ({ name: `group${i}`, module: 'group', options: { store: 'memory' } }));
  }
}

/** In the child: RSS growth per worker for one case, in MB. */
async function measureHere(c: Case): Promise<number> {
  if (c === 'bare') {
    await settle();
    const before = rssMb();
    const workers: Worker[] = [];
    for (let i = 0; i < COUNT; i++) {
      const w = new Worker(new URL('./fixtures/raw-echo-worker.js', import.meta.url));
      const { port1, port2 } = new MessageChannel();
      w.postMessage({ port: port2 }, [port2]);
      await once(port1, 'message');
      workers.push(w);
    }
    await settle();
    const per = (rssMb() - before) / COUNT;
    await Promise.all(workers.map((w) => w.terminate()));
    return per;
  }
  const { Runtime } = await import('../runtime/index.js');
  const home = mkdtempSync(join(tmpdir(), 'bench-memory-'));
  const rt = new Runtime({ home, logLevel: 'silent' });
  // The main thread imports each actor module once to read its definition: do that first, so
  // only the workers are counted.
  const { loadDefinition } = await import('../runtime/definition.js');
  const { resolveActorModule } = await import('../runtime/module-resolver.js');
  for (const d of decls(c)) await loadDefinition(resolveActorModule(d.module));
  await settle();
  const before = rssMb();
  try {
    for (const d of decls(c)) await rt.add(d);
    await settle();
    return (rssMb() - before) / COUNT;
  } finally {
    await rt.stop();
    rmSync(home, { recursive: true, force: true });
  }
}

async function measure(c: Case): Promise<number> {
  const child = fork(fileURLToPath(import.meta.url), ['--case', c], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
  const exited = once(child, 'exit');
  const [msg] = (await once(child, 'message')) as [{ mb: number } | { error: string }];
  await exited;
  if ('error' in msg) throw new Error(`memory ${c}: ${msg.error}`);
  return msg.mb;
}

export async function run(): Promise<BenchResult[]> {
  const bare = await measure('bare');
  const out: BenchResult[] = [];
  const baselineIs = 'bare Worker listening on a port (no runtime, no modules)';
  const notes: Record<Exclude<Case, 'bare'>, string> = {
    echo: 'actor-host (no pino: records go to main) + a schema-less actor',
    simulator: 'params schemas (runtime/schema.ts) and the SPI',
    'vanilla-pool-thread': 'one piscina thread of a stateless actor',
    group: "store 'memory' (etcd3 not loaded)",
  };
  for (const c of ['echo', 'simulator', 'vanilla-pool-thread', 'group'] as const) {
    const mb = await measure(c);
    out.push({
      measure: `idle RSS per worker: ${c}`,
      ours: mb,
      baseline: bare,
      unit: 'MB',
      ratio: mb / bare,
      baselineIs,
      note: `${notes[c]}; mean of ${COUNT}, fresh process`,
    });
  }
  return out;
}

if (import.meta.url === `file://${process.argv[1]}` && process.argv[2] === '--case') {
  try {
    process.send?.({ mb: await measureHere(process.argv[3] as Case) });
  } catch (err) {
    process.send?.({ error: err instanceof Error ? (err.stack ?? err.message) : String(err) });
  }
  process.disconnect?.();
}
