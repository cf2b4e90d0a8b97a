/**
 * Ports for instances that serve something (`Properties.Port`): a number (taken as given), `0` (any
 * free port), or a range `"8081-8089"` (the first port no live instance holds and that binds now).
 * The pick is a probe, not a reservation: another program could take the port before the child
 * listens. Callers pick one at a time (under a lock) and pass ports of starting instances in `taken`.
 */
import { createServer } from 'node:net';

export type PortSpec =
  | { readonly kind: 'fixed'; readonly port: number }
  | { readonly kind: 'any' }
  | { readonly kind: 'range'; readonly from: number; readonly to: number };

/** Parse `Properties.Port`; throws a plain Error naming the field. */
export function parsePortSpec(raw: unknown): PortSpec | undefined {
  if (raw === undefined || raw === null) return undefined;
  const bad = (): never => {
    throw new Error(`Properties.Port must be a port number (0 = any free port) or a range like "8081-8089", got ${JSON.stringify(raw)}`);
  };
  const port = (v: number): number => (Number.isInteger(v) && v >= 0 && v <= 65535 ? v : bad());
  if (typeof raw === 'number') {
    const p = port(raw);
    return p === 0 ? { kind: 'any' } : { kind: 'fixed', port: p };
  }
  if (typeof raw !== 'string') return bad();
  const m = /^\s*(\d{1,5})\s*(?:-\s*(\d{1,5})\s*)?$/.exec(raw);
  if (m === null) return bad();
  const from = port(Number(m[1]));
  if (m[2] === undefined) return from === 0 ? { kind: 'any' } : { kind: 'fixed', port: from };
  const to = port(Number(m[2]));
  if (from < 1 || to < from) return bad();
  return { kind: 'range', from, to };
}

/** Can a TCP server bind `port` (all interfaces) right now? `0` binds any port and returns it. */
function probe(port: number): Promise<number | undefined> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.unref();
    srv.once('error', () => resolve(undefined));
    srv.listen({ port, exclusive: true }, () => {
      const addr = srv.address();
      const got = typeof addr === 'object' && addr !== null ? addr.port : undefined;
      srv.close(() => resolve(got));
    });
  });
}

/** A port for a new instance, or an Error saying why there is none. */
export async function pickPort(spec: PortSpec, taken: ReadonlySet<number>): Promise<number> {
  switch (spec.kind) {
    case 'fixed':
      return spec.port;
    case 'any':
      for (let i = 0; i < 20; i++) {
        const p = await probe(0);
        if (p !== undefined && !taken.has(p)) return p;
      }
      throw new Error('no free port could be found');
    case 'range':
      for (let p = spec.from; p <= spec.to; p++) {
        if (!taken.has(p) && (await probe(p)) === p) return p;
      }
      throw new Error(`no free port in ${spec.from}-${spec.to}`);
  }
}
