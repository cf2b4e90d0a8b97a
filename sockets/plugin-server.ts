/**
 * One actor's plugin socket: an HTTP/1.1 server on `<pluginsDir>/<name>` that speaks InfraKit's wire:
 * `POST /` (JSON-RPC 2.0), `/info/api.json`, `/info/functions.json`, `GET /events` (event-stream.ts),
 * 404 for anything else. Every JSON-RPC outcome is HTTP 200; refusals before JSON-RPC are 405, 415,
 * 413 (never buffered whole) and 404 with `{"error": "..."}`, and 503 (`ServerBusyError`) over the
 * buffer budget or the connection limit. The endpoints and limits: docs/wire.md.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import type { Logger } from 'pino';
import { pino } from 'pino';
import { apiInfo } from './api-info.js';
import { ActorEventStream, type EventStreamOptions } from './event-stream.js';
import { dispatchJsonRpc, type DispatchOutcome } from './json-rpc-dispatch.js';
import type { PluginHost } from './plugin-host.js';
import { NestingMeter, rawTopLevelMembers } from './raw-members.js';
import { ByteBudget, DEFAULT_MAX_CONNECTIONS } from './byte-budget.js';
import { MAX_BODY_DEPTH } from './json-rpc-dispatch.js';
import { InfrakitError, ServerBusyError, toJsonRpcError } from '../runtime/errors.js';
import { bindUnixSocket, releaseUnixSocket, type BoundSocket } from './unix-listener.js';

/** Default largest request body: 4 MiB. */
export const DEFAULT_BODY_LIMIT = 4 * 1024 * 1024;

/** Server timeouts against slow or stuck clients (ms). */
export interface ServerTimeouts {
  /** Time to receive the request headers. Default 10 s. */
  readonly headersTimeout?: number;
  /** Time to receive the whole request (headers and body). Default 30 s. */
  readonly requestTimeout?: number;
  /** Idle time of a keep-alive connection. Default 30 s (above Go's 10 s client idle timeout). */
  readonly keepAliveTimeout?: number;
  /** How long `close()` waits for calls in flight before cutting connections. Default 2 s. */
  readonly closeGraceMs?: number;
  /** After a 413, how long the rest of an oversized body is read and dropped before the connection is cut. Default 1 s. */
  readonly discardMs?: number;
}

export interface PluginServerOptions {
  /** The actor's name: socket `<pluginsDir>/<name>`. */
  readonly name: string;
  readonly pluginsDir: string;
  /** Largest request body in bytes; default 4 MiB. */
  readonly bodyLimit?: number;
  /** Requests and responses are logged at `debug` (InfraKit `--log 5`). Default: silent. */
  readonly logger?: Logger;
  readonly timeouts?: ServerTimeouts;
  /** `GET /events`: heartbeat interval and the backlog a slow client may build up. */
  readonly events?: EventStreamOptions;
  /** Bytes of request bodies held at once, shared with the other sockets of a front end. Default: its own 64 MiB. */
  readonly budget?: ByteBudget;
  /** Most connections open at once on this socket; more are answered 503 and closed. Default 256. */
  readonly maxConnections?: number;
}

/** A JSON-RPC error body (id null) for a refusal before the request could be read. */
function busyBody(err: ServerBusyError): string {
  const e = toJsonRpcError(err);
  return `${JSON.stringify({ jsonrpc: '2.0', error: { code: e.code, message: e.message, data: e.data }, id: null })}\n`;
}

const TRUNCATE_LOG_BODY = 4096;

/** `body`: text, or parts in bytes written one after another (corked: one writev, no copy). */
function sendJson(res: ServerResponse, status: number, body: string | readonly Uint8Array[], headers: Record<string, string> = {}): void {
  if (res.headersSent || res.destroyed) return;
  let length = 0;
  if (typeof body === 'string') length = Buffer.byteLength(body);
  else for (const part of body) length += part.byteLength;
  res.writeHead(status, {
    'Content-Type': 'application/json',
    'Content-Length': String(length),
    ...headers,
  });
  if (typeof body === 'string') {
    res.end(body);
    return;
  }
  res.cork();
  for (const part of body) res.write(part);
  res.end();
  res.uncork();
}

function refuse(res: ServerResponse, status: number, why: string, headers: Record<string, string> = {}): void {
  sendJson(res, status, `${JSON.stringify({ error: why })}\n`, headers);
}

function truncate(body: string | readonly Uint8Array[]): string {
  if (typeof body === 'string') {
    return body.length > TRUNCATE_LOG_BODY ? `${body.slice(0, TRUNCATE_LOG_BODY)}…(${body.length} chars)` : body;
  }
  // Bytes only for long answers: the start of the body is enough for a log line.
  const head = Buffer.concat(body.map((p) => p.subarray(0, TRUNCATE_LOG_BODY))).subarray(0, TRUNCATE_LOG_BODY);
  let n = 0;
  for (const p of body) n += p.byteLength;
  return `${head.toString('utf8')}…(${n} bytes)`;
}

