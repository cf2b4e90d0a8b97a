/**
 * The Group plugin's methods (spec group.md §6.2, §6.7) over a set of GroupControllers.
 *
 * Calls for one group are serialised (a lock per group ID); different groups never wait for each
 * other. A committed spec is stored durably before the call answers.
 */
import { ApplicationError } from '../../runtime/errors.js';
import { type Allocation, type Caller, type Description } from '../spi/common.js';
import { FlavorClient } from '../spi/flavor.js';
import type { GroupDescription, GroupSpec } from '../spi/group.js';
import { InstanceClient } from '../spi/instance.js';
import { commitDetails } from './details.js';
import { GroupController, settingsOf, silentLog, type ControllerOptions, type EmitFn, type GroupLog, type GroupSettings } from './group-controller.js';
import { errorMessage, isLookupFailure } from './plugin-calls.js';
import { MAX_DESTROY_INSTANCES, MAX_GROUP_SIZE, MAX_ID_LENGTH, MAX_INSTANCE_ID_LENGTH, checkCount, checkGroupId, checkLength } from './limits.js';
import {
  PropertiesError,
  isPets,
  normaliseProperties,
  parseGroupProperties,
  targetSize,
  withSize,
  type GroupProperties,
  type GroupSpecRecord,
} from './properties.js';
import type { SpecStore, StoredGroup } from './spec-store.js';

export const notWatched = (id: string): ApplicationError => new ApplicationError(`Group '${id}' is not being watched`);

function parse(raw: unknown, allowEmptyAllocation = false): GroupProperties {
  try {
    return parseGroupProperties(raw, { allowEmptyAllocation });
  } catch (err) {
    if (err instanceof PropertiesError) throw new ApplicationError(err.message);
    throw err;
  }
}

/** The first few of a list, and how many more: an error message stays short however long the list. */
function listSome(items: readonly string[], shown = 20): string {
  const head = items.slice(0, shown).join(', ');
  return items.length > shown ? `${head} and ${items.length - shown} more` : head;
}

export class GroupPlugin {
  private readonly groups = new Map<string, GroupController>();
  private readonly records = new Map<string, StoredGroup>();
  private readonly locks = new Map<string, Promise<unknown>>();
  private closed = false;

  constructor(
    private readonly caller: Caller,
    private readonly store: SpecStore,
    private readonly opts: ControllerOptions,
    private readonly log: GroupLog = silentLog,
    private readonly emit: EmitFn = () => {},
  ) {}

  /** Loads the stored specs and resumes managing them (instances are found again by their tags). */
  async init(): Promise<void> {
    const stored = await this.store.load();
    for (const [id, rec] of stored) {
      let props: GroupProperties;
      try {
        props = parseGroupProperties(rec.spec.Properties, { allowEmptyAllocation: true });
      } catch (err) {
        this.log.error({ group: id, err: errorMessage(err) }, 'stored spec does not parse; not managing it');
        continue;
      }
      this.records.set(id, rec);
      const c = this.controller(settingsOf({ ID: id, Properties: rec.spec.Properties }, props), rec.paused);
      c.start();
      this.log.info({ group: id }, 'resumed managing group from the store');
    }
  }

  /** Stops every loop. Idempotent. */
  close(): void {
    this.closed = true;
    for (const c of this.groups.values()) c.stop();
  }

  /** The controller of a group (tests). */
  group(id: string): GroupController | undefined {
    return this.groups.get(id);
  }

  private controller(s: GroupSettings, paused: boolean): GroupController {
    const c = new GroupController(s, paused, this.caller, this.opts, this.log, this.emit);
    this.groups.set(s.spec.ID, c);
    return c;
  }

  /** Runs `fn` after every earlier call for the same group has finished. */
  private locked<T>(id: string, fn: () => Promise<T>): Promise<T> {
    const prev = this.locks.get(id) ?? Promise.resolve();
    const next = prev.then(fn, fn);
    const tail = next.catch(() => undefined);
    this.locks.set(id, tail);
    void tail.then(() => {
      if (this.locks.get(id) === tail) this.locks.delete(id);
    });
    return next;
  }

  private watched(id: string): GroupController {
    const c = this.groups.get(id);
    if (!c) throw notWatched(id);
    return c;
  }

  // ---- CommitGroup ----------------------------------------------------------------------------

