/**
 * One place that builds etcd clients for the HA layer, with settings that suit leadership: every
 * unary call has a deadline (`callTimeoutMs`, default 2 s), so a down or cut-off etcd fails calls in
 * bounded time instead of hanging; no circuit breaker (etcd3's default opens for 5 s after three
 * failures, stretching every outage by 5 s): each call tries each endpoint once, in random order;
 * the watch reconnect backoff is capped at 1 s (etcd3's default grows to 30 s).
 * etcd3 is an optional package, loaded here (top-level await): without it, importing this module fails
 * with `--store etcd needs the optional package etcd3: npm install etcd3`.
 */
import type { Etcd3, IOptions } from 'etcd3';
import { parseEndpoints } from './etcd-endpoints.js';
import { loadEtcd3 } from './etcd3-module.js';

const etcd3 = await loadEtcd3();
const { isRecoverableError } = etcd3;
/** Re-exported from the loaded etcd3, so that no other module imports etcd3's values itself. */
export const { EtcdLeaseInvalidError } = etcd3;

export { parseEndpoints };

export interface EtcdConnectOptions {
  /** Client URLs, e.g. `['http://127.0.0.1:2379']`. */
  readonly endpoints: readonly string[];
  /** Deadline of each unary call; default 2000 ms. */
  readonly callTimeoutMs?: number;
  /** Deadline of the first connection; default 2000 ms. */
  readonly dialTimeoutMs?: number;
}

type FaultHandling = NonNullable<IOptions['faultHandling']>;
type Policy = ReturnType<NonNullable<FaultHandling['host']>>;

/** cockatiel's policy shape, reduced to what etcd3 calls (`execute`). */
function policy(attempts: number): Policy {
  const p = {
    async execute<T>(fn: (ctx: { signal: AbortSignal; attempt: number }) => Promise<T> | T): Promise<T> {
      const signal = new AbortController().signal;
      for (let attempt = 1; ; attempt++) {
        try {
          return await fn({ signal, attempt });
        } catch (err) {
          if (attempt >= attempts || !(err instanceof Error) || !isRecoverableError(err)) throw err;
        }
      }
    },
  };
  return p as unknown as Policy;
}

/** A backoff of `ms`, then `ms` again (cockatiel's IBackoff shape). */
function constantBackoff(ms: number): NonNullable<FaultHandling['watchBackoff']> {
  const b = { duration: ms, next: () => b };
  return b;
}

export function createEtcdClient(options: EtcdConnectOptions): Etcd3 {
  const endpoints = parseEndpoints(options.endpoints);
  if (endpoints.length === 0) throw new Error('etcd: no endpoints given (use --etcd-endpoints host:port[,host:port])');
  const callTimeoutMs = options.callTimeoutMs ?? 2000;
  return new etcd3.Etcd3({
    hosts: endpoints,
    dialTimeout: options.dialTimeoutMs ?? 2000,
    defaultCallOptions: (ctx) => (ctx.isStream ? {} : { deadline: Date.now() + callTimeoutMs }),
    faultHandling: {
      host: () => policy(1),
      global: policy(endpoints.length),
      watchBackoff: constantBackoff(1000),
    },
    grpcOptions: {
      // Reconnect quickly after an outage. (No gRPC keepalive pings: etcd answers pings more frequent
      // than its --grpc-keepalive-min-time, 5 s, with GOAWAY; call deadlines bound every wait instead.)
      'grpc.initial_reconnect_backoff_ms': 200,
      'grpc.max_reconnect_backoff_ms': 1000,
    },
  });
}

/** Whether an error means "etcd could not be reached / did not answer" (as opposed to a refusal). */
export function isUnavailable(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  if (isRecoverableError(err)) return true;
  return /deadline|unavailable|ECONNREFUSED|No connection established|timed out|cancelled|closed/i.test(`${err.name} ${err.message}`);
}
