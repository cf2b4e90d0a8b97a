/**
 * Where InfraKit keeps its files, and nothing else: `INFRAKIT_HOME` (default `~/.infrakit`) and the
 * plugins directory (`INFRAKIT_PLUGINS_DIR`, default `<home>/plugins`). Apart from runtime/home.ts
 * (the home lock, which needs crypto and the atomic-file helpers) so a CLI verb that only finds a
 * socket loads two builtins for it.
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
