/**
 * Binding a server on a plugin's unix socket the InfraKit way: `<dir>/<name>` (socket, 0600) and
 * `<dir>/<name>.pid` beside it, in a directory created 0700.
 *
 * A socket file nobody answers on is stale (a crashed process left it): it is removed and bound again.
 * A socket a live process answers on is never taken over: `SocketInUseError`.
 */
import { mkdir, chmod, lstat, readFile, rm, unlink, writeFile } from 'node:fs/promises';
import { connect, type Server } from 'node:net';
import { pidFilePath, socketPath } from './paths.js';
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

/** Bind `server` on `<dir>/<name>`; write the pid file. */
export async function bindUnixSocket(server: Server, dir: string, name: string): Promise<BoundSocket> {
  if (name === '' || name === '.' || name === '..' || name.includes('/') || name.includes('\0')) {
    throw new RangeError(`'${name}' cannot be a plugin socket name`);
  }
  const path = socketPath(dir, name);
  if (Buffer.byteLength(path) > MAX_SOCKET_PATH_BYTES) {
    throw new RangeError(`socket path too long for a unix socket (${Buffer.byteLength(path)} > ${MAX_SOCKET_PATH_BYTES} bytes): ${path}`);
  }
  await mkdir(dir, { recursive: true, mode: 0o700 });
  try {
    await listen(server, path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw err;
    const st = await lstat(path).catch(() => undefined);
    if (st !== undefined && !st.isSocket()) {
      throw new Error(`${path} exists and is not a socket; refusing to replace it`, { cause: err });
    }
    if (await isSocketLive(path)) throw new SocketInUseError(path);
    await rm(path, { force: true });
    await listen(server, path);
  }
  await chmod(path, 0o600);
  const { ino } = await lstat(path);
  const pidFile = pidFilePath(dir, name);
  await writeFile(pidFile, String(process.pid), { mode: 0o600 });
  return { path, pidFile, ino };
}

/** Remove the socket file (if it is still ours) and the pid file (if it still holds our pid). */
export async function releaseUnixSocket(bound: BoundSocket): Promise<void> {
  const st = await lstat(bound.path).catch(() => undefined);
  if (st !== undefined && st.ino === bound.ino) await unlink(bound.path).catch(() => undefined);
  const pid = await readFile(bound.pidFile, 'utf8').catch(() => undefined);
  if (pid !== undefined && pid.trim() === String(process.pid)) await unlink(bound.pidFile).catch(() => undefined);
}
