/**
 * Crash-safe, private file writes: a reader sees the old content or the new, never half of it.
 * A temp file is created (O_EXCL, 0600) in the same directory, fsynced and renamed over the target;
 * directories are created 0700. Nothing here follows a link or opens a FIFO: a path that exists and
 * is not a regular file is refused with `UnsafePathError`.
 */
import { constants, type Stats } from 'node:fs';
import { lstat, mkdir, open, readFile, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { UnsafePathError } from './errors.js';

/** Mode of every file the runtime creates under `INFRAKIT_HOME`. */
export const PRIVATE_FILE_MODE = 0o600;
/** Mode of every directory the runtime creates under `INFRAKIT_HOME`. */
export const PRIVATE_DIR_MODE = 0o700;

/** What a path is, in words, for error messages. */
export function fileKind(st: Stats): string {
  if (st.isFile()) return 'regular file';
  if (st.isSymbolicLink()) return 'symbolic link';
  if (st.isFIFO()) return 'FIFO';
  if (st.isDirectory()) return 'directory';
  if (st.isSocket()) return 'socket';
  if (st.isCharacterDevice() || st.isBlockDevice()) return 'device';
  return 'special file';
}

/** `lstat`, or `undefined` when nothing is there. */
export async function lstatOrUndefined(path: string): Promise<Stats | undefined> {
  try {
    return await lstat(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

/**
 * Refuse (`UnsafePathError`) when something other than `expect` is at `path` (never followed: a link is
 * a link). Nothing there is fine.
 */
export async function assertPathKind(path: string, expect: 'file' | 'socket' = 'file'): Promise<void> {
  const st = await lstatOrUndefined(path);
  if (st === undefined) return;
  if (expect === 'file' ? st.isFile() : st.isSocket()) return;
  throw new UnsafePathError(path, fileKind(st), expect === 'file' ? 'a regular file' : 'a socket');
}

/** Create `dir` (and its parents) 0700 when missing. */
export async function mkdirPrivate(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true, mode: PRIVATE_DIR_MODE });
}

/**
 * The first `maxBytes` of a small regular file, or `undefined` when nothing is there. Never follows a
 * link and never blocks on a FIFO (O_NOFOLLOW | O_NONBLOCK, then fstat); anything but a regular file is
 * refused with `UnsafePathError`.
 */
export async function readSmallFile(path: string, maxBytes = 4096): Promise<string | undefined> {
  await assertPathKind(path, 'file');
  let fh;
  try {
    fh = await open(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return undefined;
    if (code === 'ELOOP') throw new UnsafePathError(path, 'symbolic link');
    throw err;
  }
  try {
    const st = await fh.stat();
    if (!st.isFile()) throw new UnsafePathError(path, fileKind(st));
    const buf = Buffer.alloc(maxBytes);
    const { bytesRead } = await fh.read(buf, 0, maxBytes, 0);
    return buf.subarray(0, bytesRead).toString('utf8');
  } finally {
    await fh.close();
  }
}

/**
 * The pid in a pid file (decimal, as Go writes it), or `undefined` when there is none or it does not
 * hold a pid. A link, FIFO, directory… there is refused with `UnsafePathError`, never followed or opened.
 */
export async function readPidFile(path: string): Promise<number | undefined> {
  const text = await readSmallFile(path, 64);
  const pid = text === undefined ? Number.NaN : Number(text.trim());
  return Number.isInteger(pid) && pid > 0 ? pid : undefined;
}

/**
 * Atomically replace `path` with `data` (mode 0600), creating the parent directory (0700) if needed.
 * Refuses with `UnsafePathError` when `path` is a link, FIFO, directory or device. `durable: false`
 * skips the fsyncs: the file survives the process dying, not the machine (cheap, frequent writes).
 */
export async function writeFileAtomic(path: string, data: string | Uint8Array, opts: { durable?: boolean } = {}): Promise<void> {
  const durable = opts.durable ?? true;
  const dir = dirname(path);
  await mkdirPrivate(dir);
  await assertPathKind(path, 'file');
  // node:crypto only when writing: readers (`plugin ls` reading pid files) never load it.
  const { randomBytes } = await import('node:crypto');
  const tmp = join(dir, `.${basename(path)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  const fh = await open(tmp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, PRIVATE_FILE_MODE);
  try {
    await fh.writeFile(data);
    if (durable) await fh.sync();
  } catch (err) {
    await fh.close().catch(() => undefined);
    await rm(tmp, { force: true });
    throw err;
  }
  await fh.close();
  try {
    await rename(tmp, path);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
  if (!durable) return;
  // Best effort: some filesystems refuse to fsync a directory.
  const dh = await open(dir, 'r').catch(() => undefined);
  if (dh)
    await dh
      .sync()
      .catch(() => undefined)
      .finally(() => dh.close());
}

/** Read and parse a JSON file; `undefined` when it does not exist. */
export async function readJsonFile<T = unknown>(path: string): Promise<T | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  return JSON.parse(text) as T;
}
