/**
 * Where InfraKit keeps its files: `INFRAKIT_HOME` (default `~/.infrakit`) and the plugins
 * directory holding one unix socket per plugin (`INFRAKIT_PLUGINS_DIR`, default `<home>/plugins`).
 */
import { homedir } from 'node:os';
import { join } from 'node:path';

/** `INFRAKIT_HOME`, or `~/.infrakit`. */
export function infrakitHome(env: NodeJS.ProcessEnv = process.env): string {
  const v = env['INFRAKIT_HOME'];
  return v !== undefined && v !== '' ? v : join(homedir(), '.infrakit');
}

/** `INFRAKIT_PLUGINS_DIR`, or `<home>/plugins`. */
export function pluginsDir(env: NodeJS.ProcessEnv = process.env): string {
  const v = env['INFRAKIT_PLUGINS_DIR'];
  return v !== undefined && v !== '' ? v : join(infrakitHome(env), 'plugins');
}
