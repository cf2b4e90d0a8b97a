/**
 * An embedded runtime: a host app starts group + simulator + vanilla in its own process, without
 * sockets, commits a group through the typed Group client, follows the group's events, waits until
 * it has converged, prints what it got, and stops.
 *
 *   npm run build && node dist/examples/embedded/main.js
 *
 * In your app, import from 'infrakit-ts' instead of the relative path.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Runtime, groupClient, instanceClient, isGroupEvent, waitForEvent, type GroupSpec } from '../../index.js';

const home = mkdtempSync(join(tmpdir(), 'ik-embedded-'));
const runtime = await Runtime.start({
  home,
  logLevel: 'warn',
  actors: [
    // `store: 'memory'`: specs live only as long as the app (default: files under `home`).
    { name: 'group', module: 'group', options: { pollIntervalMs: 200, store: 'memory' } },
    { name: 'simulator', module: 'simulator' },
    { name: 'vanilla', module: 'vanilla' },
  ],
});

try {
  // Every event a group publishes (its payload names the group by ID).
  runtime.on('actor:event', (e) => {
    if (isGroupEvent(e)) console.log(`event  ${e.type} ${JSON.stringify(e.payload)}`);
  });
  runtime.on('actor:restarted', (e) => console.log(`actor ${e.name} crashed; restarting`));

  const group = groupClient(runtime, 'group');
  const spec: GroupSpec = {
    ID: 'web',
    Properties: {
      Allocation: { Size: 3 },
      Instance: { Plugin: 'simulator/compute', Properties: { Image: 'web:v1' } },
      Flavor: { Plugin: 'vanilla', Properties: { Init: ['echo serving'], Tags: { tier: 'web' } } },
    },
  };
  // Listen before committing, so the event cannot be missed.
  const converged = waitForEvent(runtime, (e) => isGroupEvent(e, 'group:converged') && e.payload.ID === 'web', { timeoutMs: 30_000 });
  const { Details } = await group.commit(spec);
  console.log(`commit ${Details}`);
  await converged;

  const d = await group.describe('web');
  console.log(`web    converged=${d.Converged}, ${d.Instances?.length ?? 0} instances: ${(d.Instances ?? []).map((i) => i.ID).join(' ')}`);

  // The same instances, asked of the Instance plugin directly (addressed as plugin/type).
  const simulator = instanceClient(runtime, 'simulator/compute');
  const tagged = await simulator.describe({ 'infrakit.group': 'web', tier: 'web' });
  console.log(`sim    ${tagged.length} instances tagged infrakit.group=web, tier=web`);

  await group.destroy('web');
  console.log(`done   ${(await simulator.describe({ 'infrakit.group': 'web' })).length} instances left after DestroyGroup`);
} finally {
  await runtime.stop();
  rmSync(home, { recursive: true, force: true });
}
