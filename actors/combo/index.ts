/**
 * The `combo` actor: InfraKit's combo Flavor, which runs several flavors (other actors, or plugins
 * on other sockets) as one. Properties: `[{"Plugin":"vanilla","Properties":{..}}, ...]`.
 *
 * It awaits other actors, so it allows several calls at once (it keeps no state between calls).
 */
import { defineActor } from '../../runtime/actor.js';
import { FLAVOR_INTERFACES, FLAVOR_METHODS } from '../spi/flavor.js';
import { Combo } from './combo.js';

export { Combo, checkComboLimits, decodeComboProperties } from './combo.js';
export type { ComboEntry } from './combo.js';
export { mergePrepared, addedInit } from './merge.js';

export default defineActor({
  manifest: { interfaces: FLAVOR_INTERFACES, vendor: { name: 'infrakit-ts-flavor-combo', version: '0.1.0' } },
  methods: FLAVOR_METHODS,
  concurrency: 16,
  create(ctx) {
    const combo = new Combo((actor, method, params) => ctx.call(actor, method, params));
    return {
      handlers: {
        'Flavor.Validate': (p) => combo.validate(p),
        'Flavor.Prepare': (p) => combo.prepare(p),
        'Flavor.Healthy': (p) => combo.healthy(p),
        'Flavor.HealthyBatch': (p) => combo.healthyBatch(p),
        'Flavor.Drain': (p) => combo.drain(p),
      },
    };
  },
});
