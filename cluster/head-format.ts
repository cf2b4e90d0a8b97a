/**
 * HEAD's spec store format (docs/go-compat.md #10): one JSON array of `{Key, Record}` entries,
 * `[{"Key":{"Kind":"group","Name":"workers"},"Record":{"Handler":…,"Spec":{"kind":"group",…,
 * "properties":{…}}}}]`, written with Go's `MarshalIndent(prefix "  ", indent "  ")`, so a Go manager
 * pointed at the same store can read it.
 */
export const DEFAULT_HANDLER = 'group-stateless';

/** One group as HEAD's array holds it. */
export interface HeadGroup {
  readonly ID: string;
  readonly Properties: unknown;
  readonly Handler?: string;
}

export interface HeadEntry {
  Key: { Kind: string; Name: string };
  Record: {
    Handler: string;
    Spec: { kind: string; version: string; metadata: { name: string; tags: unknown }; properties: unknown };
  };
}

/** Groups → HEAD's array text (sorted by handler and ID, so the text is stable). `null` when empty, as Go writes a nil slice. */
export function encodeHeadSpecs(groups: Iterable<HeadGroup>): string {
  const entries: HeadEntry[] = [...groups]
    .sort((a, b) => cmp(a.Handler ?? DEFAULT_HANDLER, b.Handler ?? DEFAULT_HANDLER) || cmp(a.ID, b.ID))
    .map((g) => ({
      Key: { Kind: 'group', Name: g.ID },
      Record: {
        Handler: g.Handler ?? DEFAULT_HANDLER,
        Spec: { kind: 'group', version: '', metadata: { name: g.ID, tags: null }, properties: g.Properties ?? null },
      },
    }));
  if (entries.length === 0) return 'null';
  // MarshalIndent(prefix "  ", indent "  "): every line after the first starts with the prefix.
  return JSON.stringify(entries, null, 2).split('\n').join('\n  ');
}

/** HEAD's array text → groups (entries of other kinds are skipped). */
export function decodeHeadSpecs(text: string): HeadGroup[] {
  const doc = JSON.parse(text) as unknown;
  if (doc === null) return [];
  if (!Array.isArray(doc)) throw new Error('spec store: expected a JSON array of {Key, Record} entries');
  const out: HeadGroup[] = [];
  for (const e of doc as Partial<HeadEntry>[]) {
    if (e?.Key?.Kind !== 'group' || typeof e.Key.Name !== 'string') continue;
    out.push({ ID: e.Key.Name, Properties: e.Record?.Spec?.properties ?? null, Handler: e.Record?.Handler ?? DEFAULT_HANDLER });
  }
  return out;
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
