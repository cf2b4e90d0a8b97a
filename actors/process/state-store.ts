/**
 * One JSON file per instance, `<dir>/<id>.json` (default dir `<home>/process/<actor name>/`), written
 * atomically, and its log in `<dir>/logs/<id>.log`. The files are the source of truth: a restarted
 * actor, or another runtime on the same home, finds the instances by reading them. The record keeps
 * the file plugin's names (`ID`, `LogicalID`, `Tags`, `Spec`, docs/go-compat.md #13) plus `Process`.
 */
import { chmod, mkdir, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { InstanceSpec, Tags } from '../spi/common.js';
import { readJsonFile, writeFileAtomic } from '../../runtime/atomic-file.js';

/** How the instance's process was started, and how to recognise it again. */
export interface ProcessInfo {
  readonly PID: number;
  /** `/proc/<pid>/stat` starttime (clock ticks since boot); `null` off Linux. */
  readonly StartTime: string | null;
  /** ISO time of the spawn. */
  readonly StartedAt: string;
  readonly Log: string;
  readonly Shell: string;
  readonly Cwd: string;
  /** The port handed to it (`Properties.Port`), also its tag `port`; `null` when none. */
  readonly Port: number | null;
}

export interface InstanceRecord {
  readonly ID: string;
  readonly LogicalID: string | null;
  readonly Tags: Tags;
  /** The spec as provisioned (Properties, Init, Attachments...). */
  readonly Spec: InstanceSpec;
  readonly Process: ProcessInfo;
}

/** IDs double as file names: no path separators, no dot files, nothing odd. */
const SAFE_ID = /^[A-Za-z0-9_-][A-Za-z0-9._-]{0,127}$/;

export function isSafeId(id: string): boolean {
  return SAFE_ID.test(id);
}

function isRecord(v: unknown): v is InstanceRecord {
  if (typeof v !== 'object' || v === null) return false;
  const r = v as Partial<InstanceRecord>;
  return typeof r.ID === 'string' && typeof r.Process === 'object' && r.Process !== null && typeof r.Process.PID === 'number';
}

export class StateStore {
  readonly logDir: string;

  constructor(readonly dir: string) {
    this.logDir = join(dir, 'logs');
  }

  statePath(id: string): string {
    return join(this.dir, `${id}.json`);
  }

  logPath(id: string): string {
    return join(this.logDir, `${id}.log`);
  }

  /** The record of `id`, or `undefined` when there is none (or the file is not one of ours). */
  async read(id: string): Promise<InstanceRecord | undefined> {
    if (!isSafeId(id)) return undefined;
    let v: unknown;
    try {
      v = await readJsonFile(this.statePath(id));
    } catch {
      return undefined; // half-written by a foreign tool, or not JSON: not an instance
    }
    return isRecord(v) && v.ID === id ? v : undefined;
  }

  /** Create `<dir>` and `<dir>/logs` private (0700), and make them private if they were not. */
  async ensureDirs(): Promise<void> {
    await mkdir(this.logDir, { recursive: true, mode: 0o700 });
    await chmod(this.dir, 0o700);
    await chmod(this.logDir, 0o700);
  }

  /** State may hold secrets (`Properties.Env`): the file is 0600 (and its directory 0700). */
  async write(rec: InstanceRecord): Promise<void> {
    const path = this.statePath(rec.ID);
    await writeFileAtomic(path, `${JSON.stringify(rec, null, 2)}\n`);
    await chmod(path, 0o600);
  }

  async remove(id: string): Promise<void> {
    if (isSafeId(id)) await rm(this.statePath(id), { force: true });
  }

  /** Every record in the directory, in ID order. Files that do not decode are skipped. */
  async list(): Promise<InstanceRecord[]> {
    let names: string[];
    try {
      names = await readdir(this.dir);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw err;
    }
    const ids = names.filter((n) => n.endsWith('.json') && !n.startsWith('.')).map((n) => n.slice(0, -'.json'.length));
    const recs = await Promise.all(ids.sort().map((id) => this.read(id)));
    return recs.filter((r): r is InstanceRecord => r !== undefined);
  }
}
