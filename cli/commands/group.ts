/**
 * `infrakit-ts group …` (declared in cli/program.ts): commit, describe, ls, size, free, destroy,
 * destroy-instances, and the rollout controls, on a Group plugin's socket (default `group`), ours or
 * InfraKit's. `forget` edits a home's file store offline, with no runtime serving it.
 */
import { readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import type { Command } from 'commander';
import { infrakitHome } from '../../runtime/home-dirs.js';
import { pidExists } from '../../runtime/pid-exists.js';
import { TAG_CONFIG_HASH, TAG_GROUP, TAG_LOGICAL_ID, type Description } from '../../actors/spi/common.js';
import { GroupClient } from '../../actors/spi/group.js';
import type { GroupDescription, InspectedGroup } from '../../actors/spi/group-properties.js';
import { emit, table, UsageError } from '../output.js';
import { globals, withCaller, type SocketCaller } from '../context.js';
import { parseDuration } from '../duration.js';
import { count, countOf } from '../words.js';

export interface CommitOptions {
  readonly pretend?: boolean;
  readonly wait?: boolean;
  readonly timeout: string;
}
export interface DescribeOptions {
  readonly watch?: boolean;
}
export interface ForgetOptions {
  readonly home?: string;
  readonly plugin: string;
}

function client(cmd: Command, caller: SocketCaller): GroupClient {
  return new GroupClient(caller.call, cmd.opts<{ plugin: string }>().plugin);
}

/** Desired size of a committed spec (Size or the number of logical IDs). */
export function desiredSize(spec: { Properties: unknown } | undefined): number | undefined {
  const alloc = (spec?.Properties as { Allocation?: { Size?: number; LogicalIDs?: string[] | null } } | undefined)?.Allocation;
  if (!alloc) return undefined;
  return alloc.LogicalIDs?.length ? alloc.LogicalIDs.length : alloc.Size;
}

/** Tags worth showing in a table: the well-known ones are columns of their own or noise. */
function userTags(d: Description): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(d.Tags ?? {})) if (k !== TAG_GROUP && k !== TAG_LOGICAL_ID && k !== TAG_CONFIG_HASH) out[k] = v;
  return out;
}

export function describeTable(id: string, desc: GroupDescription): string {
  const instances = desc.Instances ?? [];
  const size = typeof desc['Size'] === 'number' ? desc['Size'] : undefined;
  const state = typeof desc['State'] === 'string' ? desc['State'] : desc.Converged ? 'converged' : 'converging';
  const head = `Group ${id}: ${countOf(instances.length, size, 'instance')}, ${state}`;
  const lines = [head];
  if (typeof desc['Reason'] === 'string') lines.push(`Reason: ${desc['Reason']}`);
  if (typeof desc['Status'] === 'string') lines.push(`Status: ${desc['Status']}`);
  const rollout = desc['Rollout'] as { State?: string; Updated?: number; Total?: number } | undefined;
  if (rollout && rollout.State && rollout.State !== 'none' && rollout.State !== 'idle') {
    lines.push(`Rollout: ${rollout.State}${rollout.Total !== undefined ? ` (${rollout.Updated ?? 0}/${rollout.Total} updated)` : ''}`);
  }
  const lead = desc['Leadership'] as
    { Role?: string; Node?: string; Leader?: { ID: string; Location: string } | null; Reason?: string } | undefined;
  if (lead) {
    const who =
      lead.Role === 'leader'
        ? `this runtime (${lead.Node ?? '?'}) leads`
        : lead.Leader
          ? `${lead.Leader.ID} leads, at ${lead.Leader.Location}`
          : `no runtime leads${lead.Reason ? ` (${lead.Reason})` : ''}`;
    lines.push(`Leadership: ${who}`);
  }
  const problems = desc['Problems'];
  if (Array.isArray(problems)) for (const p of problems) lines.push(`Problem: ${typeof p === 'string' ? p : JSON.stringify(p)}`);
  lines.push(
    table(
      ['ID', 'LOGICAL', 'CONFIG', 'TAGS'],
      [...instances]
        .sort((a, b) => a.ID.localeCompare(b.ID))
        .map((d) => [d.ID, d.LogicalID ?? d.Tags?.[TAG_LOGICAL_ID], (d.Tags?.[TAG_CONFIG_HASH] ?? '').slice(0, 8), userTags(d)]),
    ),
  );
  return lines.join('\n');
}

/**
 * Polls DescribeGroup until converged, showing progress on stderr. The converged state itself is not
 * a progress line: the caller prints the description, whose first line says it (so it is said once).
 */
