/**
 * The `vanilla` actor: InfraKit's vanilla Flavor (Init lines, tags, attachments), plus an optional
 * health check. Stateless, so the runtime may serve it from a pool of threads.
 */
import { defineActor } from '../../runtime/actor.js';
import { FLAVOR_INTERFACES, FLAVOR_METHODS } from '../spi/flavor.js';
import { Vanilla } from './vanilla.js';

export { Vanilla, normaliseSpec } from './vanilla.js';
export { decodeVanillaProperties, BOTH_INIT_ERROR } from './properties.js';
export type { VanillaProperties, HealthCheck } from './properties.js';
export { checkHealth, checkHealthMany, batchConcurrency, renderHealthUrl, instancePort } from './health.js';

export default defineActor({
  manifest: { interfaces: FLAVOR_INTERFACES, vendor: { name: 'infrakit-ts-flavor-vanilla', version: '0.1.0' } },
  methods: FLAVOR_METHODS,
  stateless: true,
  create(ctx) {
    const v = new Vanilla(ctx.signal);
    return {
      handlers: {
        'Flavor.Validate': (p) => v.validate(p),
        'Flavor.Prepare': (p) => v.prepare(p),
        'Flavor.Healthy': (p) => v.healthy(p),
        'Flavor.HealthyBatch': (p) => v.healthyBatch(p),
        'Flavor.Drain': (p) => v.drain(p),
      },
    };
  },
});
