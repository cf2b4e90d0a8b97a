/**
 * The `infrakit-ts` command tree: every verb's name, options and help text. `up` hosts plugins; every
 * other verb talks to plugins over their sockets in the plugins dir, so it works against any InfraKit
 * plugin, ours or not. Each action imports its implementation (cli/commands/) only when it runs, so
 * `--help` loads none and a verb loads only what it uses; only `up` loads the runtime.
 */
import { readFileSync } from 'node:fs';
import { Command, Option } from './commander.js';
import { InfrakitError } from '../runtime/errors.js';
import type { CommitOptions, DescribeOptions, ForgetOptions, GroupVerb } from './commands/group.js';
import type { FlavorPrepareOptions, FlavorValidateOptions, HealthyOptions, InstanceDescribeOptions } from './commands/instance.js';
import type { StopOptions } from './commands/plugin.js';
import type { UpOptions } from './commands/up.js';
import { UsageError } from './output.js';
import { plainMessage } from './words.js';

const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };

// The implementations, imported when a verb runs.
const groupVerbs = () => import('./commands/group.js');
const instanceVerbs = () => import('./commands/instance.js');
const pluginVerbs = () => import('./commands/plugin.js');
const upVerbs = () => import('./commands/up.js');
const watchVerbs = () => import('./commands/watch.js');

const collect = (v: string, prev: string[] = []) => [...prev, v];

export function program(): Command {
  const p = new Command('infrakit-ts')
    .description("InfraKit's plugins as actors in one Node.js process: declarative, self-healing groups of instances")
    .version(pkg.version, '-v, --version')
    .addOption(new Option('--log <level>', 'log level, as InfraKit: 0 nothing … 4 info, 5 debug (every request and response)').default('4'))
    .addOption(new Option('-o, --output <format>', 'table (for people), json or yaml (for machines)').default('table'))
    .addOption(new Option('--plugins-dir <dir>', 'where plugin sockets live').env('INFRAKIT_PLUGINS_DIR'))
    .addOption(
      new Option('--log-format <format>', 'term (readable lines) or json (one object per line); default term on a terminal, else json')
        .choices(['term', 'json'])
        .env('INFRAKIT_LOG_FORMAT'),
    )
    .enablePositionalOptions(false);

  p.command('up')
    .description('start the runtime: host the default plugins (or those of --config), each on its own socket, until Ctrl-C')
    .option('-c, --config <file>', 'which actors to host (JSON or YAML: actors: [{name, plugin, options}])')
    .addOption(
      new Option('--store <kind>', 'where group specs live: file (under INFRAKIT_HOME) or etcd (shared; leader election)')
        .choices(['file', 'etcd'])
        .env('INFRAKIT_STORE'),
    )
    .addOption(
      new Option('--etcd-endpoints <list>', 'etcd client URLs or host:port, comma-separated (--store etcd)').env('INFRAKIT_ETCD_ENDPOINTS'),
    )
    .addOption(new Option('--node-id <id>', "this runtime's name in the leader election (default <hostname>-<pid>)").env('INFRAKIT_ID'))
    .option('-w, --watch', "reload a plugin when a file in its module's directory changes (hot reload; calls are not dropped)")
    .addOption(
      new Option(
        '--http <host:port|off>',
        'serve the observer (live page, JSON, /metrics) here, or off; default 127.0.0.1:9470 or the next free port',
      ).env('INFRAKIT_HTTP'),
    )
    .option('--http-public', 'allow a non-loopback --http address (clients from other hosts; needs a token)')
    .addOption(new Option('--http-token <token>', 'required of every observer client (16+ characters)').env('INFRAKIT_OBSERVER_TOKEN'))
    .option('--http-controls', 'let the observer page pause, resume and roll back rollouts')
    .action(async (opts: UpOptions, cmd: Command) => (await upVerbs()).up(opts, cmd));

  p.addCommand(pluginCommand());
  p.addCommand(groupCommand());
  p.addCommand(instanceCommand());
  p.addCommand(flavorCommand());

  p.command('watch')
    .description('a live view of a group: instances added and removed, convergence, rollout progress')
    .argument('<group>', 'group ID')
    .option('--plugin <name>', 'the Group plugin (socket name)', 'group')
    .option('--interval <duration>', 'how often to look when the plugin serves no /events, and to retry a lost connection', '500ms')
    .action(async (id: string, _o: unknown, cmd: Command) => (await watchVerbs()).watchGroup(cmd, id));

  // Every command, however it was added, points to --help after a mistake.
  const hint = (c: Command): void => {
    c.showHelpAfterError('(run with --help for usage)');
    c.commands.forEach(hint);
  };
  hint(p);
  return p;
}

