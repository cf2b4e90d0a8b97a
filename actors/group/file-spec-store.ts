/**
 * The file SpecStore: specs in `<storeDir>/global.config` in Go InfraKit HEAD's format (docs/go-compat.md
 * #10), so a Go manager reads them, and our rollout state (previous spec, paused, `Destroying`) in a
 * sidecar `<storeDir>/<handler>.group-state.json`; both replaced atomically. A file that does not parse
 * is refused with StoreCorruptError naming it and the line:column. Entries of other kinds and handlers
 * in global.config are kept as found: writes are serialised and coalesced, each re-reading the file.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { readJsonFile, writeFileAtomic } from '../../runtime/atomic-file.js';
import { StoreCorruptError } from '../../runtime/errors.js';
import { goJson } from './go-json.js';
import type { GroupSpecRecord } from './properties.js';
import type { SpecStore, StoredGroup } from './spec-store.js';

interface GlobalEntry {
  Key: { Kind: string; Name: string };
  Record: {
    Handler: string;
    Spec: { kind: string; version: string; metadata: { name: string; tags: unknown }; properties: unknown; [k: string]: unknown };
  };
}

interface SidecarEntry {
  Previous: GroupSpecRecord | null;
  Paused: boolean;
  Destroying?: boolean;
}

export const KIND_GROUP = 'group';

function isEntry(v: unknown): v is GlobalEntry {
  const e = v as GlobalEntry;
  return (
    typeof e === 'object' && e !== null && typeof e.Key === 'object' && e.Key !== null && typeof e.Record === 'object' && e.Record !== null
  );
}

export class FileSpecStore implements SpecStore {
  readonly configPath: string;
  readonly sidecarPath: string;
  private groups = new Map<string, StoredGroup>();
  private writing: Promise<void> = Promise.resolve();
  private dirty = false;

  /** `dir`: `INFRAKIT_STORE_DIR`, default `<home>/configs`; `handler`: the group actor's name. */
  constructor(
    dir: string,
    readonly handler: string,
  ) {
    this.configPath = join(dir, 'global.config');
    this.sidecarPath = join(dir, `${handler}.group-state.json`);
  }

  async load(): Promise<Map<string, StoredGroup>> {
    const entries = await this.readGlobal();
    const side = (await readStoreFile<Record<string, SidecarEntry>>(this.sidecarPath)) ?? {};
    if (typeof side !== 'object' || side === null || Array.isArray(side))
      throw new StoreCorruptError(this.sidecarPath, 'not a JSON object of group states');
    const out = new Map<string, StoredGroup>();
    for (const e of entries) {
      if (e.Key.Kind !== KIND_GROUP || e.Record.Handler !== this.handler) continue;
      const id = e.Key.Name;
      const s = side[id];
      out.set(id, {
        spec: { ID: id, Properties: e.Record.Spec?.properties ?? null },
        previous: s?.Previous ?? null,
        paused: s?.Paused === true,
        ...(s?.Destroying === true ? { destroying: true } : {}),
      });
    }
    this.groups = new Map(out);
    return out;
  }

  put(id: string, record: StoredGroup): Promise<void> {
    this.groups.set(id, record);
    return this.flush();
  }

  remove(id: string): Promise<void> {
    this.groups.delete(id);
    return this.flush();
  }

  /** Writes the current state; concurrent callers share the next write. */
  private flush(): Promise<void> {
    this.dirty = true;
    const next = this.writing.then(async () => {
      if (!this.dirty) return;
      this.dirty = false;
      await this.writeNow();
    });
    this.writing = next.catch(() => undefined);
    return next;
  }

  private async readGlobal(): Promise<GlobalEntry[]> {
    const raw = await readStoreFile<unknown>(this.configPath);
    if (raw === undefined || raw === null) return [];
    if (!Array.isArray(raw)) throw new StoreCorruptError(this.configPath, 'not a JSON array of specs');
    return raw.filter(isEntry);
  }

  private async writeNow(): Promise<void> {
    const others = (await this.readGlobal()).filter((e) => !(e.Key.Kind === KIND_GROUP && e.Record.Handler === this.handler));
    const mine: GlobalEntry[] = [...this.groups.entries()]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([id, g]) => ({
        Key: { Kind: KIND_GROUP, Name: id },
        Record: {
          Handler: this.handler,
          Spec: { kind: KIND_GROUP, version: '', metadata: { name: id, tags: null }, properties: g.spec.Properties ?? null },
        },
      }));
    const side: Record<string, SidecarEntry> = {};
    for (const [id, g] of this.groups) {
      if (g.previous !== null || g.paused || g.destroying === true)
        side[id] = { Previous: g.previous, Paused: g.paused, ...(g.destroying === true ? { Destroying: true } : {}) };
    }
    // Sidecar first: a crash in between leaves at worst a stale previous spec, never a spec without its state.
    await writeFileAtomic(this.sidecarPath, JSON.stringify(side, null, 2) + '\n');
    await writeFileAtomic(this.configPath, goJson([...others, ...mine], { prefix: '  ', indent: '  ' }));
  }
}

