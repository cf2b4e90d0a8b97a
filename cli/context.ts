/**
 * What every command shares: global options, the plugins dir, the output format, and clients
 * that talk to plugins over their sockets (so the CLI works against any InfraKit plugin, ours or not).
 */
import { join } from 'node:path';
import type { Command } from 'commander';
import { pluginsDir as defaultPluginsDir } from '../runtime/home.js';
import { RemoteClient } from '../sockets/remote-client.js';
import { splitPluginName, type Caller } from '../actors/spi/index.js';
import { parseOutputFormat, type OutputFormat } from './output.js';

export interface GlobalOptions {
  readonly log: number;
  readonly output: OutputFormat;
  readonly pluginsDir: string;
}

/** Reads the global options from the root command. */
export function globals(cmd: Command): GlobalOptions {
  let root = cmd;
  while (root.parent) root = root.parent;
  const o = root.opts<{ log?: string; output?: string; pluginsDir?: string }>();
  const local = cmd.opts<{ output?: string }>();
  return {
    log: o.log === undefined ? 4 : Number(o.log),
    output: parseOutputFormat(local.output ?? o.output ?? 'table'),
    pluginsDir: o.pluginsDir ?? defaultPluginsDir(),
  };
}

/** A `Caller` that reaches plugins by socket name in the plugins dir; `close()` drops connections. */
export class SocketCaller {
  readonly #clients = new Map<string, RemoteClient>();
  constructor(readonly pluginsDir: string) {}

  readonly call: Caller = async <R>(actor: string, method: string, params?: unknown): Promise<R> => {
    const lookup = splitPluginName(actor).lookup;
    let c = this.#clients.get(lookup);
    if (!c) {
      c = new RemoteClient(join(this.pluginsDir, lookup));
      this.#clients.set(lookup, c);
    }
    return (await c.call(method, params ?? {})) as R;
  };

  close(): void {
    for (const c of this.#clients.values()) c.close();
    this.#clients.clear();
  }
}

/** Runs `fn` with a socket caller, closing it afterwards. */
export async function withCaller<T>(g: GlobalOptions, fn: (c: SocketCaller) => Promise<T>): Promise<T> {
  const caller = new SocketCaller(g.pluginsDir);
  try {
    return await fn(caller);
  } finally {
    caller.close();
  }
}
