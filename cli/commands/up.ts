/**
 * `infrakit-ts up` and `infrakit-ts plugin start` (declared in cli/program.ts): one supervisor hosting actors, each on its own
 * socket in the plugins dir, until Ctrl-C or SIGTERM; then a clean stop that removes every socket
 * and pid file. Instances of the process plugin keep running, as machines outlive InfraKit's plugins.
 */
import type { Command } from 'commander';
import type { Runtime } from '../../runtime/runtime.js';
import { createLogger, type LogFormat } from '../../runtime/logging.js';
import type { ActorDeclaration } from '../../runtime/declaration.js';
import type { SocketFrontEnd } from '../../sockets/socket-front-end.js';
import { startHost as startLibraryHost } from '../../sockets/serve.js';
import { pinoLevel } from '../../sockets/log-level.js';
import { infrakitHome } from '../../runtime/home.js';
import { resolveStoreKind } from '../../actors/group/store-kind.js';
import { etcdGroupBackend } from '../../cluster/ha-options.js';
import { emit, table } from '../output.js';
import { globals } from '../context.js';
import { defaultActors, readUpConfig, actorsFromWords } from '../up-config.js';
import { count } from '../words.js';
import { loadEtcd3 } from '../../cluster/etcd3-module.js';
import { watchForReload, type ReloadWatcher } from '../../runtime/reload-watcher.js';

export interface RunningHost {
  readonly runtime: Runtime;
  readonly frontEnd: SocketFrontEnd;
  stop(): Promise<void>;
}

/** Starts a runtime with `actors`, binds their sockets and resolves other names through the plugins dir (the library's `startHost`). */
export async function startHost(opts: {
  actors: ActorDeclaration[];
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
    pluginsDir: opts.pluginsDir,
  });
  const sockets = host.sockets;
  if (sockets === undefined) throw new Error('startHost: no sockets');
  return { runtime: host.runtime, frontEnd: sockets.frontEnd, stop: () => host.stop() };
}

async function runUntilSignal(cmd: Command, actors: ActorDeclaration[], watchFiles = false): Promise<void> {
  const g = globals(cmd);
  const home = infrakitHome();
  const host = await startHost({ actors, pluginsDir: g.pluginsDir, home, log: g.log, logFormat: chosenLogFormat(cmd) });
  const watcher = watchFiles ? watchChanges(host.runtime, g.output === 'table') : undefined;
  const paths = host.frontEnd.paths;
  const rows = host.runtime.list().map((a) => ({
    name: a.name,
    socket: paths[a.name] ?? null,
    interfaces: (a.manifest?.interfaces ?? []).map((i) => `${i.name}/${i.version}`),
    objects: a.manifest?.objects ?? ['.'],
  }));
  emit(g.output, { pid: process.pid, home, pluginsDir: g.pluginsDir, plugins: rows }, () =>
    [
      `infrakit-ts is up (pid ${process.pid}): ${count(rows.length, 'plugin')} in ${g.pluginsDir}`,
      table(
        ['NAME', 'INTERFACES', 'SOCKET'],
        rows.map((r) => [r.name, r.interfaces.join(','), r.socket]),
      ),
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
      if (g.output === 'table') process.stderr.write(`\n${sig}: stopping ${count(rows.length, 'plugin')}…\n`);
      host.stop().then(resolve, (err: unknown) => {
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

export interface UpOptions extends StoreFlags {
  readonly config?: string;
  readonly watch?: boolean;
}

export async function up(opts: UpOptions, cmd: Command): Promise<void> {
  // etcd3 is optional: say so before starting anything (exit 1) rather than from a failed group actor.
  if (resolveStoreKind(opts.store) === 'etcd') await loadEtcd3();
  const actors = opts.config ? await readUpConfig(opts.config) : defaultActors();
  await runUntilSignal(cmd, withStoreOptions(actors, opts), opts.watch === true);
}

export async function pluginStart(words: string[], opts: { watch?: boolean }, cmd: Command): Promise<void> {
  await runUntilSignal(cmd, withStoreOptions(actorsFromWords(words), {}), opts.watch === true);
}
