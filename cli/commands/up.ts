/**
 * `infrakit-ts up` and `infrakit-ts plugin start` (declared in cli/program.ts): one supervisor hosting actors, each on its own
 * socket in the plugins dir, until Ctrl-C or SIGTERM; then a clean stop that removes every socket
 * and pid file. Instances of the process plugin keep running, as machines outlive InfraKit's plugins.
 */
import type { Command } from 'commander';
import type { Runtime } from '../../runtime/runtime.js';
import { createLogger, type LogFormat } from '../../runtime/logging.js';
import type { ActorDeclaration } from '../../runtime/declaration.js';
import type { ExternalDeclaration } from '../../runtime/external-plugin.js';
import type { SocketFrontEnd } from '../../sockets/socket-front-end.js';
import { startHost as startLibraryHost } from '../../sockets/serve.js';
import { pinoLevel } from '../../sockets/log-level.js';
import { infrakitHome } from '../../runtime/home.js';
import { resolveStoreKind } from '../../actors/group/store-kind.js';
import { etcdGroupBackend } from '../../cluster/ha-options.js';
import { emit, table, UsageError } from '../output.js';
import type { ObserverServer, StartObserverOptions } from '../../observer/server.js';
import { globals } from '../context.js';
import { defaultActors, readUpFile, actorsFromWords, externalFromWord } from '../up-config.js';
import { count } from '../words.js';
import { assertEtcd3Installed } from '../../cluster/etcd3-module.js';
import { watchForReload, type ReloadWatcher } from '../../runtime/reload-watcher.js';

export interface RunningHost {
  readonly runtime: Runtime;
  readonly frontEnd: SocketFrontEnd;
  stop(): Promise<void>;
}

export interface HttpFlags {
  readonly http?: string;
  readonly httpPublic?: boolean;
  readonly httpToken?: string;
  readonly httpControls?: boolean;
}

/** `--http`: off, or where the observer listens (`host:port`, `[v6]:port`, `:port`); undefined: the default. */
export function parseHttpFlag(v: string | undefined): 'off' | { host: string; port: number } | undefined {
  if (v === undefined || v === '') return undefined;
  if (v === 'off' || v === 'false' || v === 'none') return 'off';
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^:[\]]*)):(\d{1,5})$/.exec(v);
  const port = Number(m?.[3]);
  if (m === null || !(port >= 0 && port <= 65535))
    throw new UsageError(`--http ${v}: expected host:port (127.0.0.1:9470, [::1]:9470, :9470) or off`);
  return { host: m[1] ?? (m[2] || '127.0.0.1'), port };
}

/** The observer `up` will start, from its flags, or 'off'; a usage error before anything starts. */
export function httpPlan(flags: HttpFlags): 'off' | StartObserverOptions {
  const where = parseHttpFlag(flags.http);
  if (where === 'off') return 'off';
  const token = flags.httpToken === undefined || flags.httpToken === '' ? undefined : flags.httpToken;
  if (where !== undefined && !/^(127\.\d+\.\d+\.\d+|::1|localhost)$/.test(where.host) && flags.httpPublic !== true)
    throw new UsageError(`--http ${flags.http ?? ''} is not a loopback address: add --http-public (and a token) to serve other hosts`);
  if (flags.httpPublic === true && (token === undefined || token.length < 16))
    throw new UsageError('--http-public needs a token of at least 16 characters (--http-token or INFRAKIT_OBSERVER_TOKEN)');
  return {
    ...(where === undefined ? {} : { host: where.host, port: where.port, exactPort: true }),
    ...(token === undefined ? {} : { token }),
    allowRemote: flags.httpPublic === true,
    controls: flags.httpControls === true,
  };
}

async function startHttp(runtime: Runtime, plan: 'off' | StartObserverOptions): Promise<ObserverServer | undefined> {
  if (plan === 'off') return undefined;
  const { startObserver } = await import('../../observer/server.js');
  return startObserver(runtime, plan);
}

/** Starts a runtime with `actors`, binds their sockets and resolves other names through the plugins dir (the library's `startHost`). */
export async function startHost(opts: {
  actors: ActorDeclaration[];
  externals?: ExternalDeclaration[];
  pluginsDir: string;
  home: string;
  log: number;
  logFormat?: LogFormat;
}): Promise<RunningHost> {
  const level = pinoLevel(opts.log);
  const host = await startLibraryHost({
    home: opts.home,
    logger: createLogger(level, opts.logFormat),
    logLevel: level,
    ...(opts.logFormat === undefined ? {} : { logFormat: opts.logFormat }),
    logCalls: opts.log >= 5,
    actors: opts.actors,
    externals: opts.externals ?? [],
    pluginsDir: opts.pluginsDir,
  });
  const sockets = host.sockets;
  if (sockets === undefined) throw new Error('startHost: no sockets');
  return { runtime: host.runtime, frontEnd: sockets.frontEnd, stop: () => host.stop() };
}

