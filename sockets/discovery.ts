/**
 * Discovery: the plugins in a plugins dir, as Go's `plugin ls` sees them (docs/wire.md).
 *
 * Every unix socket (name = file name) and every regular `*.listen` file (name = file name minus
 * `.listen`) is a plugin; `.pid` files, dirs and other files are skipped. Each is asked `Handshake.Hello`
 * (HEAD), then `Handshake.Types`/`Handshake.Implements` (v0.3–v0.5), then `Plugin.Implements` (v0.1).
 * Stale sockets show up with `reachable: false`.
 */
import { lstat, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { readPidFile } from '../runtime/atomic-file.js';
import { InfrakitError } from '../runtime/errors.js';
import { pluginsDir as defaultPluginsDir } from './paths.js';
import { formatPluginAddress, readListenFile, type PluginAddress } from './plugin-address.js';
import { RemoteClient } from './remote-client.js';

export interface DiscoveredInterface {
  readonly name: string;
  readonly version: string;
}

export interface DiscoveredPlugin {
  /** Socket (lookup) name. */
  readonly name: string;
  /** Socket path, or the URL of a `.listen` file. */
  readonly listen: string;
  /** Interfaces in the order the plugin gave them. */
  readonly interfaces: readonly DiscoveredInterface[];
  /** `Name/Version` → object names (`.` for the single unnamed object). */
  readonly objects: Readonly<Record<string, readonly string[]>>;
  /** Pid from `<name>.pid`, when present. */
  readonly pid?: number;
  /** Did a handshake succeed? */
  readonly reachable: boolean;
  /** Which handshake answered. */
  readonly handshake?: 'Handshake.Hello' | 'Handshake.Types' | 'Handshake.Implements' | 'Plugin.Implements';
  /** Why it is unreachable. */
  readonly error?: string;
}

export interface DiscoverOptions {
  /** Deadline per handshake call; default 2 s. */
  readonly timeoutMs?: number;
}

interface Entry {
  readonly name: string;
  readonly address: PluginAddress | undefined;
  readonly listen: string;
}

async function entries(dir: string): Promise<Entry[]> {
  const names = await readdir(dir).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return [] as string[];
    throw err;
  });
  const out: Entry[] = [];
  for (const file of names.sort()) {
    const path = join(dir, file);
    const st = await lstat(path).catch(() => undefined);
    if (st === undefined) continue;
    if (st.isSocket()) out.push({ name: file, address: { kind: 'unix', socketPath: path }, listen: path });
    else if (st.isFile() && file.endsWith('.listen') && file.length > '.listen'.length) {
      const address = await readListenFile(path).catch(() => undefined);
      out.push({ name: file.slice(0, -'.listen'.length), address, listen: address === undefined ? path : formatPluginAddress(address) });
    }
  }
  return out;
}

/** The pid beside a socket; a pid path that is a link, FIFO… is ignored (never followed or opened). */
async function readPid(dir: string, name: string): Promise<number | undefined> {
  return readPidFile(join(dir, `${name}.pid`)).catch(() => undefined);
}

type Specs = { Name?: unknown; Version?: unknown }[];

function specsOf(list: unknown): DiscoveredInterface[] {
  if (!Array.isArray(list)) return [];
  return (list as Specs)
    .filter((s) => typeof s?.Name === 'string')
    .map((s) => ({ name: String(s.Name), version: typeof s.Version === 'string' ? s.Version : '' }));
}

function splitKey(key: string): DiscoveredInterface {
  const [name = '', version = ''] = key.split('/');
  return { name, version };
}

/** Is this a "no such method" answer, so the next handshake generation should be tried? */
function isMissingMethod(err: unknown): boolean {
  return err instanceof InfrakitError && err.code !== 'IK_REMOTE';
}

/** Run the handshakes on one plugin. */
export async function handshakePlugin(client: RemoteClient): Promise<Pick<DiscoveredPlugin, 'interfaces' | 'objects' | 'handshake'>> {
  try {
    const hello = (await client.call('Handshake.Hello', {})) as { Objects?: Record<string, { Name?: unknown }[] | null> };
    const objects: Record<string, string[]> = {};
    for (const [key, list] of Object.entries(hello.Objects ?? {})) {
      objects[key] = (list ?? []).map((o) => (typeof o?.Name === 'string' ? o.Name : '.'));
    }
    return { interfaces: Object.keys(objects).map(splitKey), objects, handshake: 'Handshake.Hello' };
  } catch (err) {
    if (!isMissingMethod(err)) throw err;
  }
  try {
    const types = (await client.call('Handshake.Types', {})) as { Types?: Record<string, string[] | null> };
    const objects: Record<string, string[]> = {};
    for (const [key, list] of Object.entries(types.Types ?? {})) objects[key] = [...(list ?? ['.'])];
    return { interfaces: Object.keys(objects).map(splitKey), objects, handshake: 'Handshake.Types' };
  } catch (err) {
    if (!isMissingMethod(err)) throw err;
  }
  try {
    const impl = (await client.call('Handshake.Implements', {})) as { APIs?: unknown };
    const interfaces = specsOf(impl.APIs);
    return { interfaces, objects: objectsOf(interfaces), handshake: 'Handshake.Implements' };
  } catch (err) {
    if (!isMissingMethod(err)) throw err;
  }
  const impl = (await client.call('Plugin.Implements', {})) as { APIs?: unknown; Interfaces?: unknown };
  const interfaces = specsOf(impl.APIs ?? impl.Interfaces);
  return { interfaces, objects: objectsOf(interfaces), handshake: 'Plugin.Implements' };
}

function objectsOf(interfaces: readonly DiscoveredInterface[]): Record<string, string[]> {
  return Object.fromEntries(interfaces.map((i) => [`${i.name}/${i.version}`, ['.']]));
}

/** Every plugin in the plugins dir, sorted by name, with its handshake. */
export async function discoverPlugins(dir: string = defaultPluginsDir(), opts: DiscoverOptions = {}): Promise<DiscoveredPlugin[]> {
  const found = await entries(dir);
  return Promise.all(
    found.map(async (e): Promise<DiscoveredPlugin> => {
      const pid = await readPid(dir, e.name);
      const base = { name: e.name, listen: e.listen, ...(pid === undefined ? {} : { pid }) };
      if (e.address === undefined) {
        return { ...base, interfaces: [], objects: {}, reachable: false, error: 'unreadable .listen file' };
      }
      const client = new RemoteClient(e.address, { timeoutMs: opts.timeoutMs ?? 2000 });
      try {
        return { ...base, ...(await handshakePlugin(client)), reachable: true };
      } catch (err) {
        return { ...base, interfaces: [], objects: {}, reachable: false, error: (err as Error).message };
      } finally {
        client.close();
      }
    }),
  );
}
