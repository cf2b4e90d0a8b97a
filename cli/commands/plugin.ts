/**
 * `infrakit-ts plugin ls|stop|reload` (declared in cli/program.ts; `plugin start` is in up.ts): the plugins
 * dir as InfraKit's CLI shows it, plus what our runtime says of its own actors (`/info/runtime.json`).
 */
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Command } from 'commander';
import { discoverPlugins, type DiscoveredPlugin } from '../../sockets/discovery.js';
import { RemoteClient } from '../../sockets/remote-client.js';
import { postJson } from '../../sockets/http-post.js';
import { parsePluginAddress } from '../../sockets/plugin-address.js';
import { InfrakitError } from '../../runtime/errors.js';
import type { ReloadResult, ReloadStatus } from '../../runtime/actor-info.js';
import { emit, table, UsageError } from '../output.js';
import { globals } from '../context.js';
import { pidExists } from '../../runtime/pid-exists.js';
import { readPidFile } from '../../runtime/atomic-file.js';
import { readExternalStatuses, type ExternalStatusRecord } from '../../runtime/external-status.js';

/** The pid in `<name>.pid`; a link, FIFO… there is refused (`UnsafePathError`), never followed or opened. */
function readPid(dir: string, name: string): Promise<number | undefined> {
  return readPidFile(join(dir, `${name}.pid`));
}

/** What `Manager.IsLeader` answers (InfraKit's `{Leader}`, plus our role and the leader's node). */
interface LeaderAnswer {
  readonly Leader: boolean;
  readonly Role?: string;
  readonly Node?: string;
  readonly LeaderNode?: { ID: string; Location: string } | null;
  readonly Reason?: string;
}

/** Asks every plugin that serves `Manager` whether it leads (InfraKit's manager and our etcd-backed group). */
async function leadership(found: readonly DiscoveredPlugin[]): Promise<Map<string, LeaderAnswer>> {
  const out = new Map<string, LeaderAnswer>();
  await Promise.all(
    found
      .filter((p) => p.reachable && p.interfaces.some((i) => i.name === 'Manager'))
      .map(async (p) => {
        const c = new RemoteClient(p.listen, { timeoutMs: 2000 });
        try {
          out.set(p.name, (await c.call('Manager.IsLeader', {})) as LeaderAnswer);
        } catch {
          // Not every Manager answers: the row simply shows no leadership.
        } finally {
          c.close();
        }
      }),
  );
  return out;
}

/** `leader`, `follower (leader n1)`, or `unknown: <reason>` for the STATUS column. */
export function leaderText(a: LeaderAnswer): string {
  if (a.Leader) return 'leader';
  if (a.Role === 'follower') return `follower (leader ${a.LeaderNode?.ID ?? '?'})`;
  return `no leader${a.Reason ? `: ${a.Reason}` : ''}`;
}

/** What an infrakit-ts socket says of its actor (`GET /info/runtime.json`); other plugins have no such page. */
interface RuntimeAnswer {
  readonly status?: string;
  readonly version?: number;
  readonly reload?: ReloadStatus;
}

async function runtimeInfo(found: readonly DiscoveredPlugin[]): Promise<Map<string, RuntimeAnswer>> {
  const out = new Map<string, RuntimeAnswer>();
  await Promise.all(
    found
      .filter((p) => p.reachable)
      .map(async (p) => {
        try {
          const text = await postJson(parsePluginAddress(p.listen), '', { method: 'GET', path: '/info/runtime.json', timeoutMs: 2000 });
          out.set(p.name, JSON.parse(text) as RuntimeAnswer);
        } catch {
          // Not ours (404), or gone meanwhile: the row shows what the handshake said.
        }
      }),
  );
  return out;
}

/** `, reloaded (version 2)`, `, reloading`, or `, reload failed: <why>` for the STATUS column. */
function reloadText(r: ReloadStatus | undefined): string {
  if (r === undefined) return '';
  if (r.state === 'ok') return `, reloaded (version ${r.version})`;
  if (r.state === 'reloading') return ', reloading';
  return `, reload failed: ${(r.error ?? 'unknown').split('\n')[0] ?? ''}`;
}

/** What `plugin ls` says of an external plugin (`-o json`: the `external` field of its sockets). */
interface ExternalView {
  readonly name: string;
  readonly status: string;
  readonly pid: number | null;
  readonly restarts: number;
  readonly supervisor: number;
  readonly failure?: string;
}

function externalView(r: ExternalStatusRecord): ExternalView {
  return {
    name: r.name,
    status: r.status,
    pid: r.pid,
    restarts: r.restarts,
    supervisor: r.supervisor,
    ...(r.failure === undefined ? {} : { failure: r.failure }),
  };
}

/** `external running, 2 restarts` (and why, when it failed). */
function externalText(e: ExternalView): string {
  const restarts = `${e.restarts} restart${e.restarts === 1 ? '' : 's'}`;
  return `external ${e.status}, ${restarts}${e.failure === undefined ? '' : `: ${e.failure}`}`;
}

