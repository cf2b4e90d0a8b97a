/**
 * Go `encoding/json`'s way of finding a struct field in a JSON object: the exact key first, else a
 * key equal to it ignoring case. InfraKit's clients and files rely on it (`"size"` fills `Size`).
 */
export function goField(obj: Readonly<Record<string, unknown>>, name: string): unknown {
  if (Object.hasOwn(obj, name)) return obj[name];
  const lower = name.toLowerCase();
  for (const k of Object.keys(obj)) if (k.toLowerCase() === lower) return obj[k];
  return undefined;
}