  /** Checks the flavor's then the instance plugin's Validate, with Go's texts (§6.1). */
  private async validatePlugins(p: GroupProperties): Promise<void> {
    const allocation: Allocation = { Size: p.size, LogicalIDs: p.logicalIds === null ? null : [...p.logicalIds] };
    const check = async (kind: 'Flavor' | 'Instance', name: string, run: () => Promise<unknown>): Promise<void> => {
      if (name === '') throw new ApplicationError(`Failed to find ${kind} plugin '${name}':plugin name must not be blank`);
      try {
        await run();
      } catch (err) {
        if (isLookupFailure(err)) throw new ApplicationError(`Failed to find ${kind} plugin '${name}':${errorMessage(err)}`);
        throw new ApplicationError(errorMessage(err));
      }
    };
    await check('Flavor', p.flavor.Plugin, () => new FlavorClient(this.caller, p.flavor.Plugin).validate(p.flavor.Properties, allocation));
    await check('Instance', p.instance.Plugin, () => new InstanceClient(this.caller, p.instance.Plugin).validate(p.instance.Properties));
  }

  async commitGroup(spec: { ID?: string; Properties?: unknown } | undefined, pretend: boolean): Promise<string> {
    const id = spec?.ID ?? '';
    if (id === '') throw new ApplicationError('Group ID must not be blank');
    checkGroupId(id);
    const raw = spec?.Properties ?? null;
    const props = parse(raw);
    await this.validatePlugins(props);
    return this.locked(id, () => this.apply({ ID: id, Properties: raw }, props, pretend));
  }

  /** Commits parsed settings (holding the group's lock). */
  private async apply(spec: GroupSpecRecord, props: GroupProperties, pretend: boolean, opts: { previous?: GroupSpecRecord | null; paused?: boolean } = {}): Promise<string> {
    if (this.closed) throw new ApplicationError('the group plugin is stopping');
    const id = spec.ID;
    const s = settingsOf(spec, props);
    const existing = this.groups.get(id);
    if (!existing) {
      if (!pretend) {
        const rec: StoredGroup = { spec, previous: opts.previous ?? null, paused: opts.paused ?? false };
        await this.store.put(id, rec);
        this.records.set(id, rec);
        this.controller(s, rec.paused).start();
        this.emit('group:committed', { ID: id, Hash: s.hash });
      }
      return `Managing ${targetSize(props)} instances`;
    }
    const cur = existing.current;
    const census = await existing.census(s);
    const oldLids = new Set(cur.props.logicalIds ?? []);
    const newLids = new Set(props.logicalIds ?? []);
    const details = commitDetails({
      isNew: false,
      pets: isPets(props),
      oldSize: targetSize(cur.props),
      newSize: targetSize(props),
      matching: census.matching,
      mismatching: census.mismatching,
      addedLogicalIds: [...newLids].filter((l) => !oldLids.has(l)).length,
      removedLogicalIds: isPets(cur.props) ? [...oldLids].filter((l) => !newLids.has(l)).length : 0,
    });
    if (!pretend) {
      const old = this.records.get(id);
      const previous = opts.previous !== undefined ? opts.previous : s.hash !== cur.hash ? cur.spec : (old?.previous ?? null);
      const rec: StoredGroup = { spec, previous, paused: opts.paused ?? old?.paused ?? false };
      await this.store.put(id, rec);
      this.records.set(id, rec);
      if (rec.paused !== existing.isPaused) existing.setPaused(rec.paused);
      existing.update(s);
      this.emit('group:committed', { ID: id, Hash: s.hash });
    }
    return details;
  }

  // ---- the other methods ----------------------------------------------------------------------

  async describeGroup(id: string): Promise<GroupDescription> {
    checkLength('Group ID', id, MAX_ID_LENGTH);
    return this.watched(id).describe();
  }

  inspectGroups(): GroupSpec[] | null {
    const out: GroupSpec[] = [];
    for (const [id, c] of this.groups) out.push({ ID: id, Properties: normaliseProperties(c.current.props, c.current.spec.Properties) });
    return out.length === 0 ? null : out;
  }

  /** Stops managing a group and removes its spec from the store; its instances are left alone. */
  private async forget(id: string): Promise<GroupController> {
    const c = this.watched(id);
    c.stop();
    this.groups.delete(id);
    this.records.delete(id);
    await this.store.remove(id);
    return c;
  }

  freeGroup(id: string): Promise<void> {
    return this.locked(id, async () => {
      await this.forget(id);
      this.emit('group:freed', { ID: id });
    });
  }

  /** Free, then Drain and Destroy every member (`terminate`); every failure is collected and reported. */
  destroyGroup(id: string): Promise<void> {
    return this.locked(id, async () => {
      const c = await this.forget(id);
      await c.idle();
      const members = (await c.listMembers()).sort((a, b) => (a.ID < b.ID ? -1 : a.ID > b.ID ? 1 : 0));
      const failures: string[] = [];
      await Promise.all(
        members.map((d) =>
          c.destroyMember(d, 'terminate').catch((err: unknown) => {
            failures.push(`${d.ID}: ${errorMessage(err)}`);
          }),
        ),
      );
      this.emit('group:destroyed', { ID: id, Destroyed: members.length - failures.length });
      if (failures.length > 0) {
        throw new ApplicationError(`Failed to destroy ${failures.length} of ${members.length} instances of group '${id}': ${failures.sort().join('; ')}`);
      }
    });
  }

