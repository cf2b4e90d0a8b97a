/**
 * What every command shares: global options, the plugins dir, the output format, and clients
 * that talk to plugins over their sockets (so the CLI works against any InfraKit plugin, ours or not).
 */
import type { Command } from 'commander';
import { pluginsDir as defaultPluginsDir } from '../runtime/home-dirs.js';
import { socketResolver, type SocketResolver } from '../sockets/socket-resolver.js';
import { ActorNotFoundError } from '../runtime/errors.js';
import type { Caller } from '../actors/spi/index.js';
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

/**
 * A `Caller` that reaches plugins by name in the plugins dir (a socket, or a `<name>.listen` file),
 * through the runtime's own socket resolver; `close()` drops its connections.
 */
export class SocketCaller {
  readonly #resolver: SocketResolver;
  constructor(readonly pluginsDir: string) {
    this.#resolver = socketResolver(pluginsDir);
  }

  readonly call: Caller = async <R>(actor: string, method: string, params?: unknown): Promise<R> => {
    const target = await this.#resolver(actor);
    if (target === undefined) throw new ActorNotFoundError(`${actor} (no socket in ${this.pluginsDir})`);
    return (await target.call(method, params ?? {})) as R;
  };

  close(): void {
    this.#resolver.close();
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
