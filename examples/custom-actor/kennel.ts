/**
 * `kennel`: an Instance plugin written in TypeScript — instances are pets kept in memory.
 * It implements InfraKit's Instance SPI (so a group can use it) plus one method of its own,
 * `Kennel.Count`. Params are validated against the SPI's schemas (`INSTANCE_METHODS`).
 *
 * In your own module, import from 'infrakit-ts' instead of the relative path.
 */
import {
  defineActor,
  INSTANCE_INTERFACES,
  INSTANCE_METHODS,
  type DescribeInstancesRequest,
  type Description,
  type DestroyRequest,
  type LabelRequest,
  type ProvisionRequest,
  type Tags,
  type ValidateInstanceRequest,
} from '../../index.js';

interface Pet {
  readonly id: string;
  readonly logicalId: string | null;
  tags: Tags;
  readonly properties: unknown;
}

export default defineActor<{ prefix?: string }>({
  manifest: { interfaces: INSTANCE_INTERFACES, vendor: { name: 'kennel', version: '0.1.0' } },
  methods: {
    ...INSTANCE_METHODS,
    'Kennel.Count': { example: {}, exampleResult: { Count: 3 }, description: 'How many pets the kennel keeps.' },
  },
  // The state lives in this closure, in the actor's own worker thread; calls arrive one at a time.
  create(ctx) {
    const pets = new Map<string, Pet>();
    const prefix = ctx.options.prefix ?? 'pet';
    let next = 1;
    const find = (id: string): Pet => {
      const pet = pets.get(id);
      // A plain Error answers InfraKit's application error: -32000 with this message.
      if (pet === undefined) throw new Error(`no pet '${id}' in the kennel`);
      return pet;
    };
    return {
      handlers: {
        'Instance.Validate': (p: ValidateInstanceRequest) => ({ Type: p.Type ?? '', OK: true }),
        'Instance.Provision': (p: ProvisionRequest) => {
          const id = `${prefix}-${next++}`;
          pets.set(id, {
            id,
            logicalId: p.Spec.LogicalID ?? null,
            tags: { ...(p.Spec.Tags ?? {}) },
            properties: p.Spec.Properties ?? null,
          });
          ctx.emit('kennel:born', { ID: id });
          return { Type: p.Type ?? '', ID: id };
        },
        'Instance.Label': (p: LabelRequest) => {
          const pet = find(p.Instance);
          pet.tags = { ...pet.tags, ...(p.Labels ?? {}) };
          return { Type: p.Type ?? '', OK: true };
        },
        'Instance.Destroy': (p: DestroyRequest) => {
          find(p.Instance);
          pets.delete(p.Instance);
          ctx.log.info({ pet: p.Instance, reason: p.Context?.Reason }, 'pet gone');
          return { Type: p.Type ?? '', OK: true };
        },
        'Instance.DescribeInstances': (p: DescribeInstancesRequest) => {
          const want = Object.entries(p.Tags ?? {});
          const Descriptions: Description[] = [...pets.values()]
            .filter((pet) => want.every(([k, v]) => pet.tags[k] === v))
            .map((pet) => ({
              ID: pet.id,
              LogicalID: pet.logicalId,
              Tags: pet.tags,
              ...(p.Properties === true ? { Properties: pet.properties } : {}),
            }));
          return { Type: p.Type ?? '', Descriptions };
        },
        'Kennel.Count': () => ({ Count: pets.size }),
      },
      // Hot reload (`infrakit-ts plugin reload kennel`, or `--watch`): the pets survive new code.
      snapshot: () => ({ pets: [...pets.values()], next }),
      restore: (state) => {
        const s = state as { pets: Pet[]; next: number };
        for (const pet of s.pets) pets.set(pet.id, pet);
        next = s.next;
      },
    };
  },
});