/** The HTTP server of one actor. Create with `PluginServer.listen`. */
export class PluginServer {
  readonly name: string;
  readonly server: Server;
  readonly #host: PluginHost;
  readonly #bodyLimit: number;
  readonly #log: Logger;
  readonly #closeGraceMs: number;
  readonly #discardMs: number;
  readonly #events: ActorEventStream;
  readonly #budget: ByteBudget;
  readonly #maxConnections: number;
  #connections = 0;
  #refusedConnections = 0;
  #refusedRequests = 0;
  #bound: BoundSocket | undefined;
  #closing: Promise<void> | undefined;
  #seq = 0;

  private constructor(host: PluginHost, opts: PluginServerOptions) {
    this.name = opts.name;
    this.#host = host;
    this.#bodyLimit = opts.bodyLimit ?? DEFAULT_BODY_LIMIT;
    this.#log = (opts.logger ?? pino({ level: 'silent' })).child({ actor: opts.name });
    const t = opts.timeouts ?? {};
    this.#closeGraceMs = t.closeGraceMs ?? 2000;
    this.#discardMs = t.discardMs ?? 1000;
    this.#events = new ActorEventStream(host, opts.name, this.#log, opts.events);
    this.#budget = opts.budget ?? new ByteBudget();
    this.#maxConnections = opts.maxConnections ?? DEFAULT_MAX_CONNECTIONS;
    const requestTimeout = t.requestTimeout ?? 30_000;
    this.server = createServer({
      requestTimeout,
      headersTimeout: Math.min(t.headersTimeout ?? 10_000, requestTimeout),
      keepAliveTimeout: t.keepAliveTimeout ?? 30_000,
      connectionsCheckingInterval: Math.min(1000, requestTimeout),
    });
    // A client that half-closes after its request (shutdown(SHUT_WR)) still gets its answer; by default
    // node would abort the request on the client's FIN.
    (this.server as Server & { httpAllowHalfOpen: boolean }).httpAllowHalfOpen = true;
    // Count connections before HTTP sees them: one over the limit gets a 503 and is closed at once.
    const http = this.server.listeners('connection') as ((socket: Socket) => void)[];
    this.server.removeAllListeners('connection');
    this.server.on('connection', (socket: Socket) => {
      if (this.#connections >= this.#maxConnections) return this.#refuseConnection(socket);
      this.#connections++;
      socket.once('close', () => this.#connections--);
      for (const l of http) l.call(this.server, socket);
    });
    this.server.on('request', (req: IncomingMessage, res: ServerResponse) => this.#onRequest(req, res));
    // curl sends `Expect: 100-continue` for bodies over 1 KiB: refuse an oversized one before it is sent.
    this.server.on('checkContinue', (req: IncomingMessage, res: ServerResponse) => {
      if (this.#declaredTooLarge(req) || this.#declaredLength(req) > this.#budget.available) return this.#onRequest(req, res);
      res.writeContinue();
      return this.#onRequest(req, res);
    });
  }

  /** Bind the actor's socket; rejects with `SocketInUseError` when a live process holds it. */
  static async listen(host: PluginHost, opts: PluginServerOptions): Promise<PluginServer> {
    const s = new PluginServer(host, opts);
    s.#bound = await bindUnixSocket(s.server, opts.pluginsDir, opts.name);
    s.#log.debug({ path: s.#bound.path }, 'listening');
    return s;
  }

  /** The socket path. */
  get path(): string {
    if (this.#bound === undefined) throw new Error('not bound');
    return this.#bound.path;
  }

  get pidFile(): string {
    if (this.#bound === undefined) throw new Error('not bound');
    return this.#bound.pidFile;
  }

  /** Stop taking connections, let calls in flight finish (up to the grace time), remove socket and pid file. Idempotent. */
  close(): Promise<void> {
    this.#closing ??= this.#close();
    return this.#closing;
  }

  /** Connections open on this socket now. */
  get connections(): number {
    return this.#connections;
  }

  /** Connections refused since start (over `maxConnections`). */
  get refusedConnections(): number {
    return this.#refusedConnections;
  }

  /** Requests refused since start because the buffered-bytes budget was spent. */
  get refusedRequests(): number {
    return this.#refusedRequests;
  }

  /** The budget of buffered body bytes this socket draws on (shared across a front end). */
  get budget(): ByteBudget {
    return this.#budget;
  }

  /** Clients connected to `GET /events`. */
  get eventClients(): number {
    return this.#events.clients;
  }

  async #close(): Promise<void> {
    // Event streams never finish on their own: end them first so they do not hold the grace time.
    this.#events.close();
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.server.closeIdleConnections();
    const timer = setTimeout(() => this.server.closeAllConnections(), this.#closeGraceMs);
    await closed;
    clearTimeout(timer);
    if (this.#bound !== undefined) await releaseUnixSocket(this.#bound);
    this.#log.debug('closed');
  }

  #declaredTooLarge(req: IncomingMessage): boolean {
    return this.#declaredLength(req) > this.#bodyLimit;
  }

  #declaredLength(req: IncomingMessage): number {
    const len = Number(req.headers['content-length'] ?? 0);
    return Number.isFinite(len) ? len : 0;
  }

  /** 503 before HTTP is spoken: the raw answer, then the connection is closed. */
  #refuseConnection(socket: Socket): void {
    this.#refusedConnections++;
    const body = busyBody(
      new ServerBusyError(
        `plugin socket '${this.name}' has ${this.#maxConnections} connections open, its limit; connection refused, try again shortly`,
        {
          limit: 'connections',
          max: this.#maxConnections,
        },
      ),
    );
    socket.on('error', () => undefined);
    socket.end(
      `HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
    this.#dropSocket(socket);
  }

  /** Read and throw away whatever the client still sends, for a short while, then cut the connection. */
  #dropSocket(socket: Socket): void {
    socket.resume();
    const timer = setTimeout(() => socket.destroy(), this.#discardMs);
    timer.unref();
    socket.once('close', () => clearTimeout(timer));
  }

  #onRequest(req: IncomingMessage, res: ServerResponse): void {
    req.on('error', () => undefined);
    res.on('error', () => undefined);
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const path = q < 0 ? url : url.slice(0, q);
    try {
      if (path === '/') return this.#onRpc(req, res);
      if (path === '/info/api.json') return this.#onApiInfo(res);
      if (path === '/info/functions.json') return sendJson(res, 200, '{}\n');
      if (path === '/info/runtime.json') return this.#onRuntimeInfo(res);
      if (path === '/reload') return this.#onReload(req, res);
      if (path === '/events') return this.#onEvents(req, res, q < 0 ? '' : url.slice(q + 1));
      return refuse(res, 404, `404 page not found: ${path}`);
    } catch (err) {
      this.#log.error({ err }, 'request failed');
      return refuse(res, 500, 'internal error');
    }
  }

  #onEvents(req: IncomingMessage, res: ServerResponse, query: string): void {
    if (!this.#events.available) return refuse(res, 404, '404 page not found: /events');
    if (req.method !== 'GET') return refuse(res, 405, `events: GET method required, received ${req.method ?? ''}`, { Allow: 'GET' });
    if (this.#host.info(this.name) === undefined) return refuse(res, 404, `plugin not found:${this.name}`);
    this.#events.serve(req, res, new URLSearchParams(query));
  }

  /** What the runtime knows of this actor (status, code version, last reload): ours, not InfraKit's; `plugin ls` reads it. */
  #onRuntimeInfo(res: ServerResponse): void {
    const info = this.#host.info(this.name);
    if (info === undefined) return refuse(res, 404, `plugin not found:${this.name}`);
    const { name, kind, status, version, restarts, module, reload, failure } = info;
    return sendJson(res, 200, `${JSON.stringify({ name, kind, status, version, restarts, module, reload, failure })}\n`);
  }

  /**
   * `POST /reload`: hot reload of the actor's code (`infrakit-ts plugin reload`). 200 with the result once
   * the new code serves; 422 when it could not be loaded (the old code serves on); 404 from a host without reload.
   */
  #onReload(req: IncomingMessage, res: ServerResponse): void {
    req.resume();
    if (req.method !== 'POST') return refuse(res, 405, `reload: POST method required, received ${req.method ?? ''}`, { Allow: 'POST' });
    const host = this.#host;
    if (host.reload === undefined || host.info(this.name) === undefined) return refuse(res, 404, `404 page not found: /reload`);
    host.reload(this.name).then(
      (result) => sendJson(res, 200, `${JSON.stringify(result)}\n`),
      (err: unknown) => {
        const code = err instanceof InfrakitError ? err.code : 'IK_INTERNAL';
        const status = code === 'IK_RELOAD_FAILED' ? 422 : code === 'IK_ACTOR_NOT_FOUND' ? 404 : 503;
        sendJson(res, status, `${JSON.stringify({ error: err instanceof Error ? err.message : String(err), code })}\n`);
      },
    );
  }

  #onApiInfo(res: ServerResponse): void {
    const info = this.#host.info(this.name);
    if (info === undefined) return refuse(res, 404, `plugin not found:${this.name}`);
    if (info.manifest === undefined) return refuse(res, 503, `actor '${this.name}' is ${info.status}; try again shortly`);
    return sendJson(res, 200, `${JSON.stringify(apiInfo(info, info.manifest))}\n`);
  }

  #onRpc(req: IncomingMessage, res: ServerResponse): void {
    if (req.method !== 'POST') {
      return refuse(res, 405, `rpc: POST method required, received ${req.method ?? ''}`, { Allow: 'POST' });
    }
    const ct = (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
    if (ct !== '' && ct !== 'application/json') {
      return refuse(res, 415, `rpc: unrecognized Content-Type: ${req.headers['content-type'] ?? ''}`);
    }
    if (this.#declaredTooLarge(req)) return this.#tooLarge(req, res);
    if (this.#declaredLength(req) > this.#budget.available) return this.#busy(req, res);
    const chunks: Buffer[] = [];
    const meter = new NestingMeter();
    let size = 0;
    let held = 0;
    let over = false;
    // The bytes go back to the shared budget when the answer is sent or the connection closes.
    const release = (): void => {
      this.#budget.give(held);
      held = 0;
    };
    res.once('close', release);
    req.on('data', (chunk: Buffer) => {
      if (over) return;
      size += chunk.length;
      if (size > this.#bodyLimit) {
        over = true;
        chunks.length = 0;
        release();
        this.#tooLarge(req, res);
        return;
      }
      if (!this.#budget.tryTake(chunk.length)) {
        over = true;
        chunks.length = 0;
        release();
        this.#busy(req, res);
        return;
      }
      held += chunk.length;
      meter.push(chunk);
      chunks.push(chunk);
    });
    req.on('end', () => {
      if (over) return;
      const text = Buffer.concat(chunks, size).toString('utf8');
      chunks.length = 0;
      void this.#answer(res, text, meter.max);
    });
  }

  /** 503 with a JSON-RPC error: the front end holds as many body bytes as its budget allows. The body is dropped. */
  #busy(req: IncomingMessage, res: ServerResponse): void {
    this.#refusedRequests++;
    const b = this.#budget;
    const err = new ServerBusyError(
      `the socket front end holds ${b.used} bytes of unfinished requests, its limit is ${b.limit}; request refused, try again shortly`,
      { limit: 'buffered bytes', max: b.limit, buffered: b.used },
    );
    sendJson(res, 503, busyBody(err), { Connection: 'close' });
    this.#discard(req);
  }

  /**
   * 413 at once. The rest of the body is read and thrown away (never kept) for a short while so the
   * client, still writing, can read the answer instead of failing with EPIPE; then the connection is cut.
   */
  #tooLarge(req: IncomingMessage, res: ServerResponse): void {
    refuse(res, 413, `request body larger than ${this.#bodyLimit} bytes`);
    this.#discard(req);
  }

  #discard(req: IncomingMessage): void {
    if (req.complete) return;
    req.on('data', () => undefined);
    const timer = setTimeout(() => req.socket.destroy(), this.#discardMs);
    timer.unref();
    req.once('end', () => clearTimeout(timer));
    req.once('close', () => clearTimeout(timer));
  }

  async #answer(res: ServerResponse, text: string, depth: number): Promise<void> {
    const debug = this.#log.isLevelEnabled('debug');
    const seq = ++this.#seq;
    const started = performance.now();
    if (debug) this.#log.debug({ req: seq, ...(depth > MAX_BODY_DEPTH ? {} : peek(text)), body: truncate(text) }, 'request');
    const out: DispatchOutcome = await dispatchJsonRpc(this.#host, this.name, text, depth).catch((err: unknown) => {
      this.#log.error({ err }, 'dispatch failed');
      return { body: '{"jsonrpc":"2.0","error":{"code":-32603,"message":"internal error","data":null},"id":null}\n', errorCode: -32603 };
    });
    sendJson(res, 200, out.body);
    if (debug) {
      const ms = Math.round((performance.now() - started) * 1000) / 1000;
      this.#log.debug(
        {
          req: seq,
          method: out.method,
          id: out.id,
          ms,
          ...(out.errorCode === undefined ? {} : { code: out.errorCode }),
          body: truncate(typeof out.body === 'string' ? out.body.trimEnd() : out.body),
        },
        'response',
      );
    }
  }
}

/** Method and raw id of a request body, for the request log line (debug only). */
function peek(text: string): { method?: unknown; id?: string } {
  try {
    const v: unknown = JSON.parse(text);
    if (typeof v !== 'object' || v === null || Array.isArray(v)) return {};
    const id = rawTopLevelMembers(text).get('id');
    return { method: (v as Record<string, unknown>)['method'], ...(id === undefined ? {} : { id }) };
  } catch {
    return {};
  }
}
