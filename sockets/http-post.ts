/**
 * POST a JSON body to a plugin (unix socket or TCP) and read the whole answer, with a deadline.
 * Transport failures (refused, reset, timeout, non-200) reject with `RemoteError`.
 */
import { type Agent, type ClientRequest, request } from 'node:http';
import { RemoteError } from '../runtime/errors.js';
import { formatPluginAddress, type PluginAddress } from './plugin-address.js';

/** Largest answer read from a plugin: 64 MiB. */
export const MAX_RESPONSE_BYTES = 64 * 1024 * 1024;

export interface PostOptions {
  readonly timeoutMs: number;
  readonly agent?: Agent;
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

export function postJson(address: PluginAddress, body: string, opts: PostOptions): Promise<string> {
  const where = formatPluginAddress(address);
  return new Promise<string>((resolve, reject) => {
    let settled = false;
    const finish = (err: Error | undefined, text?: string): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (err !== undefined) reject(err);
      else resolve(text ?? '');
    };
    const req = request(
      {
        method: opts.method ?? 'POST',
        path: opts.path ?? '/',
        ...(address.kind === 'unix' ? { socketPath: address.socketPath, host: 'rpc' } : { host: address.host, port: address.port }),
        headers: opts.method === 'GET' ? {} : { 'Content-Type': 'application/json', 'Content-Length': String(Buffer.byteLength(body)) },
        ...(opts.agent === undefined ? {} : { agent: opts.agent }),
      },
      (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (c: Buffer) => {
          size += c.length;
          if (size > MAX_RESPONSE_BYTES) {
            req.destroy();
            finish(new RemoteError(`plugin at ${where} answered more than ${MAX_RESPONSE_BYTES} bytes`));
            return;
          }
          chunks.push(c);
        });
        res.on('error', (err: Error) => finish(new RemoteError(`plugin at ${where}: ${err.message}`, { cause: err })));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          if (res.statusCode !== 200) {
            finish(
              new RemoteError(`plugin at ${where} answered HTTP ${res.statusCode ?? '?'}: ${text.trim().slice(0, 500)}`, {
                data: { status: res.statusCode ?? null },
              }),
            );
          } else finish(undefined, text);
        });
      },
    );
    // A timeout of 0 means none (as INFRAKIT_CLIENT_TIMEOUT=0 in Go).
    const timer =
      opts.timeoutMs > 0
        ? setTimeout(() => {
            finish(new RemoteError(`plugin at ${where} did not answer within ${opts.timeoutMs} ms`));
            req.destroy();
          }, opts.timeoutMs)
        : undefined;
    guardSocketErrors(req);
    req.on('error', (err: NodeJS.ErrnoException) => {
      finish(new RemoteError(`plugin at ${where} could not be reached: ${err.code ?? err.message}`, { cause: err }));
    });
    req.end(opts.method === 'GET' ? undefined : body);
  });
}
