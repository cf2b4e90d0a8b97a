/**
 * The observer over HTTP: one page, the JSON it reads, a Server-Sent Event stream, and `/metrics`
 * (docs/observer.md). `observerHandler` is a plain `(req, res)` handler a host app mounts in its own
 * server; `startObserver` runs it on a server of its own (loopback, a fixed default port or the next
 * free one). Read-only unless `controls`; clients from other hosts are refused unless `allowRemote`,
 * which needs a `token`.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { timingSafeEqual } from 'node:crypto';
import type { Runtime } from '../runtime/runtime.js';
import { groupClient } from '../actors/spi/clients.js';
import { Observer } from './collect.js';
import type { Registry } from 'prom-client';
import { OBSERVER_PAGE, OBSERVER_SCRIPT } from './page.js';

/** Where `startObserver` listens by default (the next free port above it when taken). */
export const DEFAULT_OBSERVER_PORT = 9470;
/** Ports tried from the default one before giving up. */
export const OBSERVER_PORT_TRIES = 20;
/** Longest request target accepted (bytes); longer is 414. */
export const MAX_OBSERVER_URL = 2048;
/** Largest request body accepted (the rollout controls need none); larger is 413. */
export const MAX_OBSERVER_BODY = 1024;
/** Event streams open at once; more are 503. */
export const MAX_OBSERVER_STREAMS = 16;
/** Connections open at once (streams included); more are dropped by the server. */
export const MAX_OBSERVER_CONNECTIONS = 64;
/** A client must send its request headers within this (ms), and its whole request within `REQUEST_TIMEOUT_MS`. */
export const HEADERS_TIMEOUT_MS = 10_000;
export const REQUEST_TIMEOUT_MS = 15_000;

export interface ObserverHandlerOptions {
  /** Required on every request when set (`Authorization: Bearer <token>` or `?token=`); mandatory with `allowRemote`. */
  readonly token?: string;
  /** Serve clients that are not on this host. Default false: only loopback addresses (and a loopback `Host`). */
  readonly allowRemote?: boolean;
  /** Allow POST pause/resume/rollback of a rollout (the same group calls as the CLI). Default false: read-only. */
  readonly controls?: boolean;
  /** Path the handler is mounted at in a host app's server (`/observer`); default none. */
  readonly basePath?: string;
}

export type ObserverRequestHandler = ((req: IncomingMessage, res: ServerResponse) => void) & {
  readonly observer: Observer;
  /** End the open event streams and stop sampling. */
  close(): void;
};

export class ObserverConfigError extends Error {
  override readonly name = 'ObserverConfigError';
}

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|::1|::ffff:127\.\d+\.\d+\.\d+)$/;
const LOOPBACK_HOST = /^(localhost|127\.\d+\.\d+\.\d+|\[::1\])(:\d+)?$/i;

export function isLoopback(address: string | undefined): boolean {
  return address !== undefined && LOOPBACK.test(address);
}

function tokenOk(req: IncomingMessage, url: URL, token: string): boolean {
  const auth = req.headers.authorization;
  const given = auth?.startsWith('Bearer ') ? auth.slice(7) : url.searchParams.get('token');
  if (given === null || given === undefined) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}

function send(res: ServerResponse, status: number, type: string, body: string | Buffer, head = false): void {
  res.writeHead(status, {
    'Content-Type': type,
    'Content-Length': Buffer.byteLength(body),
    'Cache-Control': 'no-store',
    'X-Content-Type-Options': 'nosniff',
    'Content-Security-Policy': "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:",
  });
  res.end(head ? undefined : body);
}

function json(res: ServerResponse, status: number, value: unknown, head = false): void {
  send(res, status, 'application/json; charset=utf-8', JSON.stringify(value), head);
}

function refuse(req: IncomingMessage, res: ServerResponse, status: number, message: string, headers: Record<string, string> = {}): void {
  for (const [k, v] of Object.entries(headers)) res.setHeader(k, v);
  // A body the client still sends is not read: close the connection after answering.
  if (req.headers['content-length'] !== undefined || req.headers['transfer-encoding'] !== undefined) res.setHeader('Connection', 'close');
  json(res, status, { error: message });
}

