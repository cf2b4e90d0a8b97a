/**
 * The environment a provisioned process gets. Later layers win: the runtime's own environment
 * (minus inherited `INFRAKIT_INSTANCE_*` / `INFRAKIT_LOGICAL_ID`), then the instance's
 * `Properties.Env`, then what the plugin sets and a spec cannot override (`INFRAKIT_HOME`,
 * `INFRAKIT_INSTANCE_ID`, `INFRAKIT_LOGICAL_ID`, `INFRAKIT_INSTANCE_TAGS` as one JSON object,
 * `INFRAKIT_INSTANCE_LOG`, `INFRAKIT_GROUP`, and `PORT` when `Properties.Port` asked for one).
 * The list with its meanings: actors/process/README.md.
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

export function childEnv(
  inherited: NodeJS.ProcessEnv,
  extra: Readonly<Record<string, string>>,
  who: ChildIdentity,
): Record<string, string> {
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
