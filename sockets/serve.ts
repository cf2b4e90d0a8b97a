/**
 * Serving a runtime on sockets, for host apps and for `infrakit-ts up`:
 * `const sockets = await serve(runtime, { pluginsDir }); … await sockets.close();` (sockets and pid
 * files removed), or both at once: `const host = await startHost({ actors, pluginsDir }); … await
 * host.stop();`. See docs/embedding.md. The front end's modules are imported on first use; `startHost`
 * imports them while the actors' workers boot, so loading them delays no worker.
 */
import { join } from 'node:path';
import type { ActorDeclaration } from '../runtime/declaration.js';
import type { ExternalDeclaration } from '../runtime/external-plugin.js';
import { infrakitHome, lockHome } from '../runtime/home.js';
import { Runtime, type RuntimeOptions } from '../runtime/runtime.js';
import type * as FrontEndModule from './socket-front-end.js';
import type { FrontEndOptions, SocketFrontEnd } from './socket-front-end.js';
import type * as ResolverModule from './socket-resolver.js';
import type { SocketResolver } from './socket-resolver.js';
import { checkSocketPaths } from './unix-listener.js';
import { handshakeProbe } from './external-probe.js';

/** The front end's modules (HTTP server, JSON-RPC, SSE, the resolver), imported once, when first needed. */
function frontEndModules(): Promise<[typeof FrontEndModule, typeof ResolverModule]> {
  return Promise.all([import('./socket-front-end.js'), import('./socket-resolver.js')]);
}

export interface ServeOptions extends FrontEndOptions {
  /**
   * Where sockets go. Default `$INFRAKIT_PLUGINS_DIR`, else `<runtime.home>/plugins`.
   */
  readonly pluginsDir?: string;
  /**
   * Names with no local actor are looked up in the plugins dir and called over their sockets (plugins
   * in other processes, in any language): `runtime.setResolver(socketResolver(pluginsDir))`. Default true.
   */
  readonly resolveRemote?: boolean;
}

/** A runtime's sockets. */
export interface ServedSockets {
  readonly pluginsDir: string;
  readonly frontEnd: SocketFrontEnd;
  /** Socket paths by actor name (actors added later get theirs too). */
  readonly paths: Record<string, string>;
  /** Remove every socket and pid file, drop connections to other plugins. Idempotent. */
  close(): Promise<void>;
}

/** Bind one InfraKit socket per actor of `runtime` (and for actors added later). */
export async function serve(runtime: Runtime, opts: ServeOptions = {}): Promise<ServedSockets> {
  const [{ serveRuntime }, { socketResolver }] = await frontEndModules();
  const dir = opts.pluginsDir ?? process.env['INFRAKIT_PLUGINS_DIR'] ?? join(runtime.home, 'plugins');
  let resolver: SocketResolver | undefined;
  if (opts.resolveRemote ?? true) {
    resolver = socketResolver(dir);
    runtime.setResolver(resolver);
  }
  let frontEnd: SocketFrontEnd;
  try {
    frontEnd = await serveRuntime(runtime, { ...opts, pluginsDir: dir });
  } catch (err) {
    resolver?.close();
    throw err;
  }
  let closing: Promise<void> | undefined;
  return {
    pluginsDir: dir,
    frontEnd,
    get paths() {
      return frontEnd.paths;
    },
    close: () =>
      (closing ??= (async () => {
        await frontEnd.close();
        resolver?.close();
      })()),
  };
}

export interface HostOptions extends RuntimeOptions, Omit<ServeOptions, 'logger'> {
  /** The actors, started in order. */
  readonly actors: readonly ActorDeclaration[];
  /**
   * Executables serving InfraKit sockets (any language), started beside the actors and supervised like
   * them (`Runtime.addExternal`); each socket must answer an InfraKit handshake. Default none.
   */
  readonly externals?: readonly ExternalDeclaration[];
  /** Also bind sockets (default true); without, only in-process calls reach the actors. */
  readonly sockets?: boolean;
}

/** A runtime with its sockets. */
export interface Host {
  readonly runtime: Runtime;
  /** `undefined` with `sockets: false`. */
  readonly sockets: ServedSockets | undefined;
  /** Close the sockets, then stop the runtime. Idempotent. */
  stop(): Promise<void>;
}

/**
 * Start a runtime with `actors` and serve them on sockets (`infrakit-ts up` is this plus a signal
 * handler). Before any actor starts, the home (created 0700) is locked (`<home>/runtime.pid`: a live
 * runtime there → `HomeInUseError`) and every socket and pid path is checked (`UnsafePathError`).
 * If binding fails, the runtime is stopped and the lock released.
 */
export async function startHost(opts: HostOptions): Promise<Host> {
  const { actors, externals = [], sockets: withSockets, ...rest } = opts;
  const home = rest.home ?? infrakitHome();
  const dir = rest.pluginsDir ?? process.env['INFRAKIT_PLUGINS_DIR'] ?? join(home, 'plugins');
  const lock = await lockHome(home);
  let runtime: Runtime;
  try {
    if (withSockets ?? true) for (const a of actors) await checkSocketPaths(dir, a.name);
    for (const e of externals) for (const s of e.sockets ?? [e.name]) await checkSocketPaths(dir, String(s));
    const starting = Runtime.start({
      externalProbe: handshakeProbe,
      ...rest,
      home,
      pluginsDir: dir,
      actors: [...actors],
      externals: [...externals],
    });
    // The workers are being spawned: load the front end meanwhile (a failure surfaces in serve() below).
    if (withSockets ?? true) frontEndModules().catch(() => undefined);
    runtime = await starting;
  } catch (err) {
    await lock.release();
    throw err;
  }
  let sockets: ServedSockets | undefined;
  let resolver: SocketResolver | undefined;
  if (withSockets ?? true) {
    try {
      sockets = await serve(runtime, { ...rest, ...(rest.logger === undefined ? { logger: runtime.log } : { logger: rest.logger }) });
    } catch (err) {
      await runtime.stop();
      await lock.release();
      throw err;
    }
  } else if (externals.length > 0 && (rest.resolveRemote ?? true)) {
    // No sockets of our own, but the actors still reach the external plugins through theirs.
    resolver = (await import('./socket-resolver.js')).socketResolver(dir);
    runtime.setResolver(resolver);
  }
  let stopping: Promise<void> | undefined;
  return {
    runtime,
    sockets,
    stop: () =>
      (stopping ??= (async () => {
        // Sockets first (no new outside calls), then the actors, then the connections to other
        // plugins, which actors may still use while they stop; the home is free last.
        try {
          await sockets?.frontEnd.close();
          await runtime.stop();
          await sockets?.close();
          resolver?.close();
        } finally {
          await lock.release();
        }
      })()),
  };
}
