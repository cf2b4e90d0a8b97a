/** Start test/fixtures/sockets-child-server in a child process and wait for it to bind. */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const SCRIPT = fileURLToPath(new URL('../fixtures/sockets-child-server.js', import.meta.url));

export interface ChildServer {
  readonly child: ChildProcess;
  readonly paths: Record<string, string>;
  stop(): Promise<void>;
}

export async function startChildServer(dir: string, names: string[]): Promise<ChildServer> {
  const child = spawn(process.execPath, [SCRIPT, dir, ...names], { stdio: ['ignore', 'pipe', 'inherit'] });
  const paths = await new Promise<Record<string, string>>((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (c: Buffer) => {
      out += c.toString();
      const m = /^ready (.*)$/m.exec(out);
      if (m) resolve(JSON.parse(m[1]!) as Record<string, string>);
    });
    child.once('exit', (code) => reject(new Error(`child server exited with ${code}`)));
  });
  return {
    child,
    paths,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}
