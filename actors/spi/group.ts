/**
 * The Group SPI (docs/go-compat.md #2): `Group/0.1.0` (v0.5 clients) and `Group/0.1.1` (HEAD clients).
 * HEAD requests carry `Name` (the full plugin name, e.g. `group/workers`); v0.5 requests do not.
 * Results are a superset of both generations (docs/go-compat.md #3): `Name`/`ID` as HEAD echoes them, and
 * `"OK": true` where v0.5 answered only that.
 * Beyond InfraKit: rollout controls (`PauseUpdate`, `ResumeUpdate`, `RollbackUpdate`) and extra,
 * ignorable fields in `DescribeGroup`'s description (Go clients skip unknown fields).
 */
import { S } from '../../runtime/schema.js';
import type { InterfaceSpec, MethodInfo } from '../../runtime/actor.js';
import { splitPluginName, type Caller } from './common.js';
import type { GroupDescription, GroupProperties, InspectedGroup, UncheckedGroupProperties } from './group-properties.js';

export const GROUP_INTERFACES: readonly InterfaceSpec[] = [
  { name: 'Group', version: '0.1.0' },
  { name: 'Group', version: '0.1.1' },
];

const NameField = S.optional(S.string());
const IdField = S.optional(S.string());
const ById = S.object({ Name: NameField, ID: IdField });

/**
 * Params are deliberately lenient where InfraKit answers with an application error instead
 * (the README's `CommitGroup` with `{}` must answer -32000 "Group ID must not be blank").
 */
export const GroupParams = {
  CommitGroup: S.object({
    Name: NameField,
    Spec: S.optional(S.object({ ID: IdField, Properties: S.optional(S.unknown()) })),
    Pretend: S.optional(S.boolean()),
  }),
  FreeGroup: ById,
  DescribeGroup: ById,
  DestroyGroup: ById,
  InspectGroups: ById,
  DestroyInstances: S.object({ Name: NameField, ID: IdField, Instances: S.optional(S.union([S.array(S.string()), S.null()])) }),
  Size: ById,
  SetSize: S.object({ Name: NameField, ID: IdField, Size: S.integer({ minimum: 0 }) }),
  PauseUpdate: ById,
  ResumeUpdate: ById,
  RollbackUpdate: ById,
};

/** `group.Spec`, as a client commits it: typed Properties, or `uncheckedProperties(json)`. */
export interface GroupSpec {
  ID: string;
  Properties: GroupProperties | UncheckedGroupProperties;
}

/** What the group actor receives: Properties are raw JSON until the plugin has parsed them. */
export interface CommitGroupRequest {
  Name?: string;
  Spec?: { ID?: string; Properties?: unknown };
  Pretend?: boolean;
}
export interface GroupIdRequest {
  Name?: string;
  ID?: string;
}
export interface DestroyInstancesRequest {
  Name?: string;
  ID?: string;
  Instances?: string[] | null;
}
export interface SetSizeRequest {
  Name?: string;
  ID?: string;
  Size: number;
}

export type { GroupDescription, InspectedGroup } from './group-properties.js';

export interface CommitGroupResult {
  Name: string;
  ID: string;
  Details: string;
}
export interface GroupIdResult {
  Name: string;
  ID: string;
  OK: true;
}
export interface DescribeGroupResult {
  Name: string;
  ID: string;
  Description: GroupDescription;
}
export interface InspectGroupsResult {
  Name: string;
  ID: string;
  Groups: InspectedGroup[] | null;
}
export interface SizeResult {
  Name: string;
  ID: string;
  Size: number;
}
export interface RolloutControlResult {
  Name: string;
  ID: string;
  Details: string;
}

const groupProps: GroupProperties = {
  Allocation: { Size: 3 },
  Instance: { Plugin: 'simulator/compute', Properties: { Note: 'any JSON' } },
  Flavor: { Plugin: 'vanilla', Properties: { Init: ['echo hello'], Tags: { tier: 'web' } } },
};
const byId = (method: string, result: object): MethodInfo => ({
  params: (GroupParams as Record<string, MethodInfo['params']>)[method],
  example: { Name: 'group', ID: 'workers' },
  exampleResult: { Name: 'group', ID: 'workers', ...result },
});

