/**
 * The socket front end: one `PluginServer` per actor of a host (`<pluginsDir>/<name>`), following
 * actors as they come and go. It binds every actor the host lists at start, and re-syncs on each
 * lifecycle event (`actor:started`, `actor:exited`, `actor:failed`); `add`/`remove`/`sync` may also be
 * called directly. A restarting or failed actor keeps its socket: calls answer the runtime's error.
 */
import type { Logger } from 'pino';
import { pino } from 'pino';
import { pluginsDir as defaultPluginsDir } from './paths.js';
import type { PluginHost, PluginHostLifecycleEvents } from './plugin-host.js';
import type { EventStreamOptions } from './event-stream.js';
import { PluginServer, type ServerTimeouts } from './plugin-server.js';
import { ByteBudget } from './byte-budget.js';

export interface FrontEndOptions {
  /** Where sockets go; default `pluginsDir()` (INFRAKIT_PLUGINS_DIR, else $INFRAKIT_HOME/plugins). */
  readonly pluginsDir?: string;
  /** Largest request body in bytes; default 4 MiB. */
  readonly bodyLimit?: number;
  /** Request/response lines at debug level (InfraKit `--log 5`). Default: silent. */
  readonly logger?: Logger;
  readonly timeouts?: ServerTimeouts;
  /** `GET /events` of every socket: heartbeat interval, slow-client backlog. */
  readonly events?: EventStreamOptions;
  /** Follow the host's lifecycle events (default true when the host has `on`). */
  readonly follow?: boolean;
  /**
   * Bytes of request bodies held at once across every connection of every socket; a request that would
   * take more is answered 503 (`ServerBusyError`) and dropped. Default 64 MiB.
   */
  readonly bufferBudget?: number;
  /** Most connections open at once on each socket; more are answered 503 and closed. Default 256. */
  readonly maxConnections?: number;
}

/** What the front end holds now (for tests, the bench and `--log 5`). */
export interface FrontEndStats {
  /** Bytes of request bodies held now, across every socket. */
  readonly bufferedBytes: number;
  /** The most ever held at once. */
  readonly peakBufferedBytes: number;
  readonly bufferBudget: number;
  /** Open connections by actor name. */
  readonly connections: Record<string, number>;
  /** Connections refused for the per-socket limit, and requests refused for the byte budget, so far. */
  readonly refusedConnections: number;
  readonly refusedRequests: number;
}

export class SocketFrontEnd {
  readonly pluginsDir: string;
  readonly #host: PluginHost;
  readonly #opts: FrontEndOptions;
  readonly #log: Logger;
  readonly #servers = new Map<string, PluginServer>();
  readonly #budget: ByteBudget;
  #refusedConnections = 0;
  #refusedRequests = 0;
  /** Serialises add/remove/sync so two syncs never bind the same name. */
  #queue: Promise<unknown> = Promise.resolve();
  #closing: Promise<void> | undefined;
  readonly #onEvent = (): void => {
    this.#resync();
    // The runtime may drop a removed actor from list() only after its exit event: look again shortly.
    setTimeout(() => this.#resync(), 250).unref();
  };
  readonly #events: (keyof PluginHostLifecycleEvents)[] = ['actor:started', 'actor:exited', 'actor:failed'];
  #following = false;

  constructor(host: PluginHost, opts: FrontEndOptions = {}) {
    this.#host = host;
    this.#opts = opts;
    this.pluginsDir = opts.pluginsDir ?? defaultPluginsDir();
    this.#log = opts.logger ?? pino({ level: 'silent' });
    this.#budget = new ByteBudget(opts.bufferBudget);
  }

  /** Buffered bytes, connections and refusals now. */
  stats(): FrontEndStats {
    const connections: Record<string, number> = {};
    let refusedConnections = this.#refusedConnections;
    let refusedRequests = this.#refusedRequests;
    for (const [name, s] of this.#servers) {
      connections[name] = s.connections;
      refusedConnections += s.refusedConnections;
      refusedRequests += s.refusedRequests;
    }
    return {
      bufferedBytes: this.#budget.used,
      peakBufferedBytes: this.#budget.peak,
      bufferBudget: this.#budget.limit,
      connections,
      refusedConnections,
      refusedRequests,
    };
  }