/** `infrakit-ts plugin ls|start|stop|reload`: the plugins dir as InfraKit's CLI shows it. */
function pluginCommand(): Command {
  const cmd = new Command('plugin').description('list, start, stop and reload plugins');

  cmd
    .command('ls')
    .description("list every plugin in the plugins dir (ours and other processes'), with its interfaces")
    .action(async (_o: unknown, c: Command) => (await pluginVerbs()).ls(c));

  cmd
    .command('start')
    .description('host the named plugins in one process until Ctrl-C (kind, or kind:name, e.g. simulator:sim-a)')
    .argument('[plugins...]', 'group, simulator, file, process, vanilla, combo, or kind:name')
    .option(
      '--exec <name=command>',
      "also run an executable plugin and supervise it (repeatable): 'aws=infrakit-instance-aws --name aws', split at spaces",
      collect,
    )
    .option('-w, --watch', "reload a plugin when a file in its module's directory changes (as up --watch)")
    .action(async (words: string[], o: { exec?: string[]; watch?: boolean }, c: Command) => (await upVerbs()).pluginStart(words, o, c));

  cmd
    .command('stop')
    .description('stop the process serving a plugin (SIGTERM to the pid in <name>.pid)')
    .argument('[names...]', 'plugin names')
    .option('--all', 'stop every plugin in the plugins dir')
    .option('--force', 'stop even when the process hosts other plugins too')
    .action(async (names: string[], opts: StopOptions, c: Command) => (await pluginVerbs()).stop(names, opts, c));

  cmd
    .command('reload')
    .description("load a plugin's code again without dropping a call (hot reload; infrakit-ts plugins only)")
    .argument('<names...>', 'plugin names')
    .action(async (names: string[], _o: unknown, c: Command) => (await pluginVerbs()).reload(names, c));

  return cmd;
}

const pluginOption = () => new Option('--plugin <name>', 'the Group plugin (socket name)').default('group');

/**
 * `infrakit-ts group …`: commit, describe, ls, size, free, destroy, destroy-instances, and the rollout
 * controls, on a Group plugin's socket (default `group`); `forget` edits a home's file store offline.
 */
function groupCommand(): Command {
  const group = new Command('group').description('commit and manage groups on a Group plugin');

  group
    .command('commit')
    .description('commit a group spec (JSON or YAML; - for stdin): the plugin converges the group to it')
    .argument('<file>', 'group spec file: {ID, Properties: {Allocation, Instance, Flavor}}')
    .option('--pretend', 'say what would happen, change nothing')
    .option('--wait', 'wait until the group has converged, showing progress')
    .option('--timeout <duration>', 'how long --wait waits (e.g. 90s, 5m)', '5m')
    .addOption(pluginOption())
    .action(async (file: string, opts: CommitOptions, cmd: Command) => (await groupVerbs()).commit(file, opts, cmd));

  group
    .command('describe')
    .description('list the instances of a group and whether it has converged')
    .argument('<id>', 'group ID')
    .option('-w, --watch', 'keep watching and print every change')
    .addOption(pluginOption())
    .action(async (id: string, opts: DescribeOptions, cmd: Command) => (await groupVerbs()).describe(id, opts, cmd));

  group
    .command('ls')
    .description('list the groups a Group plugin manages')
    .addOption(pluginOption())
    .action(async (_opts: unknown, cmd: Command) => (await groupVerbs()).ls(cmd));

  group
    .command('size')
    .description('show the target size of a group, or set it')
    .argument('<id>', 'group ID')
    .argument('[n]', 'new size')
    .addOption(pluginOption())
    .action(async (id: string, n: string | undefined, _opts: unknown, cmd: Command) => (await groupVerbs()).size(id, n, cmd));

  const simple = (name: GroupVerb, description: string) =>
    group
      .command(name)
      .description(description)
      .argument('<id>', 'group ID')
      .addOption(pluginOption())
      .action(async (id: string, _opts: unknown, cmd: Command) => (await groupVerbs()).simple(name, id, cmd));

  simple('free', 'stop managing a group and leave its instances running');
  simple('destroy', 'destroy every instance of a group and forget it');
  simple('pause', 'pause the rolling update of a group (healing goes on)');
  simple('resume', 'resume a paused rolling update');
  simple('rollback', 'roll a group back to its previous configuration');

  group
    .command('forget')
    .description("remove a stored group from a home's file store while no runtime serves it (its instances are left alone)")
    .argument('<id>', 'group ID')
    .option('--home <dir>', 'the INFRAKIT_HOME whose store to edit (default: $INFRAKIT_HOME, else ~/.infrakit)')
    .addOption(pluginOption())
    .action(async (id: string, opts: ForgetOptions, cmd: Command) => (await groupVerbs()).forget(id, opts, cmd));

  group
    .command('destroy-instances')
    .description('destroy some instances of a group; its size drops by as many')
    .argument('<id>', 'group ID')
    .argument('<instances...>', 'instance IDs')
    .addOption(pluginOption())
    .action(async (id: string, instances: string[], _opts: unknown, cmd: Command) =>
      (await groupVerbs()).destroyInstances(id, instances, cmd),
    );

  return group;
}

