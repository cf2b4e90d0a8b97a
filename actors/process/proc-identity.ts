/**
 * Is the process we started still the one behind this pid? A pid may be reused once its process is
 * reaped, so each instance stores its process's kernel start time (`/proc/<pid>/stat` field 22): a
 * process is ours and alive only when `/proc/<pid>` exists, is not a zombie and shows that start time.
 * Off Linux we fall back to `process.kill(pid, 0)`, which cannot tell a reused pid (a known limit).
 */
import { readFileSync, readdirSync } from 'node:fs';
import { pidExists } from '../../runtime/pid-exists.js';

/** What `/proc/<pid>/stat` says about a process. */
export interface ProcStat {
  /** Field 3: `R`, `S`, `D`, `Z` (zombie), `X` (dead), ... */
  readonly state: string;
  /** Field 5: process group id. */
  readonly pgrp: number;
  /** Field 6: session id. */
  readonly session: number;
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
  const rest = text
    .slice(close + 2)
    .trim()
    .split(/\s+/);
  const state = rest[0];
  const pgrp = rest[2];
  const session = rest[3];
  const startTime = rest[19];
  if (state === undefined || pgrp === undefined || session === undefined || startTime === undefined || !/^\d+$/.test(startTime))
    return undefined;
  return { state, pgrp: Number(pgrp), session: Number(session), startTime };
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

// ── instances as process groups ───────────────────────────────────────────────────────────────

/**
 * What identifies an instance: its process group `pgid` (= the leader's pid, spawned detached),
 * the leader's start time, and the instance ID that every member inherits in its environment.
 */
export interface GroupIdentity {
  readonly pgid: number;
  readonly startTime: string | null;
  readonly instanceId: string;
}

/** One read of `/proc`, grouped by process group; build one per call and share it across instances. */
export class ProcTable {
  private byPgrp: Map<number, { pid: number; stat: ProcStat }[]> | undefined;

  /** The processes of group `pgid` (zombies included), read on first use. */
  members(pgid: number): readonly { pid: number; stat: ProcStat }[] {
    if (this.byPgrp === undefined) {
      this.byPgrp = new Map();
      let entries: string[] = [];
      try {
        entries = readdirSync('/proc');
      } catch {
        // no procfs: every group looks empty
      }
      for (const e of entries) {
        if (e.charCodeAt(0) < 48 || e.charCodeAt(0) > 57) continue;
        const pid = Number(e);
        const stat = readProcStat(pid);
        if (stat === undefined) continue;
        const list = this.byPgrp.get(stat.pgrp);
        if (list === undefined) this.byPgrp.set(stat.pgrp, [{ pid, stat }]);
        else list.push({ pid, stat });
      }
    }
    return this.byPgrp.get(pgid) ?? [];
  }
}

const isDead = (s: ProcStat): boolean => s.state === 'Z' || s.state === 'X' || s.state === 'x';

/** `INFRAKIT_INSTANCE_ID` in the environment a process was started with; `null` when absent, `undefined` when unreadable. */
function instanceIdOf(pid: number): string | null | undefined {
  let env: string;
  try {
    env = readFileSync(`/proc/${pid}/environ`, 'latin1');
  } catch {
    return undefined;
  }
  for (const kv of env.split('\0')) if (kv.startsWith('INFRAKIT_INSTANCE_ID=')) return kv.slice('INFRAKIT_INSTANCE_ID='.length);
  return null;
}

/**
 * Pids of the live (non-zombie) members of the instance's process group, or `[]` when the
 * instance is gone. The leader may have exited while members (`sleep 600 &` in Init) live on.
 *
 * A pgid stays reserved by the kernel while any process of the group (or a zombie leader) holds
 * it, so while the leader's pid shows our start time every member is ours. Once the leader's pid
 * is free, the pgid could in theory be handed to a new group (pid reuse + setsid): a member then
 * counts only if it started no earlier than our leader and was not started for another instance
 * (`INFRAKIT_INSTANCE_ID` in its environment, when present, must be ours; an unreadable
 * environment is not evidence of ours). A live process on the leader's pid with another start
 * time means the pid, and so the pgid, was reused: the instance is gone.
 */
export function liveGroupMembers(id: GroupIdentity, table: ProcTable = new ProcTable()): number[] {
  const { pgid, startTime } = id;
  if (!Number.isInteger(pgid) || pgid <= 1) return [];
  if (!HAS_PROCFS) return processGroupExists(pgid) ? [pgid] : [];
  const leader = readProcStat(pgid);
  if (leader !== undefined && startTime !== null && leader.startTime !== startTime) return [];
  if (leader !== undefined && !isDead(leader) && leader.pgrp === pgid) {
    // Fast path: the leader itself is alive and ours.
    return [pgid];
  }
  if (!processGroupExists(pgid)) return [];
  const leaderHeld = leader !== undefined; // a zombie leader with our start time still holds the pgid
  const since = startTime === null ? undefined : BigInt(startTime);
  const out: number[] = [];
  for (const { pid, stat } of table.members(pgid)) {
    if (isDead(stat)) continue;
    if (!leaderHeld) {
      if (since !== undefined && BigInt(stat.startTime) < since) continue;
      const owner = instanceIdOf(pid);
      if (owner === undefined || (owner !== null && owner !== id.instanceId)) continue;
    }
    out.push(pid);
  }
  return out;
}

/** Is any process of the instance's group alive (see `liveGroupMembers`)? */
export function isInstanceAlive(id: GroupIdentity, table?: ProcTable): boolean {
  return liveGroupMembers(id, table).length > 0;
}
