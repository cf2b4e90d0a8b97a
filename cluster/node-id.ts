/** The default node ID of a runtime in an HA cluster. No etcd3 import (see cluster/etcd-endpoints.ts). */
import { hostname } from 'node:os';

/** `<hostname>-<pid>`, the default node ID. */
export function defaultNodeId(): string {
  return `${hostname()}-${process.pid}`;
}