/** Method metadata for a Group actor's definition (`methods`). */
export const GROUP_METHODS: Record<string, MethodInfo> = {
  'Group.CommitGroup': {
    params: GroupParams.CommitGroup,
    example: { Name: 'group', Spec: { ID: 'workers', Properties: groupProps }, Pretend: false },
    exampleResult: { Name: 'group', ID: 'workers', Details: 'Managing 3 instances' },
  },
  'Group.FreeGroup': byId('FreeGroup', { OK: true }),
  'Group.DescribeGroup': byId('DescribeGroup', { Description: { Instances: null, Converged: false } }),
  'Group.DestroyGroup': byId('DestroyGroup', { OK: true }),
  'Group.InspectGroups': {
    params: GroupParams.InspectGroups,
    example: { Name: 'group', ID: '' },
    exampleResult: { Name: 'group', ID: '', Groups: null },
  },
  'Group.DestroyInstances': {
    params: GroupParams.DestroyInstances,
    example: { Name: 'group', ID: 'workers', Instances: ['i-1'] },
    exampleResult: { Name: 'group', ID: 'workers' },
  },
  'Group.Size': byId('Size', { Size: 3 }),
  'Group.SetSize': {
    params: GroupParams.SetSize,
    example: { Name: 'group', ID: 'workers', Size: 5 },
    exampleResult: { Name: 'group', ID: 'workers' },
  },
  'Group.PauseUpdate': byId('PauseUpdate', { Details: 'Paused the rolling update of workers' }),
  'Group.ResumeUpdate': byId('ResumeUpdate', { Details: 'Resumed the rolling update of workers' }),
  'Group.RollbackUpdate': byId('RollbackUpdate', { Details: 'Rolling back workers to its previous configuration' }),
};

/** A typed client for a Group plugin addressed as `lookup[/group-id]`, over any `Caller`. */
export class GroupClient {
  readonly actor: string;
  constructor(
    private readonly caller: Caller,
    readonly plugin: string,
  ) {
    this.actor = splitPluginName(plugin).lookup;
  }
  private call<R>(method: string, params: object): Promise<R> {
    return this.caller<R>(this.actor, `Group.${method}`, { Name: this.plugin, ...params });
  }
  commit(spec: GroupSpec, pretend = false): Promise<CommitGroupResult> {
    return this.call('CommitGroup', { Spec: spec, Pretend: pretend });
  }
  free(id: string): Promise<GroupIdResult> {
    return this.call('FreeGroup', { ID: id });
  }
  async describe(id: string): Promise<GroupDescription> {
    return (await this.call<DescribeGroupResult>('DescribeGroup', { ID: id })).Description;
  }
  destroy(id: string): Promise<GroupIdResult> {
    return this.call('DestroyGroup', { ID: id });
  }
  async inspect(): Promise<InspectedGroup[]> {
    return (await this.call<InspectGroupsResult>('InspectGroups', { ID: '' })).Groups ?? [];
  }
  destroyInstances(id: string, instances: string[]): Promise<GroupIdResult> {
    return this.call('DestroyInstances', { ID: id, Instances: instances });
  }
  async size(id: string): Promise<number> {
    return (await this.call<SizeResult>('Size', { ID: id })).Size;
  }
  setSize(id: string, size: number): Promise<GroupIdResult> {
    return this.call('SetSize', { ID: id, Size: size });
  }
  pause(id: string): Promise<RolloutControlResult> {
    return this.call('PauseUpdate', { ID: id });
  }
  resume(id: string): Promise<RolloutControlResult> {
    return this.call('ResumeUpdate', { ID: id });
  }
  rollback(id: string): Promise<RolloutControlResult> {
    return this.call('RollbackUpdate', { ID: id });
  }
}
