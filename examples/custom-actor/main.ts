/**
 * A plugin of your own (kennel.ts) in a runtime with the built-in group and vanilla actors, served on
 * InfraKit sockets: curl it, call it from another process, and let a group manage its instances.
 *
 *   npm run build && node dist/examples/custom-actor/main.js            # runs the demo and stops
 *   node dist/examples/custom-actor/main.js --serve                     # ... then serves until Ctrl-C
 *
 * In your app, import from 'infrakit-ts' instead of the relative path.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RemoteClient, groupClient, instanceClient, startHost, waitForEvent, isGroupEvent } from '../../index.js';

const keep = process.argv.includes('--serve');
const home = mkdtempSync(join(tmpdir(), 'ik-custom-'));
const pluginsDir = join(home, 'plugins');

const host = await startHost({
  home,
  pluginsDir,
  logLevel: 'warn',
  actors: [
    // Your actor: a module whose default export is defineActor({...}), by file URL.
    { name: 'kennel', module: new URL('./kennel.js', import.meta.url), options: { prefix: 'rex' } },
    { name: 'group', module: 'group', options: { pollIntervalMs: 200, store: 'memory' } },
    { name: 'vanilla', module: 'vanilla' },
  ],
});
const { runtime } = host;

try {
  console.log(`kennel socket: ${host.sockets?.paths['kennel']}`);
  console.log(`try: curl -s --unix-socket ${join(pluginsDir, 'kennel')} http://rpc -H 'Content-Type: application/json' \\`);
  console.log(`       -d '{"jsonrpc":"2.0","method":"Kennel.Count","params":{},"id":1}'`);

  // A group of three pets on the kennel: the group calls kennel over a direct port between workers.
  const converged = waitForEvent(runtime, (e) => isGroupEvent(e, 'group:converged') && e.payload.ID === 'pack', { timeoutMs: 30_000 });
  await groupClient(runtime).commit({
    ID: 'pack',
    Properties: {
      Allocation: { Size: 3 },
      Instance: { Plugin: 'kennel', Properties: { Breed: 'collie' } },
      Flavor: { Plugin: 'vanilla', Properties: {} },
    },
  });
  await converged;
  const pets = await instanceClient(runtime, 'kennel').describe({ 'infrakit.group': 'pack' });
  console.log(
    `group pack converged: ${pets
      .map((p) => p.ID)
      .sort()
      .join(' ')}`,
  );

  // The same actor, from outside: over its unix socket, as curl or a Go client would call it.
  const remote = new RemoteClient(join(pluginsDir, 'kennel'));
  try {
    console.log(`over the socket: Kennel.Count → ${JSON.stringify(await remote.call('Kennel.Count', {}))}`);
    await remote
      .call('Instance.Destroy', { Instance: 'rex-404' })
      .catch((err: Error) => console.log(`over the socket: Instance.Destroy rex-404 → ${err.message}`));
  } finally {
    remote.close();
  }

  if (keep) {
    console.log('serving; Ctrl-C to stop');
    await new Promise<void>((resolve) => process.once('SIGINT', () => resolve()));
  }
  await groupClient(runtime).destroy('pack');
  console.log(`after DestroyGroup: ${(await instanceClient(runtime, 'kennel').describe(null)).length} pets`);
} finally {
  await host.stop();
  rmSync(home, { recursive: true, force: true });
}
