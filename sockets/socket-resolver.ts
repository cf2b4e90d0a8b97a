/**
 * A `Resolver` for `runtime.setResolver(...)`: a name with no local actor is looked up in the plugins
 * dir (the part before the first `/`, as Go's `Find`) and called over its socket, or the address in
 * `<name>.listen`. One `RemoteClient` is kept per address.
 *
 * The name is only used to find the socket: filling `Type` (Instance/Flavor) or `Name` (Group) in the
 * params, as InfraKit's addressing wants (docs/go-compat.md #1), is the caller's job.
 */
import { lstat } from 'node:fs/promises';
import { join } from 'node:path';
import type { RemoteTarget, Resolver } from '../runtime/actor-info.js';
import { pluginsDir as defaultPluginsDir, lookupName } from './paths.js';
import { readListenFile, formatPluginAddress, type PluginAddress } from './plugin-address.js';
import { RemoteClient, type RemoteClientOptions } from './remote-client.js';

/** A resolver that also drops its cached connections. */
export interface SocketResolver extends Resolver {
  close(): void;
}

/** Where plugin `name` listens per the plugins dir, or undefined. */
export async function findPlugin(dir: string, name: string): Promise<PluginAddress | undefined> {
  const lookup = lookupName(name);
  if (lookup === '' || lookup === '.' || lookup === '..') return undefined;
  const path = join(dir, lookup);
  const st = await lstat(path).catch(() => undefined);
  if (st?.isSocket() === true) return { kind: 'unix', socketPath: path };
  const listen = `${path}.listen`;
  const lt = await lstat(listen).catch(() => undefined);
  if (lt?.isFile() === true) return readListenFile(listen).catch(() => undefined);
  return undefined;
}

export function socketResolver(dir: string = defaultPluginsDir(), opts: RemoteClientOptions = {}): SocketResolver {
  const clients = new Map<string, RemoteClient>();
  const resolve = async (name: string): Promise<RemoteTarget | undefined> => {
    const address = await findPlugin(dir, name);
    if (address === undefined) return undefined;
    const key = formatPluginAddress(address);
    let client = clients.get(key);
    if (client === undefined) {
      client = new RemoteClient(address, opts);
      clients.set(key, client);
    }
    return client;
  };
  return Object.assign(resolve, {
    close(): void {
      for (const c of clients.values()) c.close();
      clients.clear();
    },
  });
}
