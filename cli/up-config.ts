/**
 * The `up` configuration: which actors one supervisor hosts, from a JSON or YAML file
 * (`actors: [{ name, plugin, options?, mailbox?, resourceLimits? }, …]`, example in docs/cli.md), and
 * which executables it runs and supervises as external plugins (`{ name, exec: [...], sockets? }` in
 * the same list). Without a file, `up` hosts the default set.
 */
import { isAbsolute, resolve, dirname } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { ActorDeclaration, RestartPolicy } from '../runtime/declaration.js';
import { EXTERNAL_LIMITS, type ExternalDeclaration } from '../runtime/external-plugin.js';
import { parseDurationMs } from '../runtime/go-duration.js';
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

/** What an `up --config` file declares: actors, and external plugins (executables). */
export interface UpConfig {
  readonly actors: ActorDeclaration[];
  readonly externals: ExternalDeclaration[];
}

/** The actors of an `up` config file (its external plugins left out). */
export async function readUpConfig(file: string): Promise<ActorDeclaration[]> {
  return (await readUpFile(file)).actors;
}

/** An `up` config file: entries with `exec` are external plugins, the others actors. */
export async function readUpFile(file: string): Promise<UpConfig> {
  const doc = parseDocument(await readText(file), file);
  const list = Array.isArray(doc) ? doc : (doc as Record<string, unknown> | null)?.['actors'];
  if (!Array.isArray(list) || list.length === 0)
    throw new UsageError(`${file}: expected 'actors:', a non-empty list of { name, plugin, options } or { name, exec }`);
  const seen = new Set<string>();
  const actors: ActorDeclaration[] = [];
  const externals: ExternalDeclaration[] = [];
  const use = (name: string, where: string): void => {
    if (seen.has(name)) throw new UsageError(`${where}: the name '${name}' is used twice`);
    seen.add(name);
  };
  for (const [i, entry] of (list as unknown[]).entries()) {
    const where = `${file}: actors[${i}]`;
    if (typeof entry !== 'object' || entry === null) throw new UsageError(`${where} must be an object with name and plugin (or exec)`);
    const e = entry as Record<string, unknown>;
    if (e['exec'] !== undefined) {
      const ext = externalEntry(e, where, dirname(resolve(file)));
      use(ext.name, where);
      for (const sock of ext.sockets ?? []) if (sock !== ext.name) use(sock, where);
      externals.push(ext);
      continue;
    }
    const plugin = e['plugin'] ?? e['module'];
    const name = e['name'] ?? plugin;
    if (typeof plugin !== 'string' || plugin === '') throw new UsageError(`${where}.plugin must name a built-in plugin or a module path`);
    if (typeof name !== 'string' || !NAME.test(name)) throw new UsageError(`${where}.name must be a plugin name (letters, digits, . _ -)`);
    use(name, where);
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
    actors.push(decl);
  }
  return { actors, externals };
}

const EXTERNAL_KEYS = [
  'name',
  'exec',
  'sockets',
  'env',
  'cwd',
  'restart',
  'startTimeout',
  'probeInterval',
  'probeTimeout',
  'probeFailures',
  'stopTimeout',
] as const;
const RESTART_KEYS = ['initialDelay', 'maxDelay', 'maxRestarts', 'within'] as const;

/** A duration field: a number of ms or a Go duration (`30s`), positive, at most an hour. */
function durationField(v: unknown, where: string): number {
  let ms: number;
  try {
    ms = parseDurationMs(v);
  } catch {
    throw new UsageError(`${where} must be a duration such as 30s or 500ms (or a number of ms)`);
  }
  if (!(ms > 0) || ms > EXTERNAL_LIMITS.maxMs) throw new UsageError(`${where} must be more than 0 and at most 1h`);
  return ms;
}

function stringList(v: unknown, where: string, what: string): string[] {
  if (!Array.isArray(v) || v.length === 0 || !v.every((x) => typeof x === 'string' || typeof x === 'number'))
    throw new UsageError(`${where} must be a non-empty list of ${what}`);
  return v.map(String);
}

/**
 * `{ name, exec: [program, args...], sockets?, env?, cwd?, restart?, startTimeout?, probeInterval?,
 * probeTimeout?, probeFailures?, stopTimeout? }`. `cwd` (default: the config file's directory) is
 * relative to the config file, as actor module paths are. Unknown keys are refused (a typo would
 * otherwise be a setting silently not applied).
 */
