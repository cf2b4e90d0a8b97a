/**
 * A client for a plugin in another process (any language), over its unix socket (or TCP address),
 * speaking InfraKit's JSON-RPC. Framing and id matching by json-rpc-2.0's `JSONRPCClient`.
 *
 * Errors: `-32000` → `ApplicationError(message)` (InfraKit's plugin errors, compared by message);
 * `-32601` → `MethodNotFoundError`, `-32602` → `InvalidParamsError` (message kept); other codes and every
 * transport failure (refused, timeout, HTTP status, bad JSON, wrong id) → `RemoteError`.
 */
import { Agent } from 'node:http';
import { JSONRPCClient, JSONRPCErrorException, type JSONRPCResponse } from 'json-rpc-2.0';
import { ApplicationError, InfrakitError, InvalidParamsError, JsonRpcCode, RemoteError, reviveError } from '../runtime/errors.js';
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

/** Marks a transport failure carried through JSONRPCClient's error path (a code no server sends). */
const TRANSPORT = -1_000_001;

/** Calls one plugin in another process. Keep-alive connections; `close()` drops them. */
export class RemoteClient implements RemoteTarget {
  readonly address: PluginAddress;
  readonly timeoutMs: number;
  readonly #agent = new Agent({ keepAlive: true, maxFreeSockets: 10 });
  readonly #rpc: JSONRPCClient;

  constructor(address: string | PluginAddress, opts: RemoteClientOptions = {}) {
    this.address = typeof address === 'string' ? parsePluginAddress(address) : address;
    this.timeoutMs = opts.timeoutMs ?? clientTimeoutMs();
    this.#rpc = new JSONRPCClient((payload: { id?: unknown }) => this.#send(payload));
  }

  /** Call `method` with `params` (an object, as Go clients send). */
  async call(method: string, params: unknown = {}): Promise<unknown> {
    try {
      return await this.#rpc.request(method, params ?? {});
    } catch (err) {
      throw this.#mapError(method, err);
    }
  }

  /** Drop kept-alive connections. Idempotent. */
  close(): void {
    this.#agent.destroy();
  }

  async #send(payload: { id?: unknown }): Promise<void> {
    const id = payload.id as number;
    let response: unknown;
    try {
      const text = await postJson(this.address, JSON.stringify(payload), { timeoutMs: this.timeoutMs, agent: this.#agent });
      try {
        response = JSON.parse(text);
      } catch {
        throw new RemoteError(`plugin at ${formatPluginAddress(this.address)} answered something that is not JSON: ${text.slice(0, 200)}`);
      }
      const r = response as Partial<JSONRPCResponse> | null;
      if (typeof r !== 'object' || r === null || (r.result === undefined && r.error === undefined)) {
        throw new RemoteError(`plugin at ${formatPluginAddress(this.address)} answered no JSON-RPC response: ${text.slice(0, 200)}`);
      }
      // Go's client ignores the echoed id; we accept a matching one, or null (a server that failed early).
      if (r.id !== id) response = { ...r, id };
      if (r.error !== undefined && r.error !== null && typeof r.error !== 'object') {
        response = { jsonrpc: '2.0', id, error: { code: JsonRpcCode.Application, message: String(r.error) } };
      }
    } catch (err) {
      const e = err instanceof RemoteError ? err : new RemoteError(String(err), { cause: err });
      response = { jsonrpc: '2.0', id, error: { code: TRANSPORT, message: e.message, data: e } };
    }
    this.#rpc.receive(response as JSONRPCResponse);
  }

  #mapError(method: string, err: unknown): InfrakitError {
    if (err instanceof JSONRPCErrorException) {
      if (err.code === TRANSPORT && err.data instanceof RemoteError) return err.data;
      switch (err.code) {
        case JsonRpcCode.Application:
          return new ApplicationError(err.message);
        case JsonRpcCode.MethodNotFound:
          return reviveError({ name: 'MethodNotFoundError', code: 'IK_METHOD_NOT_FOUND', message: err.message, data: null });
        case JsonRpcCode.InvalidParams:
          return new InvalidParamsError(err.message);
        default:
          return new RemoteError(`${method} on ${formatPluginAddress(this.address)} failed (${err.code}): ${err.message}`, {
            data: { code: err.code, data: (err.data as unknown) ?? null },
          });
      }
    }
    if (err instanceof InfrakitError) return err;
    return new RemoteError(`${method} on ${formatPluginAddress(this.address)} failed: ${String((err as Error)?.message ?? err)}`, {
      cause: err,
    });
  }
}
