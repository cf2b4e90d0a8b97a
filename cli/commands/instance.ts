/**
 * `infrakit-ts instance …` and `infrakit-ts flavor …`: talk to Instance and Flavor plugins directly,
 * addressed as `plugin[/type]` (e.g. `simulator/compute`), as InfraKit's CLI does.
 */
import { Command } from 'commander';
import { FlavorClient, Health, InstanceClient, type Description, type InstanceSpec } from '../../actors/spi/index.js';
import { emit, table, UsageError } from '../output.js';
import { parseDocument, readText } from '../spec-file.js';
import { globals, withCaller } from '../context.js';

/** `k=v` words into a tag map. */
export function parseTags(words: readonly string[] | undefined): Record<string, string> | null {
  if (!words || words.length === 0) return null;
  const tags: Record<string, string> = {};
  for (const w of words.flatMap((x) => x.split(','))) {
    const i = w.indexOf('=');
    if (i <= 0) throw new UsageError(`--tags takes key=value, not '${w}'`);
    tags[w.slice(0, i)] = w.slice(i + 1);
  }
  return tags;
}

const collect = (v: string, prev: string[] = []) => [...prev, v];

export function instancesTable(list: readonly Description[]): string {
  if (list.length === 0) return 'No instances.';
  return table(
    ['ID', 'LOGICAL', 'TAGS'],
    [...list].sort((a, b) => a.ID.localeCompare(b.ID)).map((d) => [d.ID, d.LogicalID, d.Tags ?? {}]),
  );
}

async function readJson(file: string): Promise<unknown> {
  return parseDocument(await readText(file), file);
}

export function instanceCommand(): Command {
  const cmd = new Command('instance').description('talk to an Instance plugin (plugin[/type], e.g. simulator/compute)');

  cmd
    .command('describe')
    .description('list instances, optionally only those with all the given tags')
    .argument('<plugin>', 'Instance plugin, e.g. simulator/compute')
    .option('-t, --tags <k=v>', 'filter by tag (repeat, or comma-separate)', collect)
    .option('-p, --properties', "include each instance's properties")
    .option('-q, --quiet', 'print only IDs')
    .action(async (plugin: string, opts: { tags?: string[]; properties?: boolean; quiet?: boolean }, c: Command) => {
      const g = globals(c);
      await withCaller(g, async (caller) => {
        const list = await new InstanceClient(caller.call, plugin).describe(parseTags(opts.tags), opts.properties === true);
        emit(g.output, list, () => (opts.quiet ? list.map((d) => d.ID).join('\n') : instancesTable(list)));
      });
    });

  cmd
    .command('provision')
    .description('provision one instance from an instance spec file ({Properties, Tags, Init, LogicalID, Attachments})')
    .argument('<plugin>', 'Instance plugin')
    .argument('<file>', 'instance spec, JSON or YAML; - for stdin')
    .action(async (plugin: string, file: string, _o: unknown, c: Command) => {
      const g = globals(c);
      const spec = (await readJson(file)) as InstanceSpec;
      if (typeof spec !== 'object' || spec === null || Array.isArray(spec))
        throw new UsageError(`${file}: an instance spec must be an object`);
      await withCaller(g, async (caller) => {
        const id = await new InstanceClient(caller.call, plugin).provision(spec);
        emit(g.output, { ID: id }, () => String(id));
      });
    });

  cmd
    .command('destroy')
    .description('destroy instances by ID')
    .argument('<plugin>', 'Instance plugin')
    .argument('<ids...>', 'instance IDs')
    .action(async (plugin: string, ids: string[], _o: unknown, c: Command) => {
      const g = globals(c);
      await withCaller(g, async (caller) => {
        const ic = new InstanceClient(caller.call, plugin);
        const done: string[] = [];
        for (const id of ids) {
          await ic.destroy(id, { Reason: 'terminate' });
          done.push(id);
        }
        emit(g.output, { Destroyed: done }, () => done.map((id) => `destroyed ${id}`).join('\n'));
      });
    });

  cmd
    .command('validate')
    .description('check instance properties with the plugin, without side effects')
    .argument('<plugin>', 'Instance plugin')
    .argument('<file>', 'the properties, JSON or YAML')
    .action(async (plugin: string, file: string, _o: unknown, c: Command) => {
      const g = globals(c);
      const props = await readJson(file);
      await withCaller(g, async (caller) => {
        const r = await new InstanceClient(caller.call, plugin).validate(props);
        emit(g.output, r, () => 'validate:ok');
      });
    });

  return cmd;
}