  size(id: string): number {
    checkLength('Group ID', id, MAX_ID_LENGTH);
    const c = this.groups.get(id);
    if (!c) throw new ApplicationError(`group ${id} not found`);
    return targetSize(c.current.props);
  }

  setSize(id: string, size: number): Promise<void> {
    if (size < 0) return Promise.reject(new ApplicationError('size cannot be negative'));
    try {
      // Refused at once, before the lock: nothing is stored or allocated for a size over the limit.
      checkLength('Group ID', id, MAX_ID_LENGTH);
      checkCount('Allocation.Size', size, MAX_GROUP_SIZE);
    } catch (err) {
      return Promise.reject(err);
    }
    return this.locked(id, async () => {
      const c = this.groups.get(id);
      if (!c) throw new ApplicationError(`group not found ${id}`);
      await this.resize(c, size);
    });
  }

  private async resize(c: GroupController, size: number): Promise<void> {
    const cur = c.current;
    if (isPets(cur.props)) throw new ApplicationError('cannot set size if logic ids are explicitly set');
    const raw = withSize(cur.spec.Properties, size);
    const props = parse(raw, true);
    await this.apply({ ID: cur.spec.ID, Properties: raw }, props, false);
  }

  /**
   * Destroys the listed instances that belong to the group, lowers a cattle group's size by the number
   * actually destroyed (size 0 allowed), and fails naming the IDs that are not members (bug #6 fixed).
   */
  destroyInstances(id: string, ids: readonly string[]): Promise<void> {
    try {
      checkLength('Group ID', id, MAX_ID_LENGTH);
      checkCount('Instances count', ids.length, MAX_DESTROY_INSTANCES);
      ids.forEach((i, k) => checkLength(`Instances[${k}]`, i, MAX_INSTANCE_ID_LENGTH));
    } catch (err) {
      return Promise.reject(err);
    }
    return this.locked(id, async () => {
      const c = this.watched(id);
      const members = new Map<string, Description>();
      for (const d of await c.listMembers()) members.set(d.ID, d);
      const wanted = [...new Set(ids)];
      const strangers = wanted.filter((i) => !members.has(i));
      const targets = wanted.filter((i) => members.has(i));
      const cattle = !isPets(c.current.props);
      const before = targetSize(c.current.props);
      // Mark them going (synchronously) before the size drops, so the loop does not pick others.
      const results = targets.map((i) => c.destroyMember(members.get(i) as Description, 'terminate').then(() => true, (err: unknown) => errorMessage(err)));
      if (cattle && targets.length > 0) await this.resize(c, Math.max(0, before - targets.length));
      const outcome = await Promise.all(results);
      const failed: string[] = [];
      outcome.forEach((r, k) => {
        if (r !== true) failed.push(`${targets[k]}: ${r}`);
      });
      if (cattle && failed.length > 0) await this.resize(c, Math.max(0, before - (targets.length - failed.length)));
      const errors: string[] = [];
      if (strangers.length > 0) errors.push(`Instances not in group '${id}': ${listSome(strangers)}`);
      if (failed.length > 0) errors.push(`Failed to destroy: ${failed.join('; ')}`);
      if (errors.length > 0) throw new ApplicationError(errors.join('; '));
    });
  }

  // ---- rollout controls -----------------------------------------------------------------------

  pauseUpdate(id: string): Promise<string> {
    return this.setPaused(id, true).then(() => `Paused the rolling update of ${id}`);
  }

  resumeUpdate(id: string): Promise<string> {
    return this.setPaused(id, false).then(() => `Resumed the rolling update of ${id}`);
  }

  private setPaused(id: string, paused: boolean): Promise<void> {
    return this.locked(id, async () => {
      const c = this.watched(id);
      const rec = this.records.get(id) ?? { spec: c.current.spec, previous: null, paused: false };
      const next: StoredGroup = { ...rec, paused };
      await this.store.put(id, next);
      this.records.set(id, next);
      c.setPaused(paused);
      this.emit(paused ? 'rollout:paused' : 'rollout:resumed', { ID: id });
    });
  }

  /** Commits the previous spec again (rolled out like any change, resumed if paused); the current one becomes previous. */
  rollbackUpdate(id: string): Promise<string> {
    return this.locked(id, async () => {
      const c = this.watched(id);
      const prev = this.records.get(id)?.previous ?? null;
      if (prev === null) throw new ApplicationError(`Group '${id}' has no previous configuration to roll back to`);
      const props = parse(prev.Properties, true);
      await this.apply({ ID: id, Properties: prev.Properties }, props, false, { previous: c.current.spec, paused: false });
      this.emit('rollout:rollback', { ID: id });
      return `Rolling back ${id} to its previous configuration`;
    });
  }
}
