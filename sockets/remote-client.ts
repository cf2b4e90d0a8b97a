/**
 * A client for one plugin in another process, at its unix socket (or TCP address),
 * speaking InfraKit's JSON-RPC: one HTTP POST per call, so the answer on that response is the
 * call's (no id matching across a connection). No JSON-RPC library: a request is one
 * `JSON.stringify`, an answer one `JSON.parse` and the checks below, which is all a CLI verb
 * needs to load besides node:http.
 *
 * Errors: `-32000` → `ApplicationError(message)` (InfraKit's plugin errors, compared by message);
 * `-32601` → `MethodNotFoundError`, `-32602` → `InvalidParamsError` (message kept); other codes and every
 * transport failure (refused, timeout, HTTP status, bad JSON, no JSON-RPC answer) → `RemoteError`.
 */
import { Agent } from 'node:http';
import { ApplicationError, type InfrakitError, InvalidParamsError, JsonRpcCode, RemoteError, reviveError } from '../runtime/errors.js';
import type { RemoteTarget } from '../runtime/actor-info.js';
import { tryParseGoDuration } from '../runtime/go-duration.js';
import { postJson } from './http-post.js';
import { formatPluginAddress, parsePluginAddress, type PluginAddress } from './plugin-address.js';

/** Go's default client timeout on unix sockets. */
export const DEFAULT_CLIENT_TIMEOUT_MS = 15_000;

/** `INFRAKIT_CLIENT_TIMEOUT` (a Go duration such as `15s`) in ms; default 15 s; `0` means none. */
export function clientTimeoutMs(env: NodeJS.ProcessEnv = process.env): number {
  const text = env['INFRAKIT_CLIENT_TIMEOUT'];
  if (text === undefined || text.trim() === '') return DEFAULT_CLIENT_TIMEOUT_MS;
  const ms = tryParseGoDuration(text);
  return ms === undefined || ms < 0 ? DEFAULT_CLIENT_TIMEOUT_MS : ms;
}

export interface RemoteClientOptions {
  /** Per-call deadline; default `clientTimeoutMs()`. */
  readonly timeoutMs?: number;
}

/** Calls one plugin in another process. Keep-alive connections; `close()` drops them. */
export class RemoteClient implements RemoteTarget {
  readonly address: PluginAddress;
  readonly timeoutMs: number;
  readonly #agent = new Agent({ keepAlive: true, maxFreeSockets: 10 });
  #nextId = 0;

  constructor(address: string | PluginAddress, opts: RemoteClientOptions = {}) {
    this.address = typeof address === 'string' ? parsePluginAddress(address) : address;
    this.timeoutMs = opts.timeoutMs ?? clientTimeoutMs();
  }

  /** Call `method` with `params` (an object, as Go clients send). */
  async call(method: string, params: unknown = {}): Promise<unknown> {
    const id = ++this.#nextId;
    const where = formatPluginAddress(this.address);
    let text: string;
    try {
      text = await postJson(this.address, JSON.stringify({ jsonrpc: '2.0', method, params: params ?? {}, id }), {
        timeoutMs: this.timeoutMs,
        agent: this.#agent,
      });
    } catch (err) {
      throw err instanceof RemoteError ? err : new RemoteError(String(err), { cause: err });
    }
    let response: unknown;
    try {
      response = JSON.parse(text);
    } catch {
      throw new RemoteError(`plugin at ${where} answered something that is not JSON: ${text.slice(0, 200)}`);
    }
    // Go's client ignores the echoed id, and so do we: the answer on this POST's response is this call's.
    const r = response as { result?: unknown; error?: unknown } | null;
    if (typeof r !== 'object' || r === null || (r.result === undefined && r.error === undefined)) {
      throw new RemoteError(`plugin at ${where} answered no JSON-RPC response: ${text.slice(0, 200)}`);
    }
    const error = r.error;
    // `"error": null` beside a result is a success (Go's v0.5 servers send both members).
    if (r.result !== undefined && (error === null || error === undefined)) return r.result;
    if (r.result === undefined && error !== null && error !== undefined) {
      // A server that sends a bare string as the error: InfraKit's plugins' way of failing, -32000.
      if (typeof error !== 'object') throw new ApplicationError(String(error));
      throw this.#mapError(method, error);
    }
    throw new RemoteError(`${method} on ${where} failed: the answer holds both a result and an error, or neither: ${text.slice(0, 200)}`);
  }

  /** Drop kept-alive connections. Idempotent. */
  close(): void {
    this.#agent.destroy();
  }

  #mapError(method: string, e: { code?: unknown; message?: unknown; data?: unknown }): InfrakitError {
    const message = typeof e.message === 'string' ? e.message : String(e.message ?? '');
    switch (e.code) {
      case JsonRpcCode.Application:
        return new ApplicationError(message);
      case JsonRpcCode.MethodNotFound:
        return reviveError({ name: 'MethodNotFoundError', code: 'IK_METHOD_NOT_FOUND', message, data: null });
      case JsonRpcCode.InvalidParams:
        return new InvalidParamsError(message);
      default:
        return new RemoteError(`${method} on ${formatPluginAddress(this.address)} failed (${String(e.code)}): ${message}`, {
          data: { code: typeof e.code === 'number' ? e.code : null, data: e.data ?? null },
        });
    }
  }
}