/** The observer as a request handler for any `node:http` server. Starts sampling `runtime` at once. */
export function observerHandler(runtime: Runtime, opts: ObserverHandlerOptions = {}): ObserverRequestHandler {
  if (opts.allowRemote === true && (opts.token === undefined || opts.token.length < 16))
    throw new ObserverConfigError('serving clients from other hosts needs a token of at least 16 characters');
  const observer = new Observer(runtime);
  // prom-client loads on the first scrape: an `up` nobody scrapes never pays for it.
  let registry: Promise<Registry> | undefined;
  const registryOf = (): Promise<Registry> => (registry ??= import('./metrics.js').then((m) => m.observerRegistry(observer)));
  const base = (opts.basePath ?? '').replace(/\/+$/, '');
  const streams = new Set<ServerResponse>();

  const handle = (req: IncomingMessage, res: ServerResponse): void => {
    const target = req.url ?? '/';
    if (target.length > MAX_OBSERVER_URL) return refuse(req, res, 414, `request target over ${MAX_OBSERVER_URL} bytes`);
    if (opts.allowRemote !== true) {
      if (!isLoopback(req.socket.remoteAddress)) return refuse(req, res, 403, 'the observer serves this host only (see docs/observer.md)');
      // A page of another site that resolves its name to 127.0.0.1 (DNS rebinding) sends its own Host.
      if (!LOOPBACK_HOST.test(req.headers.host ?? ''))
        return refuse(req, res, 403, 'Host must name this host (localhost or a loopback address)');
    }
    let url: URL;
    try {
      url = new URL(target, 'http://observer');
    } catch {
      return refuse(req, res, 400, 'bad request target');
    }
    let path = url.pathname;
    if (base !== '') {
      if (path === base) {
        res.writeHead(308, { Location: `${base}/${url.search}` });
        return void res.end();
      }
      if (!path.startsWith(`${base}/`)) return refuse(req, res, 404, `no such path: ${path}`);
      path = path.slice(base.length);
    }
    // The page and its script hold no figures: they load without the token and send it with every call.
    const open = path === '/' || path === '/observer.js';
    if (opts.token !== undefined && !open && !tokenOk(req, url, opts.token))
      return refuse(req, res, 401, 'a token is required (Authorization: Bearer <token>, or ?token=)', { 'WWW-Authenticate': 'Bearer' });
    // Bodies are never needed: a chunked one (no length to check first) is refused, a long one too.
    if (req.headers['transfer-encoding'] !== undefined) return refuse(req, res, 411, 'a body needs a Content-Length');
    const length = Number(req.headers['content-length'] ?? 0);
    if (!(length <= MAX_OBSERVER_BODY)) return refuse(req, res, 413, `request body over ${MAX_OBSERVER_BODY} bytes`);
    const head = req.method === 'HEAD';
    if (req.method === 'POST') {
      const m = /^\/api\/groups\/([^/]+)\/([^/]+)\/(pause|resume|rollback)$/.exec(path);
      if (m === null) return refuse(req, res, 404, `no such path: ${path}`);
      if (opts.controls !== true) return refuse(req, res, 403, 'the observer is read-only (start it with controls)');
      void control(req, res, m[1] as string, m[2] as string, m[3] as 'pause' | 'resume' | 'rollback');
      return;
    }
    if (req.method !== 'GET' && !head) return refuse(req, res, 405, `method ${req.method ?? ''} not allowed`, { Allow: 'GET, HEAD, POST' });
    switch (path) {
      case '/':
        return send(res, 200, 'text/html; charset=utf-8', OBSERVER_PAGE, head);
      case '/observer.js':
        return send(res, 200, 'text/javascript; charset=utf-8', OBSERVER_SCRIPT, head);
      case '/api/snapshot':
        return json(res, 200, { ...observer.snapshot(), controls: opts.controls === true }, head);
      case '/api/actors':
        return json(res, 200, observer.snapshot().actors, head);
      case '/api/groups':
        void observer.refreshGroups().then(
          () => json(res, 200, observer.snapshot().groups, head),
          (err: unknown) => json(res, 500, { error: String(err) }),
        );
        return;
      case '/api/events': {
        const after = Number(url.searchParams.get('after') ?? 0);
        return json(res, 200, observer.events(Number.isFinite(after) ? after : 0), head);
      }
      case '/api/stream':
        return stream(req, res, head);
      case '/metrics':
        registryOf()
          .then(async (r) => send(res, 200, r.contentType, await r.metrics(), head))
          .catch((err: unknown) => json(res, 500, { error: String(err) }));
        return;
      default:
        return refuse(req, res, 404, `no such path: ${path}`);
    }
  };

  function stream(req: IncomingMessage, res: ServerResponse, head: boolean): void {
    if (streams.size >= MAX_OBSERVER_STREAMS) return refuse(req, res, 503, `over ${MAX_OBSERVER_STREAMS} event streams open`);
    res.writeHead(200, {
      'Content-Type': 'text/event-stream',
      'Cache-Control': 'no-store',
      Connection: 'keep-alive',
      'X-Accel-Buffering': 'no',
    });
    if (head) return void res.end();
    streams.add(res);
    const write = (event: string, data: unknown) => {
      // A client that does not read is dropped rather than buffered without bound.
      if (res.writableLength > 4 * 1024 * 1024) return void res.destroy();
      res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
    };
    write('snapshot', { ...observer.snapshot(), controls: opts.controls === true });
    for (const e of observer.events()) write('log', e);
    const off = observer.subscribe((kind, data) => write(kind === 'snapshot' ? 'snapshot' : 'log', data));
    const end = () => {
      off();
      streams.delete(res);
    };
    res.on('close', end);
    req.socket.setTimeout(0);
  }

  async function control(req: IncomingMessage, res: ServerResponse, plugin: string, id: string, verb: 'pause' | 'resume' | 'rollback') {
    req.resume(); // a small body (at most MAX_OBSERVER_BODY) is read and dropped
    try {
      const client = groupClient(runtime, decodeURIComponent(plugin));
      const gid = decodeURIComponent(id);
      const r = verb === 'pause' ? await client.pause(gid) : verb === 'resume' ? await client.resume(gid) : await client.rollback(gid);
      json(res, 200, r);
      void observer.refreshGroups();
    } catch (err) {
      const e = err as { message?: string; code?: string };
      json(res, 409, { error: e.message ?? String(err), code: e.code });
    }
  }

  return Object.assign(handle, {
    observer,
    close() {
      for (const s of streams) s.end();
      streams.clear();
      observer.close();
    },
  });
}

