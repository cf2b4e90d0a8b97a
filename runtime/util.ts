/** Small helpers every room uses: one definition each. */

/** A JSON object: not null, not an array. */
export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The actor (socket) a plugin name names: the part before the first `/` (`simulator/compute` → `simulator`). */
export function actorOf(pluginName: string): string {
  const slash = pluginName.indexOf('/');
  return slash < 0 ? pluginName : pluginName.slice(0, slash);
}
