/**
 * `GET /events` of one actor's socket: the actor's runtime events as Server-Sent Events, as Go
 * InfraKit serves `/events?topic=/a/b` (docs/go-compat.md #2; format in docs/wire.md, "Events").
 * Subscribes to the host only while a client listens; a client that stops reading is cut off past a
 * backlog limit; `: heartbeat` every 15 s keeps idle connections alive.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import { topicMatches, topicsOf } from './event-topics.js';
import type { PluginHost, PluginHostLifecycleEvents } from './plugin-host.js';

/** The JSON in the `data:` line of every message. */
export interface StreamedEvent {
  /** The event type, also the SSE `event:` field: `group:changed`, `actor:restarted`, … */
  readonly type: string;
  /** The actor whose socket serves the stream. */
  readonly actor: string;
  /** When the front end forwarded it (ISO 8601). */
  readonly at: string;
  /** What the actor passed to `ctx.emit(type, payload)`, or the lifecycle event's fields. */
  readonly payload: unknown;
}

export interface EventStreamOptions {
  /** Interval of `: heartbeat` comments; default 15 000 ms. */
  readonly heartbeatMs?: number;
  /** A client whose unsent backlog passes this many bytes is disconnected; default 1 MiB. */
  readonly maxBacklogBytes?: number;
}

/** Lifecycle events forwarded for the actor they name (`e.name`). */
const LIFECYCLE = [
  'actor:started',
  'actor:exited',
  'actor:restarted',
  'actor:failed',
  'mailbox:full',
  'actor:reloading',
  'actor:reloaded',
  'actor:reload-failed',
] as const;

interface Client {
  readonly res: ServerResponse;
  readonly topics: readonly string[];
}

/** The SSE broker of one actor's socket. */
export class ActorEventStream {
  readonly #host: PluginHost;
  readonly #name: string;
  readonly #log: Logger;
  readonly #heartbeatMs: number;
  readonly #maxBacklog: number;
  readonly #clients = new Set<Client>();
  #heartbeat: NodeJS.Timeout | undefined;
  #closed = false;
  readonly #onActorEvent = (e: { actor: string; type: string; payload: unknown }): void => {
    if (e.actor === this.#name) this.#publish(e.type, e.payload);
  };
  readonly #onLifecycle = new Map<keyof PluginHostLifecycleEvents, (e: { name: string }) => void>(
    LIFECYCLE.map((type) => [type, (e: { name: string }) => void (e.name === this.#name && this.#publish(type, e))]),
  );

  constructor(host: PluginHost, name: string, log: Logger, opts: EventStreamOptions = {}) {
    this.#host = host;
    this.#name = name;
    this.#log = log;
    this.#heartbeatMs = opts.heartbeatMs ?? 15_000;
    this.#maxBacklog = opts.maxBacklogBytes ?? 1024 * 1024;
  }

  /** Whether the host publishes events at all; without them `/events` is a 404. */
  get available(): boolean {
    return this.#host.on !== undefined && this.#host.off !== undefined;
  }

  /** Connected clients (for tests and diagnostics). */
  get clients(): number {
    return this.#clients.size;
  }

  /** Take one `GET /events` request: answer the headers and keep the response open. */
  serve(req: IncomingMessage, res: ServerResponse, query: URLSearchParams): void {
    if (this.#closed) {
      res.writeHead(503, { 'Content-Type': 'application/json', Connection: 'close' });
      res.end(`${JSON.stringify({ error: 'the plugin socket is closing' })}\n`);
      return;
    }
    const client: Client = { res, topics: topicsOf(query) };
    // A stream stays open for as long as the client wants: no idle timeout on its socket. `Connection:
    // close` makes ending the response (server close) close the connection too.
    req.socket.setTimeout(0);
    req.socket.setNoDelay(true);
    res.writeHead(200, {
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-cache',
      Connection: 'close',
      'X-Accel-Buffering': 'no',
    });
    res.write(`: ${this.#name} events${client.topics.length > 0 ? ` (topic ${client.topics.join(', ')})` : ''}\n\n`);
    const drop = (): void => this.#drop(client);
    res.once('close', drop);
    req.once('close', drop);
    this.#clients.add(client);
    if (this.#clients.size === 1) this.#subscribe();
    this.#log.debug({ topics: client.topics, clients: this.#clients.size }, 'events client connected');
  }

  /** End every stream and stop listening to the host. Idempotent. */
  close(): void {
    this.#closed = true;
    for (const c of [...this.#clients]) {
      this.#clients.delete(c);
      c.res.end();
    }
    this.#unsubscribe();
  }

  #publish(type: string, payload: unknown): void {
    if (this.#clients.size === 0) return;
    let text: string;
    try {
      const event: StreamedEvent = { type, actor: this.#name, at: new Date().toISOString(), payload: payload ?? null };
      text = `event: ${type.replace(/[\r\n]/g, ' ')}\ndata: ${JSON.stringify(event)}\n\n`;
    } catch (err) {
      this.#log.warn({ err, type }, 'event payload is not JSON; not streamed');
      return;
    }
    for (const c of this.#clients) if (topicMatches(c.topics, type)) this.#write(c, text);
  }

  #write(c: Client, text: string): void {
    if (c.res.destroyed || c.res.writableEnded) return this.#drop(c);
    c.res.write(text);
    if (c.res.writableLength > this.#maxBacklog) {
      this.#log.warn({ backlog: c.res.writableLength }, 'events client does not read; disconnected');
      c.res.destroy();
      this.#drop(c);
    }
  }

  #drop(c: Client): void {
    if (!this.#clients.delete(c)) return;
    this.#log.debug({ clients: this.#clients.size }, 'events client gone');
    if (this.#clients.size === 0) this.#unsubscribe();
  }

  #subscribe(): void {
    const host = this.#host;
    if (host.on === undefined) return;
    host.on('actor:event', this.#onActorEvent);
    for (const [type, fn] of this.#onLifecycle) host.on(type, fn);
    this.#heartbeat = setInterval(() => {
      for (const c of this.#clients) this.#write(c, ': heartbeat\n\n');
    }, this.#heartbeatMs);
    this.#heartbeat.unref();
  }

  #unsubscribe(): void {
    clearInterval(this.#heartbeat);
    this.#heartbeat = undefined;
    const host = this.#host;
    if (host.off === undefined) return;
    host.off('actor:event', this.#onActorEvent);
    for (const [type, fn] of this.#onLifecycle) host.off(type, fn);
  }
}
