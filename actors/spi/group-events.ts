/**
 * What the `group` actor publishes with `ctx.emit` (the runtime's `actor:event` with
 * `{ actor, type, payload }`, and the socket's `GET /events`). Every payload names the group by `ID`:
 * `runtime.on('actor:event', (e) => { if (isGroupEvent(e, 'group:converged')) console.log(e.payload.ID); });`
 */

/** Payload types by event type. */
export interface GroupEventPayloads {
  /** A spec was committed (not for `Pretend`); `Hash` is its config hash. */
  'group:committed': { ID: string; Hash: string };
  /** Instances appeared or disappeared since the last look; `Instances` is how many there are now. */
  'group:changed': { ID: string; Added: number; Removed: number; Instances: number };
  /** The group reached its size with every instance on the current config (emitted on the transition). */
  'group:converged': { ID: string; Size: number };
  /** A new kind of failure (`Source`: describe, provision, destroy, drain, health, label). */
  'group:problem': { ID: string; Source: string; Message: string };
  /** `FreeGroup`: no longer managed; instances left running. */
  'group:freed': { ID: string };
  /** `DestroyGroup`: instances destroyed (`Destroyed` of them) and the group forgotten. */
  'group:destroyed': { ID: string; Destroyed: number };
  /** Instances on an older config were found: a rolling update begins. */
  'rollout:started': { ID: string; Total: number; Outdated: number };
  /** The rolling update moved: `Updated` of `Total` on the new config. */
  'rollout:progress': { ID: string; Updated: number; Outdated: number; Total: number; Paused: boolean };
  /** No outdated instance is left. */
  'rollout:completed': { ID: string; Total: number };
  /** `PauseUpdate`. */
  'rollout:paused': { ID: string };
  /** `ResumeUpdate`. */
  'rollout:resumed': { ID: string };
  /** `RollbackUpdate`: the previous spec is committed again. */
  'rollout:rollback': { ID: string };
}

export type GroupEventType = keyof GroupEventPayloads;

/** Every group event type, in the order of a group's life. */
export const GROUP_EVENT_TYPES: readonly GroupEventType[] = [
  'group:committed',
  'group:changed',
  'group:converged',
  'group:problem',
  'group:freed',
  'group:destroyed',
  'rollout:started',
  'rollout:progress',
  'rollout:completed',
  'rollout:paused',
  'rollout:resumed',
  'rollout:rollback',
];

/** A published group event, narrowed by type. */
export interface GroupEvent<K extends GroupEventType = GroupEventType> {
  readonly actor: string;
  readonly type: K;
  readonly payload: GroupEventPayloads[K];
}

/** Is `e` (an `actor:event` or a streamed event) the group event `type` (any group event without `type`)? */
export function isGroupEvent<K extends GroupEventType>(e: { type: string; payload: unknown }, type?: K): e is GroupEvent<K> & typeof e {
  if (type !== undefined ? e.type !== type : !(GROUP_EVENT_TYPES as readonly string[]).includes(e.type)) return false;
  return typeof e.payload === 'object' && e.payload !== null && typeof (e.payload as { ID?: unknown }).ID === 'string';
}
