/**
 * Which spec store a group actor uses, and its etcd settings (`store`, `etcdEndpoints`, `nodeId`,
 * `location`, `leaseTtl`, `etcdPrefix`): declaration options first, then the environment, then
 * defaults. The table of options, variables and defaults is in docs/cluster.md.
 */
import { hostname } from 'node:os';
import { join } from 'node:path';
import { parseEndpoints } from './etcd-endpoints.js';
import type { HaOptions } from './ha-group-plugin.js';
import { defaultNodeId } from './node-id.js';

export type StoreKind = 'file' | 'memory' | 'etcd';

export interface HaActorOptions {
  readonly etcdEndpoints?: string | readonly string[];
  readonly nodeId?: string;
  readonly location?: string;
  readonly leaseTtl?: number;
  readonly etcdPrefix?: string;
  readonly etcdCallTimeoutMs?: number;
}

const nonEmpty = (v: string | undefined): string | undefined => (v === undefined || v === '' ? undefined : v);

/** The store kind from the option, else `INFRAKIT_STORE`, else HEAD's `INFRAKIT_MANAGER_BACKEND`, else `file`. */
export function resolveStoreKind(option: string | undefined, env: NodeJS.ProcessEnv = process.env): StoreKind {
  const v = nonEmpty(option) ?? nonEmpty(env['INFRAKIT_STORE']) ?? nonEmpty(env['INFRAKIT_MANAGER_BACKEND']) ?? 'file';
  if (v === 'file' || v === 'memory' || v === 'etcd') return v;
  throw new Error(`unknown spec store '${v}': use file, memory or etcd`);
}

export function resolveHaOptions(o: HaActorOptions, actor: { name: string; home: string }, env: NodeJS.ProcessEnv = process.env): HaOptions {
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