function allocation(opts: { size?: string; logicalIds?: string }): { Size: number; LogicalIDs: string[] | null } {
  const ids = opts.logicalIds ? opts.logicalIds.split(',').filter(Boolean) : null;
  const size = opts.size === undefined ? (ids ? 0 : 1) : Number(opts.size);
  if (!Number.isInteger(size) || size < 0) throw new UsageError(`--size must be a whole number >= 0, not '${opts.size}'`);
  return { Size: ids ? 0 : size, LogicalIDs: ids };
}

const HEALTH_TEXT: Record<number, string> = { [Health.Unknown]: 'unknown', [Health.Healthy]: 'healthy', [Health.Unhealthy]: 'unhealthy' };

export function flavorCommand(): Command {
  const cmd = new Command('flavor').description('talk to a Flavor plugin');

  cmd
    .command('validate')
    .description('check flavor properties against an allocation')
    .argument('<plugin>', 'Flavor plugin, e.g. vanilla')
    .argument('<file>', 'the flavor properties, JSON or YAML')
    .option('--size <n>', 'allocation size')
    .option('--logical-ids <a,b>', 'allocation logical IDs')
    .action(async (plugin: string, file: string, opts: { size?: string; logicalIds?: string }, c: Command) => {
      const g = globals(c);
      const props = await readJson(file);
      await withCaller(g, async (caller) => {
        await new FlavorClient(caller.call, plugin).validate(props, allocation(opts));
        emit(g.output, { OK: true }, () => 'validate:ok');
      });
    });

  cmd
    .command('prepare')
    .description('show the instance spec the flavor would produce')
    .argument('<plugin>', 'Flavor plugin')
    .argument('<file>', 'the flavor properties, JSON or YAML')
    .option('--spec <file>', 'the incoming instance spec (default: empty)')
    .option('--size <n>', 'allocation size')
    .option('--logical-ids <a,b>', 'allocation logical IDs')
    .option('--index-group <id>', 'group ID of the index', '')
    .option('--index-sequence <n>', 'sequence of the index', '0')
    .action(
      async (
        plugin: string,
        file: string,
        opts: { spec?: string; size?: string; logicalIds?: string; indexGroup: string; indexSequence: string },
        c: Command,
      ) => {
        const g = globals(c);
        const props = await readJson(file);
        const spec = (
          opts.spec ? await readJson(opts.spec) : { Properties: null, Tags: null, Init: '', LogicalID: null, Attachments: null }
        ) as InstanceSpec;
        await withCaller(g, async (caller) => {
          const out = await new FlavorClient(caller.call, plugin).prepare(props, spec, allocation(opts), {
            Group: opts.indexGroup,
            Sequence: Number(opts.indexSequence),
          });
          emit(g.output === 'table' ? 'json' : g.output, out, () => '');
        });
      },
    );

  cmd
    .command('healthy')
    .description('ask the flavor whether instances are healthy')
    .argument('<plugin>', 'Flavor plugin')
    .requiredOption('--instance-plugin <plugin>', 'Instance plugin that holds the instances')
    .option('--properties <file>', 'the flavor properties, JSON or YAML')
    .option('-t, --tags <k=v>', 'which instances (default: all)', collect)
    .action(async (plugin: string, opts: { instancePlugin: string; properties?: string; tags?: string[] }, c: Command) => {
      const g = globals(c);
      const props = opts.properties ? await readJson(opts.properties) : null;
      await withCaller(g, async (caller) => {
        const list = await new InstanceClient(caller.call, opts.instancePlugin).describe(parseTags(opts.tags), false);
        const fc = new FlavorClient(caller.call, plugin);
        const rows: { ID: string; Health: number }[] = [];
        for (const d of list) rows.push({ ID: d.ID, Health: await fc.healthy(props, d) });
        emit(g.output, rows, () =>
          rows.length === 0
            ? 'No instances.'
            : table(
                ['ID', 'HEALTH'],
                rows.map((r) => [r.ID, HEALTH_TEXT[r.Health] ?? r.Health]),
              ),
        );
      });
    });

  return cmd;
}