export interface StartObserverOptions extends ObserverHandlerOptions {
  /** Default 127.0.0.1. Another address than loopback needs `allowRemote` (and so a token). */
  readonly host?: string;
  /**
   * Default `DEFAULT_OBSERVER_PORT`; 0 for any free port. Unless `exactPort`, a taken port moves to the
   * next, up to `OBSERVER_PORT_TRIES` of them, and then to any free port.
   */
  readonly port?: number;
  readonly exactPort?: boolean;
  /** Slow clients: headers within `headersMs` (default 10 s), the whole request within `requestMs` (15 s), checked every `checkEveryMs` (1 s). */
  readonly timeouts?: { readonly headersMs?: number; readonly requestMs?: number; readonly checkEveryMs?: number };
}

export interface ObserverServer {
  readonly url: string;
  readonly host: string;
  readonly port: number;
  readonly server: Server;
  readonly observer: Observer;
  close(): Promise<void>;
}

/** The observer on its own HTTP server; resolves once it listens. */
export async function startObserver(runtime: Runtime, opts: StartObserverOptions = {}): Promise<ObserverServer> {
  const host = opts.host ?? '127.0.0.1';
  if (!isLoopback(host) && host !== 'localhost' && opts.allowRemote !== true)
    throw new ObserverConfigError(`${host} is not a loopback address: serving other hosts needs allowRemote and a token`);
  const handler = observerHandler(runtime, opts);
  const t = opts.timeouts ?? {};
  const server = createServer(
    {
      headersTimeout: t.headersMs ?? HEADERS_TIMEOUT_MS,
      requestTimeout: t.requestMs ?? REQUEST_TIMEOUT_MS,
      connectionsCheckingInterval: t.checkEveryMs ?? 1000,
    },
    handler,
  );
  server.maxConnections = MAX_OBSERVER_CONNECTIONS;
  server.keepAliveTimeout = 5000;
  const sockets = new Set<Socket>();
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  server.on('clientError', (err: NodeJS.ErrnoException, socket: Socket) => {
    const status = err.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? '408 Request Timeout' : '400 Bad Request';
    if (socket.writable) socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\n\r\n`);
    else socket.destroy();
  });
  const first = opts.port ?? DEFAULT_OBSERVER_PORT;
  const tries = opts.exactPort === true || first === 0 ? 1 : OBSERVER_PORT_TRIES + 1;
  let port = first;
  for (let i = 0; ; i++) {
    try {
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => {
          server.off('error', reject);
          resolve();
        });
      });
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EADDRINUSE' || i + 1 >= tries) {
        handler.close();
        throw err;
      }
      port = i + 2 >= tries ? 0 : port + 1;
    }
  }
  const bound = (server.address() as AddressInfo).port;
  const shown = host.includes(':') ? `[${host}]` : host;
  return {
    url: `http://${shown}:${bound}/`,
    host,
    port: bound,
    server,
    observer: handler.observer,
    async close() {
      handler.close();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const s of sockets) s.destroy();
      await closed;
    },
  };
}
