/**
 * Where a plugin listens, in the forms Go's client accepts (docs/go-compat.md #1): a plain path, `unix://path`
 * or `file://path` (unix socket), `tcp://h:p` or `http://h:p` (TCP).
 * A path ending in `.listen` holds the address (read it with `readListenFile`).
 */
import { readFile } from 'node:fs/promises';

export type PluginAddress =
  { readonly kind: 'unix'; readonly socketPath: string } | { readonly kind: 'tcp'; readonly host: string; readonly port: number };

export function parsePluginAddress(text: string): PluginAddress {
  const t = text.trim();
  const scheme = /^([a-z]+):\/\/(.*)$/i.exec(t);
  if (scheme === null) return { kind: 'unix', socketPath: t };
  const [, proto = '', rest = ''] = scheme;
  switch (proto.toLowerCase()) {
    case 'unix':
    case 'file':
      return { kind: 'unix', socketPath: rest };
    case 'tcp':
    case 'http': {
      const u = new URL(`http://${rest}`);
      return { kind: 'tcp', host: u.hostname.replace(/^\[|\]$/g, ''), port: u.port === '' ? 80 : Number(u.port) };
    }
    default:
      throw new RangeError(`unsupported plugin address '${text}' (use a socket path, unix://, tcp:// or http://)`);
  }
}

/** The address in a `<name>.listen` discovery file (e.g. `tcp://10.0.0.5:24864`). */
export async function readListenFile(path: string): Promise<PluginAddress> {
  return parsePluginAddress(await readFile(path, 'utf8'));
}

/** Human form of an address, for messages and the LISTEN column. */
export function formatPluginAddress(a: PluginAddress): string {
  return a.kind === 'unix' ? a.socketPath : `tcp://${a.host}:${a.port}`;
}
