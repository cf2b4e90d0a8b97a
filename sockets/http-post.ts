/**
 * The project's HTTP client: one request to a plugin (unix socket or TCP), the whole answer read, with a
 * deadline (`httpRequest`); `postJson` on top wants a 200; `tryRequest` never rejects (probes, load).
 */
import { type Agent, type ClientRequest, request } from 'node:http';
import { RemoteError } from '../runtime/errors.js';
import { formatPluginAddress, type PluginAddress } from './plugin-address.js';

/** Largest answer read from a plugin: 64 MiB. */
export const MAX_RESPONSE_BYTES = 64 * 1024 * 1024;

export interface PostOptions {
  readonly timeoutMs: number;
  /** `false`: a connection of its own (no pooling). */
  readonly agent?: Agent | false;
  readonly path?: string;
  /** Default `POST`; a `GET` sends no body. */
  readonly method?: 'GET' | 'POST';
}

const swallow = (): void => undefined;

/**
 * Keeps a client socket's write errors from ending the process. Node's http client takes its own
 * 'error' listener off a keep-alive socket when the response ends, and gives the socket back to the
 * agent a tick later; a body write that fails in between (EPIPE: the server answered early, say 413,
 * and closed) is emitted with no listener, an uncaught exception. The request still sees the error
 * through its own listener; this one only closes the gap. Once per socket, however often it is reused.
 */
export function guardSocketErrors(req: ClientRequest): void {
  req.on('socket', (s) => {
    if (!s.listeners('error').includes(swallow)) s.on('error', swallow);
  });
}

/** Why a request got no whole answer. */
type HttpFailure = 'timeout' | 'unreachable' | 'reset' | 'too-large';

/** A whole answer, whatever its status. */
export interface HttpAnswer {
  readonly status: number;
  readonly body: string;
}

/** A request that got no whole answer: why, and the message `RemoteError` carries. */
class NoAnswer extends Error {
  constructor(
    readonly failure: HttpFailure,
    message: string,
    cause?: unknown,
  ) {
    super(message, cause === undefined ? undefined : { cause });
  }
}

/** One request; rejects with `NoAnswer` only. */
function exchange(to: PluginAddress, body: string | Buffer | undefined, opts: PostOptions): Promise<HttpAnswer> {
  const where = formatPluginAddress(to);
  const method = opts.method ?? 'POST';
  return new Promise<HttpAnswer>((resolve, reject) => {
    let settled = false;
    const finish = (err: NoAnswer | undefined, answer?: HttpAnswer): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (err !== undefined) reject(err);
      else resolve(answer as HttpAnswer);
    };
    const req = request(
      {
        method,
        path: opts.path ?? '/',
        ...(to.kind === 'unix' ? { socketPath: to.socketPath, host: 'rpc' } : { host: to.host, port: to.port }),
        headers: method === 'GET' ? {} : { 'Content-Type': 'application/json', 'Content-Length': String(Buffer.byteLength(body ?? '')) },
        ...(opts.agent === undefined ? {} : { agent: opts.agent }),
      },
      (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (c: Buffer) => {
          size += c.length;
          if (size > MAX_RESPONSE_BYTES) {
            req.destroy();
            finish(new NoAnswer('too-large', `plugin at ${where} answered more than ${MAX_RESPONSE_BYTES} bytes`));
            return;
          }
          chunks.push(c);
        });
        res.on('error', (err: Error) => finish(new NoAnswer('reset', `plugin at ${where}: ${err.message}`, err)));
        res.on('end', () => finish(undefined, { status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
      },
    );
    const timer =
      opts.timeoutMs > 0
        ? setTimeout(() => {
            finish(new NoAnswer('timeout', `plugin at ${where} did not answer within ${opts.timeoutMs} ms`));
            req.destroy();
          }, opts.timeoutMs)
        : undefined;
    guardSocketErrors(req);
    req.on('error', (err: NodeJS.ErrnoException) =>
      finish(new NoAnswer('unreachable', `plugin at ${where} could not be reached: ${err.code ?? err.message}`, err)),
    );
    req.end(method === 'GET' ? undefined : body);
  });
}

const addressOf = (a: PluginAddress | string): PluginAddress => (typeof a === 'string' ? { kind: 'unix', socketPath: a } : a);

/**
 * One HTTP request to a plugin (`address` may be a unix socket's path); resolves with the status and
 * the whole body, whatever the status. Rejects with `RemoteError` when no whole answer comes: the
 * plugin cannot be reached, cuts the answer, sends more than `MAX_RESPONSE_BYTES`, or misses
 * `timeoutMs` (0: no deadline, as INFRAKIT_CLIENT_TIMEOUT=0 in Go). The project's one HTTP client:
 * the CLI, relays to other processes, tests and benches all go through it.
 */
export async function httpRequest(
  address: PluginAddress | string,
  body: string | Buffer | undefined,
  opts: PostOptions,
): Promise<HttpAnswer> {
  try {
    return await exchange(addressOf(address), body, opts);
  } catch (err) {
    if (!(err instanceof NoAnswer)) throw err;
    throw new RemoteError(err.message, err.cause === undefined ? undefined : { cause: err.cause });
  }
}

/** POST (or GET) to a plugin and resolve with the body of a 200 answer; any other status rejects with `RemoteError`. */
export async function postJson(address: PluginAddress, body: string, opts: PostOptions): Promise<string> {
  const a = await httpRequest(address, body, opts);
  if (a.status === 200) return a.body;
  throw new RemoteError(`plugin at ${formatPluginAddress(address)} answered HTTP ${a.status}: ${a.body.trim().slice(0, 500)}`, {
    data: { status: a.status },
  });
}

/** How a request that never rejects ended: a status, or why there was none. */
export type TriedStatus = number | 'timeout' | 'reset';

/**
 * `httpRequest` that never rejects, for probes and load generators that tally outcomes: `timeout` when
 * `timeoutMs` passed, `reset` for any other failure; `ms` from the call to the end of the answer.
 */
export async function tryRequest(
  address: PluginAddress | string,
  body: string | Buffer | undefined,
  opts: PostOptions,
): Promise<{ status: TriedStatus; body: string; ms: number }> {
  const t0 = performance.now();
  try {
    const a = await exchange(addressOf(address), body, opts);
    return { ...a, ms: performance.now() - t0 };
  } catch (err) {
    if (!(err instanceof NoAnswer)) throw err;
    return { status: err.failure === 'timeout' ? 'timeout' : 'reset', body: '', ms: performance.now() - t0 };
  }
}