/** `infrakit-ts instance …`: an Instance plugin addressed as `plugin[/type]` (e.g. `simulator/compute`), as InfraKit's CLI does. */
function instanceCommand(): Command {
  const cmd = new Command('instance').description('talk to an Instance plugin (plugin[/type], e.g. simulator/compute)');

  cmd
    .command('describe')
    .description('list instances, optionally only those with all the given tags')
    .argument('<plugin>', 'Instance plugin, e.g. simulator/compute')
    .option('-t, --tags <k=v>', 'filter by tag (repeat, or comma-separate)', collect)
    .option('-p, --properties', "include each instance's properties")
    .option('-q, --quiet', 'print only IDs')
    .action(async (plugin: string, opts: InstanceDescribeOptions, c: Command) => (await instanceVerbs()).describe(plugin, opts, c));

  cmd
    .command('provision')
    .description('provision one instance from an instance spec file ({Properties, Tags, Init, LogicalID, Attachments})')
    .argument('<plugin>', 'Instance plugin')
    .argument('<file>', 'instance spec, JSON or YAML; - for stdin')
    .action(async (plugin: string, file: string, _o: unknown, c: Command) => (await instanceVerbs()).provision(plugin, file, c));

  cmd
    .command('destroy')
    .description('destroy instances by ID')
    .argument('<plugin>', 'Instance plugin')
    .argument('<ids...>', 'instance IDs')
    .action(async (plugin: string, ids: string[], _o: unknown, c: Command) => (await instanceVerbs()).destroy(plugin, ids, c));

  cmd
    .command('validate')
    .description('check instance properties with the plugin, without side effects')
    .argument('<plugin>', 'Instance plugin')
    .argument('<file>', 'the properties, JSON or YAML')
    .action(async (plugin: string, file: string, _o: unknown, c: Command) => (await instanceVerbs()).validate(plugin, file, c));

  return cmd;
}

/** `infrakit-ts flavor …`: a Flavor plugin. */
function flavorCommand(): Command {
  const cmd = new Command('flavor').description('talk to a Flavor plugin');

  cmd
    .command('validate')
    .description('check flavor properties against an allocation')
    .argument('<plugin>', 'Flavor plugin, e.g. vanilla')
    .argument('<file>', 'the flavor properties, JSON or YAML')
    .option('--size <n>', 'allocation size')
    .option('--logical-ids <a,b>', 'allocation logical IDs')
    .action(async (plugin: string, file: string, opts: FlavorValidateOptions, c: Command) =>
      (await instanceVerbs()).flavorValidate(plugin, file, opts, c),
    );

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
    .action(async (plugin: string, file: string, opts: FlavorPrepareOptions, c: Command) =>
      (await instanceVerbs()).flavorPrepare(plugin, file, opts, c),
    );

  cmd
    .command('healthy')
    .description('ask the flavor whether instances are healthy')
    .argument('<plugin>', 'Flavor plugin')
    .requiredOption('--instance-plugin <plugin>', 'Instance plugin that holds the instances')
    .option('--properties <file>', 'the flavor properties, JSON or YAML')
    .option('-t, --tags <k=v>', 'which instances (default: all)', collect)
    .action(async (plugin: string, opts: HealthyOptions, c: Command) => (await instanceVerbs()).flavorHealthy(plugin, opts, c));

  return cmd;
}

/** What to tell a person for a failure, and the exit code (plugin texts made plain: words.ts). */
export function explain(err: unknown): { message: string; code: number } {
  if (err instanceof UsageError) return { message: `error: ${err.message}`, code: 2 };
  if (err instanceof InfrakitError && (err.code === 'IK_REMOTE' || err.code === 'IK_ACTOR_NOT_FOUND')) {
    return {
      message: `error: ${err.message}\n(is the plugin running? 'infrakit-ts up' starts them; 'infrakit-ts plugin ls' lists them)`,
      code: 1,
    };
  }
  if (err instanceof Error) return { message: `error: ${plainMessage(err.message)}`, code: 1 };
  return { message: `error: ${String(err)}`, code: 1 };
}
