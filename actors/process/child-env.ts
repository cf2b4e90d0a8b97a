/**
 * The environment a provisioned process gets. Later layers win:
 *
 * 1. the runtime's own environment (PATH, HOME, ...), minus any inherited `INFRAKIT_INSTANCE_*` /
 *    `INFRAKIT_LOGICAL_ID` (a runtime started by an instance must not pass its identity on);
 * 2. the instance's `Properties.Env`;
 * 3. what the plugin sets, which a spec cannot override:
 *    - `INFRAKIT_HOME`           the runtime's home
 *    - `INFRAKIT_INSTANCE_ID`    the instance ID (`proc-...`)
 *    - `INFRAKIT_LOGICAL_ID`     the spec's LogicalID (only when it has one)
 *    - `INFRAKIT_INSTANCE_TAGS`  the tags at provision time, as one JSON object (tag keys such as
 *                                `infrakit.config.hash` are not valid variable names, so no per-tag vars)
 *    - `INFRAKIT_INSTANCE_LOG`   the log file that receives the process's stdout and stderr
 *    - `INFRAKIT_GROUP`          the `infrakit.group` tag, when present (handy in Init scripts)
 *    - `PORT`                    the instance's port, when `Properties.Port` asked for one (also
 *                                tagged `port`); otherwise an inherited `PORT` is left alone
 */
import type { Tags } from '../spi/common.js';
import { TAG_GROUP } from '../spi/common.js';

export interface ChildIdentity {
  readonly home: string;
  readonly id: string;
  readonly logicalId: string | null;
  readonly tags: Tags;
  readonly log: string;
  readonly port: number | null;
}

/** Variables owned by the plugin: dropped from the inherited environment, then set from `ChildIdentity`. */
export const OWNED_VARS = [
  'INFRAKIT_INSTANCE_ID',
  'INFRAKIT_LOGICAL_ID',
  'INFRAKIT_INSTANCE_TAGS',
  'INFRAKIT_INSTANCE_LOG',
  'INFRAKIT_GROUP',
] as const;

export function childEnv(inherited: NodeJS.ProcessEnv, extra: Readonly<Record<string, string>>, who: ChildIdentity): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(inherited)) if (v !== undefined) env[k] = v;
  for (const k of OWNED_VARS) delete env[k];
  Object.assign(env, extra);
  env['INFRAKIT_HOME'] = who.home;
  env['INFRAKIT_INSTANCE_ID'] = who.id;
  if (who.logicalId !== null && who.logicalId !== '') env['INFRAKIT_LOGICAL_ID'] = who.logicalId;
  else delete env['INFRAKIT_LOGICAL_ID'];
  env['INFRAKIT_INSTANCE_TAGS'] = JSON.stringify(who.tags);
  env['INFRAKIT_INSTANCE_LOG'] = who.log;
  const group = who.tags[TAG_GROUP];
  if (group !== undefined) env['INFRAKIT_GROUP'] = group;
  else delete env['INFRAKIT_GROUP'];
  if (who.port !== null) env['PORT'] = String(who.port);
  return env;
}
