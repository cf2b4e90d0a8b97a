/**
 * How etcd3 is loaded: it is an optional package (gRPC and protobufjs, ~20 MB per thread), imported
 * only when `--store etcd` is asked for. Importing this file loads nothing.
 */
import type * as Etcd3 from 'etcd3';
import { assertInstalled, importOptional } from '../runtime/optional-module.js';

export type Etcd3Module = typeof Etcd3;

/** etcd3, or an Error `--store etcd needs the optional package etcd3: npm install etcd3`. */
export function loadEtcd3(packageName = 'etcd3'): Promise<Etcd3Module> {
  return importOptional<Etcd3Module>(packageName, '--store etcd');
}

/** Throws what {@link loadEtcd3} would when etcd3 is not installed, without loading it (`up --store etcd`'s main thread). */
export function assertEtcd3Installed(packageName = 'etcd3'): void {
  assertInstalled(packageName, '--store etcd');
}