  /** Bind a socket for every actor of the host, then follow its events. Rejects (binding nothing) if one fails. */
  async start(): Promise<void> {
    try {
      await this.sync({ strict: true });
    } catch (err) {
      await this.close();
      throw err;
    }
    if ((this.#opts.follow ?? true) && this.#host.on !== undefined) {
      for (const e of this.#events) this.#host.on(e, this.#onEvent);
      this.#following = true;
    }
  }

  /** Socket paths by actor name. */
  get paths(): Record<string, string> {
    return Object.fromEntries([...this.#servers].map(([name, s]) => [name, s.path]));
  }

  /** The server of one actor. */
  server(name: string): PluginServer | undefined {
    return this.#servers.get(name);
  }

  /** Bind the socket of actor `name` (no-op when bound). */
  add(name: string): Promise<PluginServer> {
    return this.#serial(() => this.#add(name));
  }

  /** Close the socket of actor `name` (no-op when not bound). */
  remove(name: string): Promise<void> {
    return this.#serial(() => this.#remove(name));
  }

  /**
   * Make the bound sockets match `host.list()`. Without `strict`, a name that cannot be bound (a live
   * socket of another process) is logged and skipped; with it, the error is thrown.
   */
  sync(opts: { strict?: boolean } = {}): Promise<void> {
    return this.#serial(async () => {
      const names = new Set(this.#host.list().map((a) => a.name));
      for (const name of [...this.#servers.keys()]) if (!names.has(name)) await this.#remove(name);
      for (const name of names) {
        if (this.#servers.has(name)) continue;
        try {
          await this.#add(name);
        } catch (err) {
          if (opts.strict === true) throw err;
          this.#log.error({ err, actor: name }, 'cannot bind the plugin socket');
        }
      }
    });
  }

  /** Close every socket and stop following the host. Idempotent. */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      if (this.#following && this.#host.off !== undefined) for (const e of this.#events) this.#host.off(e, this.#onEvent);
      await this.#queue.catch(() => undefined);
      const servers = [...this.#servers.values()];
      this.#servers.clear();
      await Promise.all(servers.map((s) => s.close()));
    })();
    return this.#closing;
  }

  #resync(): void {
    if (this.#closing === undefined) void this.sync().catch((err: unknown) => this.#log.error({ err }, 'socket sync failed'));
  }

  #serial<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.#queue.catch(() => undefined).then(fn);
    this.#queue = next;
    return next;
  }

  async #add(name: string): Promise<PluginServer> {
    const existing = this.#servers.get(name);
    if (existing !== undefined) return existing;
    if (this.#closing !== undefined) throw new Error('the socket front end is closed');
    const server = await PluginServer.listen(this.#host, {
      name,
      pluginsDir: this.pluginsDir,
      logger: this.#log,
      ...(this.#opts.bodyLimit === undefined ? {} : { bodyLimit: this.#opts.bodyLimit }),
      ...(this.#opts.timeouts === undefined ? {} : { timeouts: this.#opts.timeouts }),
      ...(this.#opts.events === undefined ? {} : { events: this.#opts.events }),
      ...(this.#opts.maxConnections === undefined ? {} : { maxConnections: this.#opts.maxConnections }),
      budget: this.#budget,
    });
    this.#servers.set(name, server);
    this.#log.info({ actor: name, path: server.path }, 'plugin socket bound');
    return server;
  }

  async #remove(name: string): Promise<void> {
    const server = this.#servers.get(name);
    if (server === undefined) return;
    this.#servers.delete(name);
    await server.close();
    this.#refusedConnections += server.refusedConnections;
    this.#refusedRequests += server.refusedRequests;
    this.#log.info({ actor: name }, 'plugin socket closed');
  }
}

/**
 * Bind every actor's socket of `host` (the runtime) and follow actors added or removed later.
 * `close()` removes every socket and pid file.
 */
export async function serveRuntime(host: PluginHost, opts: FrontEndOptions = {}): Promise<SocketFrontEnd> {
  const fe = new SocketFrontEnd(host, opts);
  await fe.start();
  return fe;
}
