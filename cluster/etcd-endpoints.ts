/**
 * etcd endpoint lists as users write them. Kept apart from etcd-client.ts so that reading options
 * (cluster/ha-options.ts) does not load etcd3 and gRPC into every thread that imports the group actor.
 */

/** Normalises `host:port` or `http://host:port` lists, comma-separated or not. */
export function parseEndpoints(input: string | readonly string[]): string[] {
  const parts = (typeof input === 'string' ? [input] : input)
    .flatMap((s) => s.split(','))
    .map((s) => s.trim())
    .filter((s) => s !== '');
  return parts.map((p) => (/^[a-z]+:\/\//i.test(p) ? p : `http://${p}`));
}
