/**
 * One `infrakit-ts up` shared by the tests of a `describe`, for tests that need a running runtime but
 * not a fresh one: a new temp INFRAKIT_HOME and `up` in `before`, Ctrl-C and the home removed in
 * `after`. `group()` is a client on the group socket, for cheap polls (a CLI run costs a process).
 */
import { RemoteClient } from '../../sockets/remote-client.js';
import { removeHome, tempHome, UpProcess } from './cli.js';

export interface UpHome {
  readonly home: string;
  readonly up: UpProcess;
  /** A client on `<plugins>/group` (closed in `after`). */
  group(): RemoteClient;
}

export function useUpHome(args: readonly string[] = [], env: NodeJS.ProcessEnv = {}): UpHome {
  let home: string | undefined;
  let up: UpProcess | undefined;
  let client: RemoteClient | undefined;
  const started = <T>(v: T | undefined): T => {
    if (v === undefined) throw new Error('useUpHome: up not started (used outside the describe?)');
    return v;
  };
  before(async function () {
    this.timeout(90_000);
    home = tempHome();
    up = new UpProcess(home, args, env);
    await up.ready();
  });
  after(async function () {
    this.timeout(90_000);
    client?.close();
    client = undefined;
    await up?.interrupt();
    up = undefined;
    if (home !== undefined) removeHome(home);
    home = undefined;
  });
  return {
    get home() {
      return started(home);
    },
    get up() {
      return started(up);
    },
    group() {
      client ??= new RemoteClient(started(up).socket('group'), { timeoutMs: 15_000 });
      return client;
    },
  };
}
