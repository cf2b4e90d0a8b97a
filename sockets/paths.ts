/**
 * Where InfraKit keeps its files. Same rules as InfraKit's documentation (not Go's code, see docs/go-compat.md #29):
 * `INFRAKIT_HOME` defaults to `~/.infrakit`; plugin sockets live in `INFRAKIT_PLUGINS_DIR`, else
 * `$INFRAKIT_HOME/plugins`.
 */
import { join } from 'node:path';

// INFRAKIT_HOME / INFRAKIT_PLUGINS_DIR rules live in the runtime; re-exported for socket users.
export { infrakitHome, pluginsDir } from '../runtime/home-dirs.js';

/**
 * The socket lookup name of a plugin name: the part before the first `/`
 * (`group/workers` → `group`, `simulator/compute` → `simulator`).
 */
export function lookupName(pluginName: string): string {
  const i = pluginName.indexOf('/');
  return i < 0 ? pluginName : pluginName.slice(0, i);
}

/** `<dir>/<lookup>`: the unix socket of a plugin. */
export function socketPath(dir: string, pluginName: string): string {
  return join(dir, lookupName(pluginName));
}

/** `<dir>/<lookup>.pid`: the pid file beside the socket, as Go InfraKit writes it. */
export function pidFilePath(dir: string, pluginName: string): string {
  return join(dir, `${lookupName(pluginName)}.pid`);
}
