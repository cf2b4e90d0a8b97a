/**
 * How another room plugs its own spec store and leadership into the group actor (cluster/ does, for
 * etcd) without the group knowing it: the declared option `backend` names a module whose default
 * export is a `GroupBackendFactory`; the group worker imports it in `create()` and serves its plugin.
 */
import type { Handler } from '../../runtime/actor.js';
import type { Caller } from '../spi/common.js';
import type { GroupDescription, InspectedGroup } from '../spi/group.js';
import type { ControllerOptions, DescribedParts, EmitFn, GroupLog } from './group-controller.js';

/** The group's declared option `backend`: structured-cloneable, so it travels in the declaration. */
export interface GroupBackendOption {
  /** `file:` URL (or absolute path) of a module whose default export is a `GroupBackendFactory`. */
  readonly module: string;
  /** Interfaces the backend's extra handlers implement, added to the group's manifest. */
  readonly interfaces?: readonly { readonly name: string; readonly version: string }[];
}

/** What the group actor's handlers call: `GroupPlugin` is one, a backend's plugin another. */
export interface GroupService {
  init(): Promise<void>;
  close(): Promise<void>;
  commitGroup(spec: { ID?: string; Properties?: unknown } | undefined, pretend: boolean): Promise<string>;
  freeGroup(id: string): Promise<void>;
  describeGroup(id: string): Promise<GroupDescription>;
  /** DescribeGroup with a managed group's Instances still as listed, when the service can (`GroupPlugin` does). */
  describeGroupParts?(id: string): Promise<GroupDescription | DescribedParts>;
  destroyGroup(id: string): Promise<void>;
  inspectGroups(): InspectedGroup[] | null | Promise<InspectedGroup[] | null>;
  destroyInstances(id: string, ids: readonly string[]): Promise<void>;
  size(id: string): number | Promise<number>;
  setSize(id: string, size: number): Promise<void>;
  pauseUpdate(id: string): Promise<string>;
  resumeUpdate(id: string): Promise<string>;
  rollbackUpdate(id: string): Promise<string>;
}

/** What a backend gets from the group actor. */
export interface GroupBackendContext {
  /** Calls to instance and flavor plugins, each within the group's `callTimeoutMs`. */
  readonly caller: Caller;
  readonly controller: ControllerOptions;
  /** The group actor's declared options, as given (a backend reads its own settings there). */
  readonly options: Readonly<Record<string, unknown>>;
  readonly actor: { readonly name: string; readonly home: string };
  readonly log: GroupLog;
  readonly emit: EmitFn;
}

export interface GroupBackend {
  readonly plugin: GroupService;
  /** Extra handlers (methods of `GroupBackendOption.interfaces`) served beside the Group methods. */
  readonly handlers?: Readonly<Record<string, Handler>>;
}

export type GroupBackendFactory = (ctx: GroupBackendContext) => GroupBackend | Promise<GroupBackend>;