async function runUntilSignal(
  cmd: Command,
  actors: ActorDeclaration[],
  externals: ExternalDeclaration[] = [],
  http: HttpFlags = { http: 'off' },
  watchFiles = false,
): Promise<void> {
  const g = globals(cmd);
  const home = infrakitHome();
  const plan = httpPlan(http); // a bad --http is a usage error before anything starts
  const host = await startHost({ actors, externals, pluginsDir: g.pluginsDir, home, log: g.log, logFormat: chosenLogFormat(cmd) });
  let observer: ObserverServer | undefined;
  try {
    observer = await startHttp(host.runtime, plan);
  } catch (err) {
    await host.stop();
    throw err;
  }
  const watcher = watchFiles ? watchChanges(host.runtime, g.output === 'table') : undefined;
  const paths = host.frontEnd.paths;
  const rows = host.runtime.list().map((a) => ({
    name: a.name,
    socket: paths[a.name] ?? null,
    interfaces: (a.manifest?.interfaces ?? []).map((i) => `${i.name}/${i.version}`),
    objects: a.manifest?.objects ?? ['.'],
  }));
  // External plugins: one row per socket, the process's pid beside the name.
  const ext = host.runtime.externals().map((e) => ({
    name: e.name,
    pid: e.pid ?? null,
    exec: e.exec,
    sockets: e.socketPaths,
    interfaces: e.interfaces,
  }));
  const extRows = ext.flatMap((e) => e.sockets.map((s) => [`${e.name} (pid ${e.pid ?? '-'})`, e.interfaces.join(','), s]));
  const total = rows.length + ext.length;
  emit(
    g.output,
    {
      pid: process.pid,
      home,
      pluginsDir: g.pluginsDir,
      plugins: rows,
      ...(ext.length > 0 ? { externals: ext } : {}),
      observer: observer?.url ?? null,
    },
    () =>
      [
        `infrakit-ts is up (pid ${process.pid}): ${count(total, 'plugin')} in ${g.pluginsDir}`,
        table(['NAME', 'INTERFACES', 'SOCKET'], [...rows.map((r) => [r.name, r.interfaces.join(','), r.socket]), ...extRows]),
        ...(observer === undefined ? [] : [`Observer: ${observer.url} (JSON under api/, Prometheus at metrics)`]),
        'Press Ctrl-C to stop.',
      ].join('\n'),
  );
  await new Promise<void>((resolve) => {
    const onSignal = (sig: NodeJS.Signals) => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      // A second Ctrl-C while stopping forces the exit.
      process.once('SIGINT', () => process.exit(130));
      watcher?.close();
      if (g.output === 'table') process.stderr.write(`\n${sig}: stopping ${count(total, 'plugin')}…\n`);
      (observer?.close() ?? Promise.resolve())
        .then(() => host.stop())
        .then(resolve, (err: unknown) => {
          process.stderr.write(`error while stopping: ${(err as Error).message}\n`);
          process.exitCode = 1;
          resolve();
        });
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });
  if (g.output === 'table') process.stderr.write('stopped; sockets removed\n');
}

/** `up --watch`: reload an actor when a file in its module's directory changes; say so on stderr for people. */
function watchChanges(runtime: Runtime, tell: boolean): ReloadWatcher {
  return watchForReload(runtime, {
    onReload: (name, outcome) => {
      if (!tell) return; // the log has it too (actor reloaded / reload failed)
      if (outcome.ok) {
        const r = outcome.result;
        const state = r.stateCarried ? ', state carried over' : '';
        process.stderr.write(`reloaded ${name} (version ${r.version}, ${Math.round(r.ms)} ms${state})\n`);
      } else process.stderr.write(`reload of ${name} failed, the old code keeps serving: ${outcome.error.message}\n`);
    },
  });
}

export interface StoreFlags {
  readonly store?: string;
  readonly etcdEndpoints?: string;
  readonly nodeId?: string;
}

/**
 * `--store`, `--etcd-endpoints`, `--node-id` (or their environment variables) become options of every
 * built-in group actor, under its own `options:` entry (which still wins for that actor); a group whose
 * store is `etcd` gets cluster/'s backend. Workers see settings only through their declaration.
 */
export function withStoreOptions(actors: readonly ActorDeclaration[], flags: StoreFlags): ActorDeclaration[] {
  return actors.map((d) => {
    if (d.module !== 'group') return d;
    const options: Record<string, unknown> = {
      ...(flags.store ? { store: flags.store } : {}),
      ...(flags.etcdEndpoints ? { etcdEndpoints: flags.etcdEndpoints } : {}),
      ...(flags.nodeId ? { nodeId: flags.nodeId } : {}),
      ...d.options,
    };
    const store = options['store'];
    if (options['backend'] === undefined && resolveStoreKind(typeof store === 'string' ? store : undefined) === 'etcd')
      options['backend'] = etcdGroupBackend();
    return { ...d, options };
  });
}

/** `--log-format` (or `INFRAKIT_LOG_FORMAT`); without it, people at a terminal get readable lines and pipes get JSON. */
function chosenLogFormat(cmd: Command): LogFormat {
  let root = cmd;
  while (root.parent) root = root.parent;
  const chosen = root.opts<{ logFormat?: string }>().logFormat;
  return chosen === 'term' || chosen === 'json' ? chosen : process.stderr.isTTY === true ? 'term' : 'json';
}

export interface UpOptions extends StoreFlags, HttpFlags {
  readonly config?: string;
  readonly watch?: boolean;
}

export async function up(opts: UpOptions, cmd: Command): Promise<void> {
  // etcd3 is optional: say so before starting anything (exit 1) rather than from a failed group actor.
  // Resolved, not loaded: only the group's worker uses it.
  if (resolveStoreKind(opts.store) === 'etcd') assertEtcd3Installed();
  const { actors, externals } = opts.config ? await readUpFile(opts.config) : { actors: defaultActors(), externals: [] };
  await runUntilSignal(cmd, withStoreOptions(actors, opts), externals, opts, opts.watch === true);
}

export async function pluginStart(words: string[], opts: { exec?: string[]; watch?: boolean }, cmd: Command): Promise<void> {
  const externals = (opts.exec ?? []).map(externalFromWord);
  if (words.length === 0 && externals.length === 0)
    throw new UsageError('name the plugins to start (e.g. simulator, simulator:sim-a), or an executable with --exec name=command');
  await runUntilSignal(cmd, withStoreOptions(actorsFromWords(words), {}), externals, undefined, opts.watch === true);
}
