/**
 * `infrakit-ts group …`: commit, describe, ls, size, free, destroy, destroy-instances, and the
 * rollout controls. Talks to a Group plugin over its socket (default `group`), ours or InfraKit's.
 * `forget` edits a home's file store offline, with no runtime serving it.
 */
import { readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { Command, Option } from 'commander';
import { FileSpecStore } from '../../actors/group/file-spec-store.js';
import { GroupJournal, forgetInJournal } from '../../actors/group/journal.js';
import { infrakitHome } from '../../runtime/home.js';
import { pidExists } from '../../runtime/pid-exists.js';
import {
  GroupClient,
  TAG_CONFIG_HASH,
  TAG_GROUP,
  TAG_LOGICAL_ID,
  type Description,
  type GroupDescription,
  type InspectedGroup,
} from '../../actors/spi/index.js';
import { emit, table, UsageError } from '../output.js';
import { readGroupSpec } from '../spec-file.js';
import { globals, withCaller } from '../context.js';
import { parseDuration } from '../duration.js';
import { watchGroup } from './watch.js';
import { count, countOf } from '../words.js';

const pluginOption = () => new Option('--plugin <name>', 'the Group plugin (socket name)').default('group');

function client(cmd: Command, caller: Parameters<Parameters<typeof withCaller>[1]>[0]): GroupClient {
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

export function groupCommand(): Command {
  const group = new Command('group').description('commit and manage groups on a Group plugin');

  group
    .command('commit')
    .description('commit a group spec (JSON or YAML; - for stdin): the plugin converges the group to it')
    .argument('<file>', 'group spec file: {ID, Properties: {Allocation, Instance, Flavor}}')
    .option('--pretend', 'say what would happen, change nothing')
    .option('--wait', 'wait until the group has converged, showing progress')
    .option('--timeout <duration>', 'how long --wait waits (e.g. 90s, 5m)', '5m')
    .addOption(pluginOption())
    .action(async (file: string, opts: { pretend?: boolean; wait?: boolean; timeout: string }, cmd: Command) => {
      const g = globals(cmd);
      const spec = await readGroupSpec(file);
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
    });

  group
    .command('describe')
    .description('list the instances of a group and whether it has converged')
    .argument('<id>', 'group ID')
    .option('-w, --watch', 'keep watching and print every change')
    .addOption(pluginOption())
    .action(async (id: string, opts: { watch?: boolean }, cmd: Command) => {
      const g = globals(cmd);
      if (opts.watch) return watchGroup(cmd, id);
      await withCaller(g, async (c) => {
        const d = await client(cmd, c).describe(id);
        emit(g.output, d, () => describeTable(id, d));
      });
    });

  group
    .command('ls')
    .description('list the groups a Group plugin manages')
    .addOption(pluginOption())
    .action(async (_opts: unknown, cmd: Command) => {
      const g = globals(cmd);
      await withCaller(g, async (c) => {
        const specs = await client(cmd, c).inspect();
        emit(g.output, specs, () => (specs.length === 0 ? 'No groups. Commit one with: infrakit-ts group commit <file>' : lsTable(specs)));
      });
    });

  group
    .command('size')
    .description('show the target size of a group, or set it')
    .argument('<id>', 'group ID')
    .argument('[n]', 'new size')
    .addOption(pluginOption())
    .action(async (id: string, n: string | undefined, _opts: unknown, cmd: Command) => {
      const g = globals(cmd);
      // A size that is no size is the caller's mistake, whether or not the group exists.
      const size = n === undefined ? undefined : Number(n);
      if (size !== undefined && (n?.trim() === '' || !Number.isInteger(size) || size < 0)) {
        throw new UsageError(`size must be a whole number ≥ 0, got '${n}'`);
      }
      await withCaller(g, async (c) => {
        const gc = client(cmd, c);
        const current = await gc.size(id);
        if (size === undefined) {
          emit(g.output, { ID: id, Size: current }, () => `Group ${id} at ${count(current, 'instance')}`);
          return;
        }
        await gc.setSize(id, size);
        emit(g.output, { ID: id, Size: current, Target: size }, () => `Group ${id} at ${count(current, 'instance')}, scale to ${size}`);
      });
    });

  const simple = (
    name: string,
    description: string,
    run: (gc: GroupClient, id: string) => Promise<unknown>,
    say: (id: string, r: unknown) => string,
  ) =>
    group
      .command(name)
      .description(description)
      .argument('<id>', 'group ID')
      .addOption(pluginOption())
      .action(async (id: string, _opts: unknown, cmd: Command) => {
        const g = globals(cmd);
        await withCaller(g, async (c) => {
          const r = await run(client(cmd, c), id);
          emit(g.output, r, () => say(id, r));
        });
      });

  simple(
    'free',
    'stop managing a group and leave its instances running',
    (gc, id) => gc.free(id),
    (id) => `Freed ${id}`,
  );
  simple(
    'destroy',
    'destroy every instance of a group and forget it',
    (gc, id) => gc.destroy(id),
    (id) => `Destroy ${id} initiated`,
  );
  const details = (_id: string, r: unknown) => String((r as { Details?: string }).Details ?? 'OK');
  simple('pause', 'pause the rolling update of a group (healing goes on)', (gc, id) => gc.pause(id), details);
  simple('resume', 'resume a paused rolling update', (gc, id) => gc.resume(id), details);
  simple('rollback', 'roll a group back to its previous configuration', (gc, id) => gc.rollback(id), details);

  group
    .command('forget')
    .description("remove a stored group from a home's file store while no runtime serves it (its instances are left alone)")
    .argument('<id>', 'group ID')
    .option('--home <dir>', 'the INFRAKIT_HOME whose store to edit (default: $INFRAKIT_HOME, else ~/.infrakit)')
    .addOption(pluginOption())
    .action(async (id: string, opts: { home?: string; plugin: string }, cmd: Command) => {
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
    });

  group
    .command('destroy-instances')
    .description('destroy some instances of a group; its size drops by as many')
    .argument('<id>', 'group ID')
    .argument('<instances...>', 'instance IDs')
    .addOption(pluginOption())
    .action(async (id: string, instances: string[], _opts: unknown, cmd: Command) => {
      const g = globals(cmd);
      await withCaller(g, async (c) => {
        const r = await client(cmd, c).destroyInstances(id, instances);
        emit(g.output, r, () => 'Initiated.');
      });
    });

  return group;
}
