/**
 * Where InfraKit keeps its files: `INFRAKIT_HOME` (default `~/.infrakit`) and the plugins
 * directory holding one unix socket per plugin (`INFRAKIT_PLUGINS_DIR`, default `<home>/plugins`).
 * One runtime serves a home at a time: `lockHome` holds `<home>/runtime.pid`. The two directories'
 * rules live in home-dirs.ts (re-exported here).
 */
import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { link, open, rename, rm, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { PRIVATE_FILE_MODE, assertPathKind, mkdirPrivate, readPidFile } from './atomic-file.js';
import { HomeInUseError } from './errors.js';
import { pidExists } from './pid-exists.js';

export { infrakitHome, pluginsDir } from './home-dirs.js';

/** The lock file of a home: `<home>/runtime.pid`, holding the pid of the runtime serving it. */
export function homeLockPath(home: string): string {
  return join(home, 'runtime.pid');
}

/** A held home lock. `release()` removes the lock file if it still holds our pid; idempotent. */
export interface HomeLock {
  readonly path: string;
  release(): Promise<void>;
}

/** Homes locked by this process (a second host in the same process is refused too). */
const held = new Set<string>();

/**
 * Take `<home>/runtime.pid` for this process, creating the home (0700) if needed. A lock held by a live
 * process, or already by this one, is refused at once with `HomeInUseError` naming the pid; a stale one
 * (its pid is gone, or it holds no pid) is taken over. Anything but a regular file there (a link, a
 * FIFO…) is refused with `UnsafePathError`, never followed or opened.
 */
export async function lockHome(home: string): Promise<HomeLock> {
  const path = homeLockPath(home);
  if (held.has(path)) throw new HomeInUseError(home, process.pid);
  await mkdirPrivate(home);
  await assertPathKind(path, 'file');
  // Our pid in a private temp file, then link() it to the lock path: link never replaces an entry, so
  // of two runtimes starting at once exactly one gets the lock.
  const tmp = join(home, `.runtime.pid.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  const fh = await open(tmp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, PRIVATE_FILE_MODE);
  try {
    await fh.writeFile(`${process.pid}\n`);
    await fh.sync();
  } finally {
    await fh.close();
  }
  try {
    for (let attempt = 0; ; attempt++) {
      try {
        await link(tmp, path);
        break;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST' || attempt > 0) throw err;
      }
      const pid = await readPidFile(path);
      if (pid !== undefined && pid !== process.pid && pidExists(pid)) throw new HomeInUseError(home, pid);
      // Stale: move it aside (rename never follows a link), then try link() once more.
      const aside = `${tmp}.stale`;
      await rename(path, aside).catch((err: NodeJS.ErrnoException) => {
        if (err.code !== 'ENOENT') throw err;
      });
      await rm(aside, { force: true });
    }
  } catch (err) {
    await rm(tmp, { force: true });
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') {
      // Another runtime won the race just now.
      const pid = await readPidFile(path).catch(() => undefined);
      throw new HomeInUseError(home, pid ?? 0);
    }
    throw err;
  }
  await rm(tmp, { force: true });
  held.add(path);
  let released: Promise<void> | undefined;
  return {
    path,
    release: () =>
      (released ??= (async () => {
        held.delete(path);
        const pid = await readPidFile(path).catch(() => undefined);
        if (pid === process.pid) await unlink(path).catch(() => undefined);
      })()),
  };
}
