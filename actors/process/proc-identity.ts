/**
 * Is the process we started still the one behind this pid?
 *
 * A pid alone is not an identity: once a process dies and is reaped its pid may be handed to an
 * unrelated process, and signalling that one would be a disaster. So with every instance we store
 * the kernel's start time of its process (`/proc/<pid>/stat`, field 22 `starttime`, in clock ticks
 * since boot). A process is ours and alive only when `/proc/<pid>` exists, is not a zombie, and
 * shows the same start time.
 *
 * Off Linux there is no `/proc/<pid>/stat`; we fall back to `process.kill(pid, 0)`, which cannot
 * tell a reused pid from ours (documented limitation).
 */
import { readFileSync, readdirSync } from 'node:fs';
import { pidExists } from '../../runtime/pid-exists.js';

/** What `/proc/<pid>/stat` says about a process. */
export interface ProcStat {
  /** Field 3: `R`, `S`, `D`, `Z` (zombie), `X` (dead), ... */
  readonly state: string;
  /** Field 5: process group id. */
  readonly pgrp: number;
  /** Field 22, kept as a decimal string (it can exceed 2^53 in theory, and is only compared). */
  readonly startTime: string;
}

/** True where `/proc/<pid>/stat` is the source of truth. */
export const HAS_PROCFS = process.platform === 'linux';

/**
 * Parse one `/proc/<pid>/stat` line. `comm` (field 2) is wrapped in parentheses and may itself
 * contain spaces and `)`, so fields are counted from the LAST `)`.
 */
export function parseProcStat(text: string): ProcStat | undefined {
  const close = text.lastIndexOf(')');
  if (close < 0) return undefined;
  // After ") " come fields 3, 4, 5, ...: field n is at index n - 3.
  const rest = text.slice(close + 2).trim().split(/\s+/);
  const state = rest[0];
  const pgrp = rest[2];
  const startTime = rest[19];
  if (state === undefined || pgrp === undefined || startTime === undefined || !/^\d+$/.test(startTime)) return undefined;
  return { state, pgrp: Number(pgrp), startTime };
}

/** `/proc/<pid>/stat` of a process, or `undefined` when there is none (gone, or not Linux). */
export function readProcStat(pid: number): ProcStat | undefined {
  if (!HAS_PROCFS || !Number.isInteger(pid) || pid <= 0) return undefined;
  try {
    return parseProcStat(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return undefined;
  }
}

/** The start time to store for a freshly spawned pid (`null` off Linux or when it is already gone). */
export function processStartTime(pid: number): string | null {
  return readProcStat(pid)?.startTime ?? null;
}

/**
 * Is `pid` alive and the process that had `startTime`?
 * `startTime === null` (recorded off Linux) falls back to a bare existence check.
 */
export function isSameProcessAlive(pid: number, startTime: string | null): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  if (HAS_PROCFS) {
    const stat = readProcStat(pid);
    if (stat === undefined) return false;
    if (stat.state === 'Z' || stat.state === 'X' || stat.state === 'x') return false;
    return startTime === null || stat.startTime === startTime;
  }
  return pidExists(pid);
}

/** Does any process (zombies included) remain in process group `pgid`? */
export function processGroupExists(pgid: number): boolean {
  if (!Number.isInteger(pgid) || pgid <= 1) return false;
  try {
    process.kill(-pgid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Does process group `pgid` still have a member that is not a zombie? Zombies do not count: they
 * are already dead, and whoever reaps orphans (pid 1, a subreaper) may take its time about it.
 * Off Linux this is `processGroupExists`.
 */
export function processGroupAlive(pgid: number): boolean {
  if (!processGroupExists(pgid)) return false;
  if (!HAS_PROCFS) return true;
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return true;
  }
  for (const e of entries) {
    if (e.charCodeAt(0) < 48 || e.charCodeAt(0) > 57) continue;
    const stat = readProcStat(Number(e));
    if (stat !== undefined && stat.pgrp === pgid && stat.state !== 'Z' && stat.state !== 'X' && stat.state !== 'x') return true;
  }
  return false;
}

/**
 * Send `signal` to process group `pgid`; falls back to the single process when the group cannot be
 * signalled. Returns false when nothing was there to signal.
 */
export function signalGroup(pgid: number, signal: NodeJS.Signals): boolean {
  if (!Number.isInteger(pgid) || pgid <= 1) return false; // never -1 or -0: that would be "everyone"
  try {
    process.kill(-pgid, signal);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ESRCH') throw err;
  }
  try {
    process.kill(pgid, signal);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ESRCH') return false;
    throw err;
  }
}