function externalEntry(e: Record<string, unknown>, where: string, base: string): ExternalDeclaration {
  for (const k of Object.keys(e))
    if (!(EXTERNAL_KEYS as readonly string[]).includes(k))
      throw new UsageError(`${where}.${k} is not a setting of an external plugin (use ${EXTERNAL_KEYS.join(', ')})`);
  const name = e['name'];
  if (typeof name !== 'string' || !NAME.test(name)) throw new UsageError(`${where}.name must be a plugin name (letters, digits, . _ -)`);
  if (typeof e['exec'] === 'string') throw new UsageError(`${where}.exec must be a list: [program, arg, ...], e.g. [python3, plugin.py]`);
  const exec = stringList(e['exec'], `${where}.exec`, 'words: the program, then its arguments');
  if (exec.length > EXTERNAL_LIMITS.maxExecArgs)
    throw new UsageError(`${where}.exec has ${exec.length} words, over the limit of ${EXTERNAL_LIMITS.maxExecArgs}`);
  const out: { -readonly [K in keyof ExternalDeclaration]: ExternalDeclaration[K] } = { name, exec };
  if (e['sockets'] !== undefined) {
    const sockets = stringList(e['sockets'], `${where}.sockets`, 'socket names');
    for (const sock of sockets)
      if (!NAME.test(sock)) throw new UsageError(`${where}.sockets: '${sock}' is not a socket name (letters, digits, . _ -)`);
    out.sockets = sockets;
  }
  if (e['env'] !== undefined) {
    const env = e['env'];
    if (typeof env !== 'object' || env === null || Array.isArray(env))
      throw new UsageError(`${where}.env must be an object of NAME: value`);
    const vars: Record<string, string> = {};
    for (const [k, v] of Object.entries(env)) {
      if (typeof v !== 'string' && typeof v !== 'number' && typeof v !== 'boolean')
        throw new UsageError(`${where}.env.${k} must be a string`);
      vars[k] = String(v);
    }
    out.env = vars;
  }
  const cwd = e['cwd'];
  if (cwd !== undefined && (typeof cwd !== 'string' || cwd === '')) throw new UsageError(`${where}.cwd must be a directory`);
  out.cwd = typeof cwd === 'string' ? resolve(base, cwd) : base;
  if (e['restart'] !== undefined) {
    const r = e['restart'];
    if (typeof r !== 'object' || r === null || Array.isArray(r)) throw new UsageError(`${where}.restart must be an object`);
    const policy: { -readonly [K in keyof RestartPolicy]: RestartPolicy[K] } = {};
    for (const [k, v] of Object.entries(r)) {
      if (!(RESTART_KEYS as readonly string[]).includes(k))
        throw new UsageError(`${where}.restart.${k} is not a restart setting (use ${RESTART_KEYS.join(', ')})`);
      if (k === 'maxRestarts') {
        if (!Number.isInteger(v) || (v as number) < 0) throw new UsageError(`${where}.restart.maxRestarts must be a whole number`);
        policy.maxRestarts = v as number;
      } else if (k === 'initialDelay') policy.initialDelayMs = durationField(v, `${where}.restart.${k}`);
      else if (k === 'maxDelay') policy.maxDelayMs = durationField(v, `${where}.restart.${k}`);
      else policy.withinMs = durationField(v, `${where}.restart.${k}`);
    }
    out.restart = policy;
  }
  for (const [k, field] of [
    ['startTimeout', 'startTimeoutMs'],
    ['probeInterval', 'probeIntervalMs'],
    ['probeTimeout', 'probeTimeoutMs'],
    ['stopTimeout', 'stopTimeoutMs'],
  ] as const) {
    if (e[k] !== undefined) out[field] = durationField(e[k], `${where}.${k}`);
  }
  const f = e['probeFailures'];
  if (f !== undefined) {
    if (!Number.isInteger(f) || (f as number) < 1 || (f as number) > 1000)
      throw new UsageError(`${where}.probeFailures must be a whole number from 1 to 1000`);
    out.probeFailures = f as number;
  }
  return out;
}

/**
 * `plugin start --exec name=command`: an external plugin named `name` serving the socket `name`, the
 * command split at spaces (no quoting: arguments with spaces need a --config file).
 */
export function externalFromWord(word: string): ExternalDeclaration {
  const eq = word.indexOf('=');
  const name = eq < 0 ? '' : word.slice(0, eq);
  const exec =
    eq < 0
      ? []
      : word
          .slice(eq + 1)
          .trim()
          .split(/\s+/)
          .filter(Boolean);
  if (!NAME.test(name) || exec.length === 0)
    throw new UsageError(`--exec '${word}': expected name=command, e.g. --exec 'aws=infrakit-instance-aws --name aws'`);
  if (exec.length > EXTERNAL_LIMITS.maxExecArgs)
    throw new UsageError(`--exec '${name}': ${exec.length} words, over the limit of ${EXTERNAL_LIMITS.maxExecArgs}`);
  return { name, exec };
}
