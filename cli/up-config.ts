/**
 * The `up` configuration: which actors one supervisor hosts, from a JSON or YAML file
 * (`actors: [{ name, plugin, options?, mailbox?, resourceLimits? }, …]`, example in docs/cli.md).
 * Without a file, `up` hosts the default set.
 */
import { isAbsolute, resolve, dirname } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { ActorDeclaration } from '../runtime/declaration.js';
import { parseDocument, readText } from './spec-file.js';
import { UsageError } from './output.js';

export const BUILTIN_PLUGINS = ['group', 'simulator', 'file', 'process', 'vanilla', 'combo'] as const;

/** The default set: one actor of every built-in plugin, named after it. */
export function defaultActors(): ActorDeclaration[] {
  return BUILTIN_PLUGINS.map((p) => ({ name: p, module: p }));
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

/** Parses `plugin start` words: `kind`, `kind:name` or `name=kind` (InfraKit writes `kind:name`). */
export function actorsFromWords(words: readonly string[]): ActorDeclaration[] {
  return words.map((w) => {
    const [kind, name] = w.includes(':') ? (w.split(':', 2) as [string, string]) : [w, w];
    if (!NAME.test(name)) throw new UsageError(`'${name}' is not a valid plugin name (letters, digits, . _ -)`);
    return { name, module: moduleOf(kind, process.cwd()) };
  });
}

function moduleOf(plugin: string, base: string): string {
  if ((BUILTIN_PLUGINS as readonly string[]).includes(plugin)) return plugin;
  if (plugin.includes('/') || plugin.endsWith('.js')) return pathToFileURL(isAbsolute(plugin) ? plugin : resolve(base, plugin)).href;
  throw new UsageError(`unknown plugin '${plugin}': use one of ${BUILTIN_PLUGINS.join(', ')}, or a path to an actor module`);
}

const LIMITS = ['maxOldGenerationSizeMb', 'maxYoungGenerationSizeMb', 'codeRangeSizeMb', 'stackSizeMb'] as const;

/** A worker's `resourceLimits` (node:worker_threads), e.g. `{ maxOldGenerationSizeMb: 256 }`. */
function resourceLimits(v: unknown, where: string): Partial<Record<(typeof LIMITS)[number], number>> {
  if (typeof v !== 'object' || v === null || Array.isArray(v))
    throw new UsageError(`${where} must be an object such as { maxOldGenerationSizeMb: 256 }`);
  const out: Partial<Record<(typeof LIMITS)[number], number>> = {};
  for (const [k, x] of Object.entries(v)) {
    if (!(LIMITS as readonly string[]).includes(k))
      throw new UsageError(`${where}.${k} is not a resource limit (use ${LIMITS.join(', ')})`);
    if (typeof x !== 'number' || !(x > 0)) throw new UsageError(`${where}.${k} must be a positive number of MB`);
    out[k as (typeof LIMITS)[number]] = x;
  }
  return out;
}

export async function readUpConfig(file: string): Promise<ActorDeclaration[]> {
  const doc = parseDocument(await readText(file), file);
  const list = Array.isArray(doc) ? doc : (doc as Record<string, unknown> | null)?.['actors'];
  if (!Array.isArray(list) || list.length === 0)
    throw new UsageError(`${file}: expected 'actors:', a non-empty list of { name, plugin, options }`);
  const seen = new Set<string>();
  return list.map((entry: unknown, i: number) => {
    const where = `${file}: actors[${i}]`;
    if (typeof entry !== 'object' || entry === null) throw new UsageError(`${where} must be an object with name and plugin`);
    const e = entry as Record<string, unknown>;
    const plugin = e['plugin'] ?? e['module'];
    const name = e['name'] ?? plugin;
    if (typeof plugin !== 'string' || plugin === '') throw new UsageError(`${where}.plugin must name a built-in plugin or a module path`);
    if (typeof name !== 'string' || !NAME.test(name)) throw new UsageError(`${where}.name must be a plugin name (letters, digits, . _ -)`);
    if (seen.has(name)) throw new UsageError(`${where}: the name '${name}' is used twice`);
    seen.add(name);
    const options = e['options'] ?? {};
    if (typeof options !== 'object' || options === null || Array.isArray(options))
      throw new UsageError(`${where}.options must be an object`);
    const decl: ActorDeclaration = {
      name,
      module: moduleOf(plugin, dirname(resolve(file))),
      options: options as Record<string, unknown>,
      ...(typeof e['mailbox'] === 'number' ? { mailbox: e['mailbox'] } : {}),
      ...(typeof e['threads'] === 'number' ? { threads: e['threads'] } : {}),
      ...(e['kind'] === 'stateless' || e['kind'] === 'stateful' ? { kind: e['kind'] } : {}),
      ...(e['resourceLimits'] === undefined ? {} : { resourceLimits: resourceLimits(e['resourceLimits'], `${where}.resourceLimits`) }),
    };
    return decl;
  });
}
