/**
 * The `infrakit-ts` command tree. `up` hosts plugins; every other verb talks to plugins over their
 * sockets in the plugins dir, so it works against any InfraKit plugin, ours or not.
 */
import { readFileSync } from 'node:fs';
import { Command, Option } from 'commander';
import { InfrakitError } from '../runtime/errors.js';
import { groupCommand } from './commands/group.js';
import { instanceCommand, flavorCommand } from './commands/instance.js';
import { pluginCommand } from './commands/plugin.js';
import { upAction } from './commands/up.js';
import { watchGroup } from './commands/watch.js';
import { UsageError } from './output.js';
import { plainMessage } from './words.js';

const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };

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
    .action(upAction());

  p.addCommand(pluginCommand());
  p.addCommand(groupCommand());
  p.addCommand(instanceCommand());
  p.addCommand(flavorCommand());

  p.command('watch')
    .description('a live view of a group: instances added and removed, convergence, rollout progress')
    .argument('<group>', 'group ID')
    .option('--plugin <name>', 'the Group plugin (socket name)', 'group')
    .option('--interval <duration>', 'how often to look when the plugin serves no /events, and to retry a lost connection', '500ms')
    .action(async (id: string, _o: unknown, cmd: Command) => watchGroup(cmd, id));

  // Every command, however it was added, points to --help after a mistake.
  const hint = (c: Command): void => {
    c.showHelpAfterError('(run with --help for usage)');
    c.commands.forEach(hint);
  };
  hint(p);
  return p;
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
