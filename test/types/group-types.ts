/**
 * Compile-time checks of the typed Group surface: every `@ts-expect-error` below is a typo or a wrong
 * type that must not compile. Type-checked with the project (`tsc --noEmit`), where an expectation
 * that no longer errors fails the build; test/types/types.test.ts also checks each error's reason.
 * Nothing here runs: `typedGroupUsage` is never called.
 */
import {
  groupClient,
  uncheckedProperties,
  type CallTarget,
  type GroupDescription,
  type GroupProperties,
  type GroupSpec,
} from '../../actors/spi/index.js';

const instance = { Plugin: 'simulator/compute', Properties: { Image: 'web:v1' } };
const flavor = { Plugin: 'vanilla', Properties: { Init: ['echo hello'] } };

export async function typedGroupUsage(target: CallTarget, fromFile: Record<string, unknown>): Promise<void> {
  const g = groupClient(target, 'group');

  // Every key the group accepts, spelt as the types spell them.
  const full: GroupProperties = {
    Allocation: { Size: 3, LogicalIDs: null },
    Instance: { ...instance, Options: { anything: true } },
    Flavor: flavor,
    Updating: { Duration: '30s', Count: null, SkipBeforeInstanceDestroy: 'drain', MaxSurge: 2, MaxUnavailable: 1, HealthTimeout: 60e9 },
    Health: { GracePeriod: '5m' },
  };
  await g.commit({ ID: 'web', Properties: full });
  await g.commit({ ID: 'pets', Properties: { Allocation: { LogicalIDs: ['a', 'b'] }, Instance: instance, Flavor: flavor } }, true);
  // The escape hatch: JSON from a file, Go's case-insensitive spellings.
  await g.commit({ ID: 'raw', Properties: uncheckedProperties(fromFile) });
  await g.commit({ ID: 'go', Properties: uncheckedProperties({ allocation: { size: 3 }, instance, flavor }) });

  // @ts-expect-error: Alloction is a typo of Allocation
  await g.commit({ ID: 'web', Properties: { Alloction: { Size: 3 }, Instance: instance, Flavor: flavor } });
  // @ts-expect-error: size is Go's lower-case spelling: only through uncheckedProperties
  await g.commit({ ID: 'web', Properties: { Allocation: { size: 3 }, Instance: instance, Flavor: flavor } });
  // @ts-expect-error: Propertes is a typo of Properties
  await g.commit({ ID: 'web', Properties: { Allocation: { Size: 3 }, Instance: { Plugin: 'simulator', Propertes: {} }, Flavor: flavor } });
  // @ts-expect-error: MaxSurg is a typo of MaxSurge
  await g.commit({ ID: 'web', Properties: { Allocation: { Size: 3 }, Instance: instance, Flavor: flavor, Updating: { MaxSurg: 2 } } });
  await g.commit({
    ID: 'web',
    // @ts-expect-error: MaxUnavailable is a number, not a string
    Properties: { Allocation: { Size: 3 }, Instance: instance, Flavor: flavor, Updating: { MaxUnavailable: '1' } },
  });
  // @ts-expect-error: Grace is a typo of GracePeriod
  await g.commit({ ID: 'web', Properties: { Allocation: { Size: 3 }, Instance: instance, Flavor: flavor, Health: { Grace: '1m' } } });
  // @ts-expect-error: a group needs its Flavor
  await g.commit({ ID: 'web', Properties: { Allocation: { Size: 3 }, Instance: instance } });
  // @ts-expect-error: untyped JSON needs the named escape hatch
  await g.commit({ ID: 'web', Properties: fromFile });
  // @ts-expect-error: a spec has its Properties
  const bare: GroupSpec = { ID: 'web' };

  const d: GroupDescription = await g.describe('web');
  const fields: [boolean, number, string, number] = [d.Converged, d.Size ?? 0, d.ConfigHash ?? '', d.Instances?.length ?? 0];
  const rolling: number | undefined = d.Rollout?.Updated;
  const problem: string | undefined = d.Problems?.[0]?.Message;
  const leader: string | undefined = d.Leadership?.Leader?.ID;
  // @ts-expect-error: converged is a typo of Converged
  const converged: boolean = d.converged;
  // @ts-expect-error: Rollout's fields are capitalised
  const rollState: string = d.Rollout?.state;
  // @ts-expect-error: a problem has a Message, not a message
  const message: string = d.Problems?.[0]?.message;
  // @ts-expect-error: Reasons is a typo of Reason
  const reasons: unknown = d.Reasons;
  // @ts-expect-error: the set-aside states are destroying and quarantined
  const quarantine: boolean = d.State === 'quarantine';

  for (const spec of await g.inspect()) {
    // @ts-expect-error: a set-aside group's Properties are as stored, not known to parse
    const size: number | undefined = spec.Properties.Allocation.Size;
    if (spec.State === undefined) {
      const managed: number | undefined = spec.Properties.Allocation.Size;
      void managed;
    }
    void size;
  }
  void [bare, fields, rolling, problem, leader, converged, rollState, message, reasons, quarantine];
}
