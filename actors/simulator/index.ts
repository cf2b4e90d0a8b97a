/**
 * The `simulator` actor: an in-memory Instance plugin with typed objects and fault injection.
 * Logic lives in `Simulator` (simulator.ts); this file only wires it to the actor contract.
 *
 * Besides the Instance SPI it serves `Simulator.Vanish {Type, IDs | Count, Tags}` → `{Type, IDs}`,
 * which makes instances disappear without a Destroy (as a cloud losing a VM), for tests.
 */
import { S } from '../../runtime/schema.js';
import { defineActor, type MethodInfo } from '../../runtime/actor.js';
import { Nullable, TagsSchema } from '../spi/common.js';
import { INSTANCE_INTERFACES, INSTANCE_METHODS } from '../spi/instance.js';
import { DEFAULT_OBJECTS, Simulator, type SimulatorOptions } from './simulator.js';

export { Simulator, DEFAULT_OBJECTS, TAG_SIMULATOR } from './simulator.js';
export type { SimulatorOptions, VanishRequest, VanishResult } from './simulator.js';

export const SIMULATOR_METHODS: Record<string, MethodInfo> = {
  ...INSTANCE_METHODS,
  'Simulator.Vanish': {
    params: S.object({
      Type: S.optional(S.string()),
      IDs: S.optional(Nullable(S.array(S.string()))),
      Count: S.optional(S.integer({ minimum: 0 })),
      Tags: S.optional(TagsSchema),
    }),
    example: { Type: 'compute', Count: 1, Tags: { 'infrakit.group': 'workers' } },
    exampleResult: { Type: 'compute', IDs: ['1700000000000000000'] },
    description: 'Not InfraKit: make instances vanish without a Destroy (by IDs, or Count picked at random among those matching Tags).',
  },
};

export default defineActor<SimulatorOptions>({
  manifest: (options) => ({
    interfaces: INSTANCE_INTERFACES,
    objects: options?.objects ?? DEFAULT_OBJECTS,
    vendor: { name: 'infrakit-ts-simulator', version: '0.1.0' },
  }),
  methods: SIMULATOR_METHODS,
  create(ctx) {
    const sim = new Simulator(ctx.name, ctx.options ?? {}, { signal: ctx.signal });
    ctx.log.debug({ objects: sim.objects }, 'simulator ready');
    return {
      handlers: {
        'Instance.Validate': (p) => sim.validate(p),
        'Instance.Provision': (p) => sim.provision(p),
        'Instance.Label': (p) => sim.label(p),
        'Instance.Destroy': (p) => sim.destroy(p),
        'Instance.DescribeInstances': (p) => sim.describe(p),
        'Simulator.Vanish': (p) => sim.vanish(p),
      },
    };
  },
});
