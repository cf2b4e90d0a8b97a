/**
 * `infrakit-ts instance …` and `infrakit-ts flavor …` (declared in cli/program.ts): talk to Instance
 * and Flavor plugins directly, addressed as `plugin[/type]` (e.g. `simulator/compute`), as InfraKit's CLI does.
 */
import type { Command } from 'commander';
import { Health, type Description, type InstanceSpec } from '../../actors/spi/common.js';
import { FlavorClient } from '../../actors/spi/flavor.js';
import { InstanceClient } from '../../actors/spi/instance.js';
import { emit, table, UsageError } from '../output.js';
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

export function instancesTable(list: readonly Description[]): string {
  if (list.length === 0) return 'No instances.';
  return table(
    ['ID', 'LOGICAL', 'TAGS'],
    [...list].sort((a, b) => a.ID.localeCompare(b.ID)).map((d) => [d.ID, d.LogicalID, d.Tags ?? {}]),
  );
}

/** A JSON or YAML file; the reader is loaded only by the verbs that read one. */
async function readJson(file: string): Promise<unknown> {
  const { parseDocument, readText } = await import('../spec-file.js');
  return parseDocument(await readText(file), file);
}

export interface InstanceDescribeOptions {
  readonly tags?: string[];
  readonly properties?: boolean;
  readonly quiet?: boolean;
}
export interface FlavorValidateOptions {
  readonly size?: string;
  readonly logicalIds?: string;
}
export interface FlavorPrepareOptions extends FlavorValidateOptions {
  readonly spec?: string;
  readonly indexGroup: string;
  readonly indexSequence: string;
}
export interface HealthyOptions {
  readonly instancePlugin: string;
  readonly properties?: string;
  readonly tags?: string[];
}

export async function describe(plugin: string, opts: InstanceDescribeOptions, c: Command): Promise<void> {
  const g = globals(c);
  await withCaller(g, async (caller) => {
    const list = await new InstanceClient(caller.call, plugin).describe(parseTags(opts.tags), opts.properties === true);
    emit(g.output, list, () => (opts.quiet ? list.map((d) => d.ID).join('\n') : instancesTable(list)));
  });
}

export async function provision(plugin: string, file: string, c: Command): Promise<void> {
  const g = globals(c);
  const spec = (await readJson(file)) as InstanceSpec;
  if (typeof spec !== 'object' || spec === null || Array.isArray(spec)) throw new UsageError(`${file}: an instance spec must be an object`);
  await withCaller(g, async (caller) => {
    const id = await new InstanceClient(caller.call, plugin).provision(spec);
    emit(g.output, { ID: id }, () => String(id));
  });
}

export async function destroy(plugin: string, ids: string[], c: Command): Promise<void> {
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
}

export async function validate(plugin: string, file: string, c: Command): Promise<void> {
  const g = globals(c);
  const props = await readJson(file);
  await withCaller(g, async (caller) => {
    const r = await new InstanceClient(caller.call, plugin).validate(props);
    emit(g.output, r, () => 'validate:ok');
  });
}

function allocation(opts: FlavorValidateOptions): { Size: number; LogicalIDs: string[] | null } {
  const ids = opts.logicalIds ? opts.logicalIds.split(',').filter(Boolean) : null;
  const size = opts.size === undefined ? (ids ? 0 : 1) : Number(opts.size);
  if (!Number.isInteger(size) || size < 0) throw new UsageError(`--size must be a whole number >= 0, not '${opts.size}'`);
  return { Size: ids ? 0 : size, LogicalIDs: ids };
}

const HEALTH_TEXT: Record<number, string> = { [Health.Unknown]: 'unknown', [Health.Healthy]: 'healthy', [Health.Unhealthy]: 'unhealthy' };

export async function flavorValidate(plugin: string, file: string, opts: FlavorValidateOptions, c: Command): Promise<void> {
  const g = globals(c);
  const props = await readJson(file);
  await withCaller(g, async (caller) => {
    await new FlavorClient(caller.call, plugin).validate(props, allocation(opts));
    emit(g.output, { OK: true }, () => 'validate:ok');
  });
}

export async function flavorPrepare(plugin: string, file: string, opts: FlavorPrepareOptions, c: Command): Promise<void> {
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
}

export async function flavorHealthy(plugin: string, opts: HealthyOptions, c: Command): Promise<void> {
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
}
