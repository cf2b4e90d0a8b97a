/**
 * The etcd settings of a group actor (`etcdEndpoints`, `nodeId`, `location`, `leaseTtl`, `etcdPrefix`:
 * declaration options first, then the environment, then defaults; the table is in docs/cluster.md),
 * and the `backend` option that plugs cluster/group-backend.js into it. No etcd3 import here.
 */
import { hostname } from 'node:os';
import { join } from 'node:path';
import { parseEndpoints } from './etcd-endpoints.js';
import type { GroupBackendOption } from '../actors/group/backend.js';
import type { HaOptions } from './ha-group-plugin.js';
import { defaultNodeId } from './node-id.js';

/** What a group actor serves besides Group with the etcd backend (HEAD's manager). */
export const MANAGER_INTERFACE = { name: 'Manager', version: '0.1.0' } as const;

/** The group option `backend` for specs in etcd and a leader election. */
export function etcdGroupBackend(): GroupBackendOption {
  return { module: new URL('./group-backend.js', import.meta.url).href, interfaces: [MANAGER_INTERFACE] };
}

export interface HaActorOptions {
  readonly etcdEndpoints?: string | readonly string[];
  readonly nodeId?: string;
  readonly location?: string;
  readonly leaseTtl?: number;
  readonly etcdPrefix?: string;
  readonly etcdCallTimeoutMs?: number;
}

const nonEmpty = (v: string | undefined): string | undefined => (v === undefined || v === '' ? undefined : v);

export function resolveHaOptions(
  o: HaActorOptions,
  actor: { name: string; home: string },
  env: NodeJS.ProcessEnv = process.env,
): HaOptions {
  const endpoints = parseEndpoints(o.etcdEndpoints ?? nonEmpty(env['INFRAKIT_ETCD_ENDPOINTS']) ?? '127.0.0.1:2379');
  const plugins = nonEmpty(env['INFRAKIT_PLUGINS_DIR']) ?? join(actor.home, 'plugins');
  const ttl = o.leaseTtl ?? Number(nonEmpty(env['INFRAKIT_LEASE_TTL']) ?? 3);
  if (!(ttl >= 1)) throw new Error(`lease TTL must be at least 1 second, got ${String(o.leaseTtl ?? env['INFRAKIT_LEASE_TTL'])}`);
  return {
    etcdEndpoints: endpoints,
    self: {
      id: nonEmpty(o.nodeId) ?? nonEmpty(env['INFRAKIT_ID']) ?? defaultNodeId(),
      location: nonEmpty(o.location) ?? nonEmpty(env['INFRAKIT_ADVERTISE']) ?? `unix://${hostname()}${join(plugins, actor.name)}`,
      host: hostname(),
      pid: process.pid,
    },
    handler: actor.name,
    leaseTtlSeconds: ttl,
    prefix: nonEmpty(o.etcdPrefix) ?? nonEmpty(env['INFRAKIT_ETCD_PREFIX']) ?? 'infrakit/',
    ...(o.etcdCallTimeoutMs === undefined ? {} : { etcdCallTimeoutMs: o.etcdCallTimeoutMs }),
  };
}
