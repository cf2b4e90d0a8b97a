/**
 * Binding a server on a plugin's unix socket the InfraKit way: `<dir>/<name>` (socket, 0600) and
 * `<dir>/<name>.pid` beside it (0600, temp file renamed: never through a link), in a directory created
 * 0700. A stale socket (nobody answers) is removed and bound again; a live one is never taken over
 * (`SocketInUseError`); anything but a socket at the socket path, or but a regular file at the pid
 * path, is refused before binding with `UnsafePathError`, never followed or opened (docs/wire.md).
 */
import { chmod, lstat, rm, unlink } from 'node:fs/promises';
import { connect, type Server } from 'node:net';
import { pidFilePath, socketPath } from './paths.js';
import { assertPathKind, mkdirPrivate, readPidFile, writeFileAtomic } from '../runtime/atomic-file.js';
import { SocketInUseError } from '../runtime/errors.js';

/** Longest unix socket path Linux takes (sun_path is 108 bytes with its NUL). */
export const MAX_SOCKET_PATH_BYTES = 107;

/** Files owned by a bound socket, removed again by `release`. */
export interface BoundSocket {
  readonly path: string;
  readonly pidFile: string;
  /** inode of the socket we created, so we never remove a successor's socket. */
  readonly ino: number;
}

/** Does a process answer on the unix socket at `path`? (connect succeeds) */
export function isSocketLive(path: string, timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect({ path });
    const done = (live: boolean): void => {
      clearTimeout(timer);
      s.destroy();
      resolve(live);
    };
    // A live server that does not accept within the deadline is still someone's: count it as live.
    const timer = setTimeout(() => done(true), timeoutMs);
    s.once('connect', () => done(true));
    s.once('error', () => done(false));
  });
}

function listen(server: Server, path: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (err: Error): void => {
      server.off('listening', onListening);
      reject(err);
    };
    const onListening = (): void => {
      server.off('error', onError);
      resolve();
    };
    server.once('error', onError);
    server.once('listening', onListening);
    server.listen({ path, exclusive: true });
  });
}

function checkName(dir: string, name: string): string {
  if (name === '' || name === '.' || name === '..' || name.includes('/') || name.includes('\0')) {
    throw new RangeError(`'${name}' cannot be a plugin socket name`);
  }
  const path = socketPath(dir, name);
  if (Buffer.byteLength(path) > MAX_SOCKET_PATH_BYTES) {
    throw new RangeError(`socket path too long for a unix socket (${Buffer.byteLength(path)} > ${MAX_SOCKET_PATH_BYTES} bytes): ${path}`);
  }
  return path;
}

/**
 * Can `<dir>/<name>` be bound? Throws what `bindUnixSocket` would before binding anything: a bad name,
 * a path too long, `UnsafePathError` for a non-socket at the socket path or a non-regular file at the pid
 * path. (A live socket is found only when binding.) `startHost` runs it for every actor before starting any.
 */
export async function checkSocketPaths(dir: string, name: string): Promise<void> {
  const path = checkName(dir, name);
  await assertPathKind(path, 'socket');
  await assertPathKind(pidFilePath(dir, name), 'file');
}

/** Bind `server` on `<dir>/<name>`; write the pid file. */
export async function bindUnixSocket(server: Server, dir: string, name: string): Promise<BoundSocket> {
  const path = checkName(dir, name);
  const pidFile = pidFilePath(dir, name);
  await mkdirPrivate(dir);
  await checkSocketPaths(dir, name);
  try {
    await listen(server, path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw err;
    await assertPathKind(path, 'socket');
    if (await isSocketLive(path)) throw new SocketInUseError(path);
    await rm(path, { force: true });
    await listen(server, path);
  }
  let ino = 0;
  try {
    await chmod(path, 0o600);
    ino = (await lstat(path)).ino;
    await writeFileAtomic(pidFile, String(process.pid));
  } catch (err) {
    // Nothing left bound: close the server and remove the socket we just created.
    await new Promise<void>((resolve) => server.close(() => resolve()));
    const st = await lstat(path).catch(() => undefined);
    if (st !== undefined && st.isSocket() && (ino === 0 || st.ino === ino)) await unlink(path).catch(() => undefined);
    throw err;
  }
  return { path, pidFile, ino };
}

/** Remove the socket file (if it is still ours) and the pid file (if it still holds our pid; never through a link). */
export async function releaseUnixSocket(bound: BoundSocket): Promise<void> {
  const st = await lstat(bound.path).catch(() => undefined);
  if (st !== undefined && st.ino === bound.ino) await unlink(bound.path).catch(() => undefined);
  const pid = await readPidFile(bound.pidFile).catch(() => undefined);
  if (pid === process.pid) await unlink(bound.pidFile).catch(() => undefined);
}