export async function ls(c: Command): Promise<void> {
  const g = globals(c);
  const [discovered, statuses] = await Promise.all([discoverPlugins(g.pluginsDir), readExternalStatuses(g.pluginsDir)]);
  // External plugins supervised by a live runtime, by socket; a socket of one that is down (restarting,
  // failed) is listed too, unreachable, with its state.
  const bySocket = new Map<string, ExternalView>();
  for (const r of statuses) for (const sock of r.sockets) bySocket.set(sock, externalView(r));
  const seen = new Set(discovered.map((p) => p.name));
  const missing: DiscoveredPlugin[] = [...bySocket]
    .filter(([sock]) => !seen.has(sock))
    .map(([sock, e]) => ({
      name: sock,
      listen: join(g.pluginsDir, sock),
      interfaces: [],
      objects: {},
      reachable: false,
      error: 'no socket',
    }));
  const found = [...discovered, ...missing].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const [leaders, runtimes] = await Promise.all([leadership(found), runtimeInfo(found)]);
  const data = found.map((p) => {
    const ext = bySocket.get(p.name);
    return {
      ...p,
      ...(leaders.has(p.name) ? { leadership: leaders.get(p.name) } : {}),
      ...(ext === undefined ? {} : { external: ext }),
      ...(runtimes.has(p.name) ? { runtime: runtimes.get(p.name) } : {}),
    };
  });
  emit(g.output, data, () => {
    if (found.length === 0) return `No plugins in ${g.pluginsDir}. Start some with: infrakit-ts up`;
    const rows: unknown[][] = [];
    for (const p of found) {
      const ext = bySocket.get(p.name);
      const pid = ext?.pid ?? p.pid;
      if (!p.reachable) {
        const why = `unreachable: ${p.error ?? 'no answer'}`;
        rows.push(['-', p.name, p.listen, pid, ext === undefined ? why : `${why}, ${externalText(ext)}`]);
        continue;
      }
      const keys = Object.keys(p.objects);
      const specs = keys.length > 0 ? keys : p.interfaces.map((i) => `${i.name}/${i.version}`);
      for (const spec of specs) {
        const lead = leaders.get(p.name);
        const status =
          ['ok', ...(lead ? [leaderText(lead)] : []), ...(ext ? [externalText(ext)] : [])].join(', ') +
          reloadText(runtimes.get(p.name)?.reload);
        for (const obj of p.objects[spec] ?? ['.']) rows.push([spec, obj === '.' ? p.name : `${p.name}/${obj}`, p.listen, pid, status]);
      }
    }
    return table(['INTERFACE', 'NAME', 'LISTEN', 'PID', 'STATUS'], rows);
  });
}

export interface StopOptions {
  readonly all?: boolean;
  readonly force?: boolean;
}

export async function stop(names: string[], opts: StopOptions, c: Command): Promise<void> {
  const g = globals(c);
  const files = await readdir(g.pluginsDir).catch(() => [] as string[]);
  const pidNames = files.filter((f) => f.endsWith('.pid')).map((f) => f.slice(0, -4));
  const targets = opts.all ? pidNames : names;
  if (targets.length === 0) throw new UsageError('name the plugins to stop, or use --all');
  const byPid = new Map<number, string[]>();
  for (const n of pidNames) {
    const pid = await readPid(g.pluginsDir, n).catch(() => undefined); // a target with an unsafe pid path fails below
    if (pid !== undefined) byPid.set(pid, [...(byPid.get(pid) ?? []), n]);
  }
  const stopped: { name: string; pid: number }[] = [];
  const signalled = new Set<number>();
  for (const name of targets) {
    const pid = await readPid(g.pluginsDir, name);
    if (pid === undefined)
      throw new Error(`plugin ${name}: no pid file ${join(g.pluginsDir, `${name}.pid`)}; is it running? (infrakit-ts plugin ls)`);
    const others = (byPid.get(pid) ?? []).filter((n) => !targets.includes(n));
    if (others.length > 0 && !opts.force) {
      throw new Error(
        `plugin ${name} runs in process ${pid}, which also hosts ${others.join(', ')}; stopping it stops them too. Use --force, or --all.`,
      );
    }
    if (!signalled.has(pid)) {
      if (!pidExists(pid)) throw new Error(`plugin ${name}: process ${pid} is not running (stale pid file)`);
      process.kill(pid, 'SIGTERM');
      signalled.add(pid);
    }
    stopped.push({ name, pid });
  }
  emit(g.output, stopped, () => stopped.map((s) => `stopped ${s.name} (pid ${s.pid})`).join('\n'));
}

/**
 * `plugin reload <names...>`: `POST /reload` on each plugin's socket; the runtime serving it loads the
 * code again without dropping a call. A failed load leaves the old code serving and exits 1, saying why.
 */
export async function reload(names: string[], c: Command): Promise<void> {
  const g = globals(c);
  const done: ReloadResult[] = [];
  const failed: string[] = [];
  for (const name of names) {
    const socketPath = join(g.pluginsDir, name);
    try {
      // The runtime gives a reload 30 s by default; wait a little longer for its answer.
      const text = await postJson({ kind: 'unix', socketPath }, '{}', { path: '/reload', timeoutMs: 45_000 });
      done.push(JSON.parse(text) as ReloadResult);
    } catch (err) {
      failed.push(`${name}: ${reloadError(err)}`);
    }
  }
  emit(g.output, done, () =>
    done
      .map((r) => `reloaded ${r.name} (version ${r.version}, ${Math.round(r.ms)} ms${r.stateCarried ? ', state carried over' : ''})`)
      .join('\n'),
  );
  if (failed.length > 0) throw new Error(failed.join('\n'));
}

/** The reason in a refused reload's body (`{"error": …}`), else the transport's message. */
function reloadError(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  const status = err instanceof InfrakitError ? (err.data as { status?: number } | null)?.status : undefined;
  const body = message.indexOf('{');
  if (status === 404) return 'no such plugin here, or it is not hosted by infrakit-ts (no reload)';
  if (body >= 0) {
    try {
      return (JSON.parse(message.slice(body)) as { error?: string }).error ?? message;
    } catch {
      return message;
    }
  }
  return `${message} (is it running? infrakit-ts plugin ls)`;
}