/** `readJsonFile`, with a parse error turned into StoreCorruptError naming the file and line:column. */
export async function readStoreFile<T>(path: string): Promise<T | undefined> {
  try {
    return await readJsonFile<T>(path);
  } catch (err) {
    if (!(err instanceof SyntaxError)) throw err;
    const text = await readFile(path, 'utf8').catch(() => '');
    const at = jsonErrorOffset(text);
    const detail =
      at === null ? err.message : at >= text.length ? 'the JSON ends too early' : `unexpected ${JSON.stringify(text[at])} in JSON`;
    throw new StoreCorruptError(path, detail, jsonErrorPosition(err.message, text));
  }
}

/** `line L, column C` of the first JSON syntax error in `text` (found by a small scanner: V8's messages do not always carry the offset). */
export function jsonErrorPosition(message: string, text: string): string {
  let offset = jsonErrorOffset(text);
  if (offset === null) {
    const m = /at position (\d+)/.exec(message);
    offset = m ? Math.min(Number(m[1]), text.length) : text.length;
  }
  const before = text.slice(0, offset);
  const line = before.split('\n').length;
  const column = offset - (before.lastIndexOf('\n') + 1) + 1;
  return `line ${line}, column ${column}`;
}

/** Offset of the first character where `text` stops being JSON (its length if it ends early); null if it is JSON. */
export function jsonErrorOffset(text: string): number | null {
  let i = 0;
  const fail = (): never => {
    // eslint-disable-next-line @typescript-eslint/only-throw-error -- the offset, caught at the end of this function
    throw i;
  };
  const ws = (): void => {
    while (i < text.length && ' \t\n\r'.includes(text[i] as string)) i++;
  };
  const lit = (word: string): void => {
    for (const ch of word) {
      if (text[i] !== ch) fail();
      i++;
    }
  };
  const str = (): void => {
    i++; // the opening quote
    for (;;) {
      if (i >= text.length) fail();
      const c = text.charCodeAt(i);
      if (c === 0x22) {
        i++;
        return;
      }
      if (c < 0x20) fail();
      if (c === 0x5c) {
        i++;
        const e = text[i];
        if (e === 'u') {
          i++;
          for (let k = 0; k < 4; k++, i++) if (!/[0-9a-fA-F]/.test(text[i] ?? '')) fail();
          continue;
        }
        if (e === undefined || !'"\\/bfnrt'.includes(e)) fail();
      }
      i++;
    }
  };
  const digits = (): void => {
    if (!/[0-9]/.test(text[i] ?? '')) fail();
    while (/[0-9]/.test(text[i] ?? '')) i++;
  };
  const num = (): void => {
    if (text[i] === '-') i++;
    if (text[i] === '0') i++;
    else digits();
    if (text[i] === '.') {
      i++;
      digits();
    }
    if (text[i] === 'e' || text[i] === 'E') {
      i++;
      if (text[i] === '+' || text[i] === '-') i++;
      digits();
    }
  };
  const value = (): void => {
    ws();
    const c = text[i];
    if (c === '{') {
      i++;
      ws();
      if (text[i] === '}') {
        i++;
        return;
      }
      for (;;) {
        ws();
        if (text[i] !== '"') fail();
        str();
        ws();
        if (text[i] !== ':') fail();
        i++;
        value();
        ws();
        if (text[i] === ',') i++;
        else if (text[i] === '}') {
          i++;
          return;
        } else fail();
      }
    } else if (c === '[') {
      i++;
      ws();
      if (text[i] === ']') {
        i++;
        return;
      }
      for (;;) {
        value();
        ws();
        if (text[i] === ',') i++;
        else if (text[i] === ']') {
          i++;
          return;
        } else fail();
      }
    } else if (c === '"') str();
    else if (c === 't') lit('true');
    else if (c === 'f') lit('false');
    else if (c === 'n') lit('null');
    else if (c === '-' || (c !== undefined && c >= '0' && c <= '9')) num();
    else fail();
  };
  try {
    value();
    ws();
    if (i < text.length) fail();
    return null;
  } catch (at) {
    if (typeof at === 'number') return Math.min(at, text.length);
    throw at;
  }
}
