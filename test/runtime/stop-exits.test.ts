import assert from 'node:assert/strict';
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';

describe('runtime: after stop() nothing keeps the event loop alive', () => {
  it('a process that stops its runtime exits by itself', async function () {
    // The deadline tells a hang from a slow start on a loaded machine, not a fast exit from a slow one.
    this.timeout(90_000);
    const child = fork(fileURLToPath(new URL('../fixtures/stop-child.js', import.meta.url)), [], {
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    const messages: unknown[] = [];
    child.on('message', (m) => messages.push(m));
    const killer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve) =>
      child.once('exit', (c, s) => resolve([c, s])),
    );
    clearTimeout(killer);
    assert.equal(signal, null, 'the child had to be killed: something kept its event loop alive');
    assert.equal(code, 0);
    assert.deepEqual(messages, [
      { stopped: true, hanging: 'ActorExitedError', statuses: ['stopped', 'stopped', 'stopped', 'stopped', 'stopped'] },
    ]);
  });
});
