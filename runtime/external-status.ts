/**
 * The status file of an external plugin, `<pluginsDir>/<name>.external.json` (0600, replaced
 * atomically): written by the runtime supervising it (external-plugin.ts) at each change of state,
 * removed when it stops, and read by `plugin ls` in another process. Discovery ignores it (neither a
 * socket nor a `.listen` file), and so do Go clients.
 */
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { ActorStatus } from './actor-info.js';
import { readSmallFile } from './atomic-file.js';
import { pidExists } from './pid-exists.js';

export const EXTERNAL_STATUS_SUFFIX = '.external.json';

/** The most a status file may hold; a larger one is not ours and is skipped. */
const MAX_STATUS_BYTES = 1 << 20;

/** `<pluginsDir>/<name>.external.json`. */
export function externalStatusPath(pluginsDir: string, name: string): string {
  return join(pluginsDir, `${name}${EXTERNAL_STATUS_SUFFIX}`);
}

/** The content of an external plugin's status file. */
export interface ExternalStatusRecord {
  readonly name: string;
  /** The pid of the runtime supervising it (the file is stale once that process is gone). */
  readonly supervisor: number;
  readonly status: ActorStatus;
  /** Its process, while one runs. */
  readonly pid: number | null;
  readonly restarts: number;
  readonly sockets: readonly string[];
  readonly exec: readonly string[];
  readonly failure?: string;
}

function isRecord(v: unknown): v is ExternalStatusRecord {
  if (typeof v !== 'object' || v === null) return false;
  const r = v as Record<string, unknown>;
  return (
    typeof r['name'] === 'string' &&
    Number.isInteger(r['supervisor']) &&
    typeof r['status'] === 'string' &&
    (r['pid'] === null || Number.isInteger(r['pid'])) &&
    Number.isInteger(r['restarts']) &&
    Array.isArray(r['sockets']) &&
    (r['sockets'] as unknown[]).every((s) => typeof s === 'string') &&
    Array.isArray(r['exec'])
  );
}

/**
 * The external plugins supervised by live runtimes in `pluginsDir`, by name. Files whose supervisor
 * is gone (a runtime killed with -9), that do not parse, or that are links, FIFOs… are skipped.
 */
export async function readExternalStatuses(pluginsDir: string): Promise<ExternalStatusRecord[]> {
  const files = await readdir(pluginsDir).catch(() => [] as string[]);
  const out: ExternalStatusRecord[] = [];
  for (const f of files.sort()) {
    if (!f.endsWith(EXTERNAL_STATUS_SUFFIX) || f.length === EXTERNAL_STATUS_SUFFIX.length) continue;
    const text = await readSmallFile(join(pluginsDir, f), MAX_STATUS_BYTES).catch(() => undefined);
    if (text === undefined) continue;
    let rec: unknown;
    try {
      rec = JSON.parse(text);
    } catch {
      continue;
    }
    if (isRecord(rec) && pidExists(rec.supervisor)) out.push(rec);
  }
  return out;
}