async function waitConverged(g: GroupClient, id: string, timeoutMs: number, quiet: boolean): Promise<GroupDescription> {
  const deadline = Date.now() + timeoutMs;
  const tty = process.stderr.isTTY === true;
  let last = '';
  for (;;) {
    const d = await g.describe(id);
    if (d.Converged) {
      if (!quiet && tty && last !== '') process.stderr.write('\r\x1b[K');
      return d;
    }
    const size = typeof d['Size'] === 'number' ? d['Size'] : undefined;
    const rollout = d['Rollout'] as { State?: string; Updated?: number; Total?: number } | undefined;
    const roll =
      rollout?.State && rollout.State !== 'none' && rollout.State !== 'idle'
        ? `, rollout ${rollout.State} ${rollout.Updated ?? 0}/${rollout.Total ?? '?'}`
        : '';
    const line = `${id}: ${countOf((d.Instances ?? []).length, size, 'instance')}${roll}, converging…`;
    if (!quiet && line !== last) {
      process.stderr.write(tty ? `\r\x1b[K${line}` : `${line}\n`);
      last = line;
    }
    if (Date.now() > deadline) {
      if (!quiet && tty) process.stderr.write('\n');
      throw new Error(`group ${id} did not converge within ${Math.round(timeoutMs / 1000)} s; see 'infrakit-ts group describe ${id}'`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** `group ls`: a STATE column (and the reasons below) only when some group is set aside. */
export function lsTable(specs: readonly InspectedGroup[]): string {
  const sorted = [...specs].sort((a, b) => a.ID.localeCompare(b.ID));
  const stateOf = (s: InspectedGroup): string | undefined => {
    const v = (s as { State?: unknown }).State;
    return typeof v === 'string' ? v : undefined;
  };
  const withState = sorted.some((s) => stateOf(s) !== undefined);
  const rows = sorted.map((s) => {
    const p = s.Properties as { Instance?: { Plugin?: string }; Flavor?: { Plugin?: string } } | undefined;
    const row: unknown[] = [s.ID, desiredSize(s), p?.Instance?.Plugin, p?.Flavor?.Plugin];
    if (withState) row.push(stateOf(s) ?? 'managed');
    return row;
  });
  const out = [table(withState ? ['ID', 'SIZE', 'INSTANCE', 'FLAVOR', 'STATE'] : ['ID', 'SIZE', 'INSTANCE', 'FLAVOR'], rows)];
  for (const s of sorted) {
    const reason = (s as { Reason?: unknown }).Reason;
    if (typeof reason === 'string') out.push(`${s.ID}: ${stateOf(s) ?? ''}: ${reason}`);
  }
  return out.join('\n');
}

/** Why `pluginsDir` looks served by a live runtime (its socket answers, or its pid file names a live process), or null. */
async function liveRuntime(pluginsDir: string, plugin: string): Promise<string | null> {
  const socket = join(pluginsDir, plugin);
  const answers = await new Promise<boolean>((resolve) => {
    const c = connect(socket);
    c.once('connect', () => {
      c.destroy();
      resolve(true);
    });
    c.once('error', () => resolve(false));
  });
  if (answers) return `its socket ${socket} answers`;
  let pid = NaN;
  try {
    pid = Number(readFileSync(`${socket}.pid`, 'utf8').trim());
  } catch {
    return null;
  }
  return Number.isInteger(pid) && pid > 0 && pid !== process.pid && pidExists(pid) ? `${socket}.pid names the live process ${pid}` : null;
}

export async function commit(file: string, opts: CommitOptions, cmd: Command): Promise<void> {
  const g = globals(cmd);
  // The spec reader (and yaml, for a YAML file) only for the verb that reads one.
  const spec = await (await import('../spec-file.js')).readGroupSpec(file);
  await withCaller(g, async (c) => {
    const gc = client(cmd, c);
    const r = await gc.commit(spec, opts.pretend === true);
    const details = r.Details;
    if (opts.wait && !opts.pretend) {
      if (g.output === 'table') process.stdout.write(`Committed ${spec.ID}: ${details}\n`);
      const d = await waitConverged(gc, spec.ID, parseDuration(opts.timeout, '--timeout'), g.output !== 'table');
      emit(g.output, { ...r, Description: d }, () => describeTable(spec.ID, d));
      return;
    }
    emit(g.output, r, () => (opts.pretend ? `Committing ${spec.ID} would involve: ${details}` : `Committed ${spec.ID}: ${details}`));
  });
}

export async function describe(id: string, opts: DescribeOptions, cmd: Command): Promise<void> {
  const g = globals(cmd);
  if (opts.watch) return (await import('./watch.js')).watchGroup(cmd, id);
  await withCaller(g, async (c) => {
    const d = await client(cmd, c).describe(id);
    emit(g.output, d, () => describeTable(id, d));
  });
}

export async function ls(cmd: Command): Promise<void> {
  const g = globals(cmd);
  await withCaller(g, async (c) => {
    const specs = await client(cmd, c).inspect();
    emit(g.output, specs, () => (specs.length === 0 ? 'No groups. Commit one with: infrakit-ts group commit <file>' : lsTable(specs)));
  });
}

export async function size(id: string, n: string | undefined, cmd: Command): Promise<void> {
  const g = globals(cmd);
  // A size that is no size is the caller's mistake, whether or not the group exists.
  const target = n === undefined ? undefined : Number(n);
  if (target !== undefined && (n?.trim() === '' || !Number.isInteger(target) || target < 0)) {
    throw new UsageError(`size must be a whole number ≥ 0, got '${n}'`);
  }
  await withCaller(g, async (c) => {
    const gc = client(cmd, c);
    const current = await gc.size(id);
    if (target === undefined) {
      emit(g.output, { ID: id, Size: current }, () => `Group ${id} at ${count(current, 'instance')}`);
      return;
    }
    await gc.setSize(id, target);
    emit(g.output, { ID: id, Size: current, Target: target }, () => `Group ${id} at ${count(current, 'instance')}, scale to ${target}`);
  });
}

const details = (_id: string, r: unknown) => String((r as { Details?: string }).Details ?? 'OK');

/** The verbs that take a group ID and call one method: what each calls and what it says. */
const SIMPLE = {
  free: { run: (gc: GroupClient, id: string) => gc.free(id), say: (id: string) => `Freed ${id}` },
  destroy: { run: (gc: GroupClient, id: string) => gc.destroy(id), say: (id: string) => `Destroy ${id} initiated` },
  pause: { run: (gc: GroupClient, id: string) => gc.pause(id), say: details },
  resume: { run: (gc: GroupClient, id: string) => gc.resume(id), say: details },
  rollback: { run: (gc: GroupClient, id: string) => gc.rollback(id), say: details },
} satisfies Record<string, { run: (gc: GroupClient, id: string) => Promise<unknown>; say: (id: string, r: unknown) => string }>;

export type GroupVerb = keyof typeof SIMPLE;

export async function simple(verb: GroupVerb, id: string, cmd: Command): Promise<void> {
  const g = globals(cmd);
  const { run, say } = SIMPLE[verb];
  await withCaller(g, async (c) => {
    const r: unknown = await run(client(cmd, c), id);
    emit(g.output, r, () => say(id, r));
  });
}

export async function forget(id: string, opts: ForgetOptions, cmd: Command): Promise<void> {
  const g = globals(cmd);
  const home = opts.home ?? infrakitHome();
  const storeDir = opts.home === undefined ? process.env['INFRAKIT_STORE_DIR'] || join(home, 'configs') : join(home, 'configs');
  const pluginsDir = opts.home === undefined ? g.pluginsDir : join(home, 'plugins');
  const live = await liveRuntime(pluginsDir, opts.plugin);
  if (live !== null) {
    throw new Error(
      `a live runtime serves ${home} (${live}); it manages the group, so ask it: ` +
        `'infrakit-ts group free ${id}' (keep the instances) or 'infrakit-ts group destroy ${id}'`,
    );
  }
  const { FileSpecStore } = await import('../../actors/group/file-spec-store.js');
  const { GroupJournal, forgetInJournal } = await import('../../actors/group/journal.js');
  const store = new FileSpecStore(storeDir, opts.plugin);
  const groups = await store.load();
  if (!groups.has(id)) throw new Error(`group '${id}' not found in ${store.configPath} (handler '${opts.plugin}')`);
  await store.remove(id);
  await forgetInJournal(GroupJournal.pathFor(storeDir, opts.plugin), id);
  emit(
    g.output,
    { ID: id, Store: store.configPath, Forgotten: true },
    () => `Forgot ${id}: removed from ${store.configPath}; its instances were left alone`,
  );
}

export async function destroyInstances(id: string, instances: string[], cmd: Command): Promise<void> {
  const g = globals(cmd);
  await withCaller(g, async (c) => {
    const r = await client(cmd, c).destroyInstances(id, instances);
    emit(g.output, r, () => 'Initiated.');
  });
}
