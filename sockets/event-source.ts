/**
 * A client of a plugin's `GET /events` (Server-Sent Events): ours, or Go InfraKit's broker.
 * `const sub = await subscribeEvents(socketPath, { topic: 'group', onEvent })`; `sub.served` is false
 * when the plugin publishes no events (poll instead); `await sub.ended` resolves when the server goes.
 * Our `StreamedEvent` records pass as they are; another server's become `{ type, actor: '', at, payload }`.
 */
import { request, type ClientRequest, type IncomingMessage } from 'node:http';
import { StringDecoder } from 'node:string_decoder';
import { RemoteError } from '../runtime/errors.js';
import type { StreamedEvent } from './event-stream.js';
import { formatPluginAddress, parsePluginAddress, type PluginAddress } from './plugin-address.js';

export interface SubscribeOptions {
  /** Topic(s): `group`, `group:changed`, `/group/changed`; none means every event. */
  readonly topic?: string | readonly string[];
  /** Called for every message, in order. */
  readonly onEvent: (e: StreamedEvent) => void;
  /** How long to wait for the response headers; default 5000 ms. */
  readonly connectTimeoutMs?: number;
  /** Closes the subscription when aborted. */
  readonly signal?: AbortSignal;
}

/** An open stream (`served: true`), or a plugin that serves no events (`served: false`, e.g. 404). */
export type EventSubscription =
  | {
      readonly served: true;
      /** Resolves when the stream ends: the server closed it, the connection broke, or `close()`. */
      readonly ended: Promise<void>;
      close(): void;
    }
  | { readonly served: false; readonly status: number };

/**
 * Open `GET /events` on a plugin. Resolves once the answer's headers arrive; rejects with `RemoteError`
 * when the plugin cannot be reached.
 */
export function subscribeEvents(address: string | PluginAddress, opts: SubscribeOptions): Promise<EventSubscription> {
  const a = typeof address === 'string' ? parsePluginAddress(address) : address;
  const topics = opts.topic === undefined ? [] : typeof opts.topic === 'string' ? [opts.topic] : [...opts.topic];
  const query = topics.length === 0 ? '' : `?${topics.map((t) => `topic=${encodeURIComponent(t)}`).join('&')}`;
  return new Promise<EventSubscription>((resolve, reject) => {
    let req: ClientRequest | undefined;
    const timer = setTimeout(() => {
      req?.destroy();
      reject(new RemoteError(`${formatPluginAddress(a)}: no answer to GET /events within ${opts.connectTimeoutMs ?? 5000} ms`));
    }, opts.connectTimeoutMs ?? 5000);
    req = request(
      {
        method: 'GET',
        path: `/events${query}`,
        agent: false,
        headers: { Accept: 'text/event-stream' },
        ...(a.kind === 'unix' ? { socketPath: a.socketPath, host: 'rpc' } : { host: a.host, port: a.port }),
      },
      (res) => {
        clearTimeout(timer);
        const ct = String(res.headers['content-type'] ?? '');
        if (res.statusCode !== 200 || !ct.startsWith('text/event-stream')) {
          res.resume();
          req?.destroy();
          resolve({ served: false, status: res.statusCode ?? 0 });
          return;
        }
        resolve(stream(req as ClientRequest, res, opts));
      },
    );
    req.on('error', (err) => {
      clearTimeout(timer);
      reject(new RemoteError(`${formatPluginAddress(a)}: ${err.message}`, { cause: err }));
    });
    req.end();
  });
}

function stream(req: ClientRequest, res: IncomingMessage, opts: SubscribeOptions): EventSubscription {
  let close = (): void => undefined;
  const ended = new Promise<void>((resolve) => {
    const done = (): void => {
      opts.signal?.removeEventListener('abort', close);
      resolve();
    };
    res.once('close', done);
    res.once('end', done);
    res.once('error', done);
    req.once('error', done);
    close = () => {
      req.destroy();
      res.destroy();
      done();
    };
  });
  if (opts.signal?.aborted) close();
  else opts.signal?.addEventListener('abort', close, { once: true });
  const decoder = new SseDecoder((block) => {
    const e = parseMessage(block);
    if (e !== undefined) opts.onEvent(e);
  });
  res.on('data', (chunk: Buffer) => decoder.push(chunk));
  return { served: true, ended, close: () => close() };
}

/**
 * Splits an SSE byte stream into message blocks, whatever the chunking: lines end with `\r\n`, `\r`
 * or `\n` (a `\r\n` split across two chunks is one ending), a blank line ends a message, a leading
 * BOM is dropped, and UTF-8 characters split across chunks are joined. Each block (its lines joined
 * with `\n`, without the blank line) goes to `onBlock`.
 */
export class SseDecoder {
  readonly #utf8 = new StringDecoder('utf8');
  readonly #onBlock: (block: string) => void;
  /** The unfinished line so far. */
  #partial = '';
  /** Lines of the message being read. */
  #lines: string[] = [];
  /** The last chunk ended with `\r`: a `\n` starting the next one belongs to that ending. */
  #afterCr = false;
  #started = false;

  constructor(onBlock: (block: string) => void) {
    this.#onBlock = onBlock;
  }

  push(chunk: Buffer | string): void {
    let text = typeof chunk === 'string' ? chunk : this.#utf8.write(chunk);
    if (text === '') return;
    if (!this.#started) {
      this.#started = true;
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    }
    let from = 0;
    if (this.#afterCr) {
      this.#afterCr = false;
      if (text.charCodeAt(0) === 10) from = 1;
    }
    for (let i = from; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (c !== 10 && c !== 13) continue;
      this.#line(this.#partial + text.slice(from, i));
      this.#partial = '';
      if (c === 13) {
        if (i + 1 === text.length) this.#afterCr = true;
        else if (text.charCodeAt(i + 1) === 10) i++;
      }
      from = i + 1;
    }
    this.#partial += text.slice(from);
  }

  #line(line: string): void {
    if (line !== '') {
      this.#lines.push(line);
      return;
    }
    if (this.#lines.length === 0) return;
    const block = this.#lines.join('\n');
    this.#lines = [];
    this.#onBlock(block);
  }
}

/** One SSE message block (lines without the blank separator); comments alone give `undefined`. */
export function parseMessage(block: string): StreamedEvent | undefined {
  let event = '';
  const data: string[] = [];
  for (const line of block.split('\n')) {
    if (line === '' || line.startsWith(':')) continue;
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
    if (field === 'event') event = value;
    else if (field === 'data') data.push(value);
  }
  if (data.length === 0 && event === '') return undefined;
  const text = data.join('\n');
  let payload: unknown = text;
  try {
    payload = JSON.parse(text);
  } catch {
    // not JSON: keep the text
  }
  if (isStreamedEvent(payload)) return payload;
  return { type: event === '' ? 'message' : event, actor: '', at: new Date().toISOString(), payload };
}

function isStreamedEvent(v: unknown): v is StreamedEvent {
  if (typeof v !== 'object' || v === null) return false;
  const o = v as Record<string, unknown>;
  return typeof o['type'] === 'string' && typeof o['actor'] === 'string' && typeof o['at'] === 'string' && 'payload' in o;
}
