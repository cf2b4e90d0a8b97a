/**
 * The Group plugin's methods (docs/go-compat.md #5, #9) over a set of GroupControllers.
 * Calls for one group are serialised (a lock per group ID); different groups never wait for each
 * other. A committed spec is stored durably before the call answers.
 * Set-aside groups stay in the store but are not managed: a group being destroyed (a tombstone until
 * no instance carries its tag; finished after a restart too) and a quarantined one (its stored spec
 * does not parse, or handling it took the actor down QUARANTINE_AFTER times in a row; see journal.ts).
 */
import { realClock } from './clock.js';
import { ApplicationError, GroupQuarantinedError } from '../../runtime/errors.js';
import type { Allocation, Caller, Description } from '../spi/common.js';
import { FlavorClient } from '../spi/flavor.js';
import type { GroupDescription, InspectedGroup } from '../spi/group.js';
import { InstanceClient } from '../spi/instance.js';
import { commitDetails } from './details.js';
import {
  GroupController,
  describedValue,
  silentLog,
  type ControllerOptions,
  type DescribedParts,
  type EmitFn,
  type GroupLog,
} from './group-controller.js';
import { settingsOf, type GroupSettings } from './settings.js';
import { GroupJournal, QUARANTINE_AFTER } from './journal.js';
import { errorMessage, isLookupFailure } from './plugin-calls.js';
import {
  MAX_DESTROY_INSTANCES,
  MAX_GROUP_SIZE,
  MAX_ID_LENGTH,
  MAX_INSTANCE_ID_LENGTH,
  checkCount,
  checkGroupId,
  checkLength,
} from './limits.js';
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
export const beingDestroyed = (id: string): ApplicationError =>
  new ApplicationError(`Group '${id}' is being destroyed; commit it again once DestroyGroup has finished`);

/** How long after a resume a plugin the group names may be missing or starting without it being a problem. */
export const RESUME_GRACE_MS = 30_000;

/** A group being destroyed: the controller that lists and destroys its members, and the retry timer. */
interface Tombstone {
  readonly c: GroupController;
  destroyed: number;
  failures: number;
  timer: NodeJS.Timeout | null;
}

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
  /** Quarantined groups: the reason. */
  private readonly quarantined = new Map<string, string>();
  private readonly tombstones = new Map<string, Tombstone>();
  private waitForPluginsUntil = -Infinity;
  private closed = false;

  constructor(
    private readonly caller: Caller,
    private readonly store: SpecStore,
    private readonly opts: ControllerOptions,
    private readonly log: GroupLog = silentLog,
    private readonly emit: EmitFn = () => {},
    private readonly journal: GroupJournal = new GroupJournal(null),
    private readonly resumeGraceMs = RESUME_GRACE_MS,
  ) {}

  /**
   * Loads the stored specs and resumes managing them (instances are found again by their tags);
   * finishes the destroys a restart interrupted; quarantines what does not parse or kept crashing.
   */
  async init(): Promise<void> {
    const stored = await this.store.load();
    await this.journal.load();
    await this.journal.retain(stored.keys());
    this.waitForPluginsUntil = (this.opts.clock ?? realClock).now() + this.resumeGraceMs;
    for (const [id, rec] of stored) {
      this.records.set(id, rec);
      let props: GroupProperties;
      try {
        props = parseGroupProperties(rec.spec.Properties, { allowEmptyAllocation: true });
      } catch (err) {
        this.quarantine(id, `its stored spec does not parse: ${errorMessage(err)}`);
        continue;
      }
      const s = settingsOf({ ID: id, Properties: rec.spec.Properties }, props);
      if (rec.destroying === true) {
        this.log.info({ group: id }, 'finishing the destroy of a group interrupted by a restart');
        this.entomb(id, this.newController(s, true));
        continue;
      }
      const crashes = this.journal.crashCount(id);
      if (crashes >= QUARANTINE_AFTER) {
        this.quarantine(id, `its handling crashed the group actor ${crashes} times`);
        continue;
      }
      const c = this.controller(s, rec.paused);
      c.start();
      this.log.info({ group: id, ...(crashes > 0 ? { crashes } : {}) }, 'resumed managing group from the store');
    }
  }

  /** Stops every loop. Idempotent. */
  close(): Promise<void> {
    this.closed = true;
    for (const c of this.groups.values()) c.stop();
    for (const t of this.tombstones.values()) if (t.timer) clearTimeout(t.timer);
    return this.journal.close();
  }

  private quarantine(id: string, reason: string): void {
    this.quarantined.set(id, reason);
    this.log.error({ group: id, reason }, 'group quarantined: kept in the store, not managed');
    this.emit('group:problem', { ID: id, Source: 'quarantine', Message: reason });
  }

  /** Runs `fn` marked in progress in the crash journal (a commit being applied). */
  private async journaled<T>(id: string, fn: () => Promise<T>): Promise<T> {
    await this.journal.begin(id);
    try {
      return await fn();
    } finally {
      this.journal.end(id);
    }
  }

  /** Throws when `id` is set aside (quarantined or being destroyed). */
  private refuseSetAside(id: string): void {
    const reason = this.quarantined.get(id);
    if (reason !== undefined) throw new GroupQuarantinedError(id, reason);
    if (this.tombstones.has(id)) throw beingDestroyed(id);
  }

  /** The controller of a group (tests). */
  group(id: string): GroupController | undefined {
    return this.groups.get(id);
  }

  private newController(s: GroupSettings, paused: boolean): GroupController {
    return new GroupController(s, paused, this.caller, this.opts, this.log, this.emit, {
      gate: this.journal,
      waitForPluginsUntil: this.waitForPluginsUntil,
    });
  }

  private controller(s: GroupSettings, paused: boolean): GroupController {
    const c = this.newController(s, paused);
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
    this.refuseSetAside(id);
    const c = this.groups.get(id);
    if (!c) throw notWatched(id);
    return c;
  }

  // ---- CommitGroup ----------------------------------------------------------------------------

  /** Checks the flavor's then the instance plugin's Validate, with Go's texts (docs/go-compat.md #9). */
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
    return this.locked(id, () => this.journaled(id, () => this.apply({ ID: id, Properties: raw }, props, pretend)));
  }

  /** Commits parsed settings (holding the group's lock). */
  private async apply(
    spec: GroupSpecRecord,
    props: GroupProperties,
    pretend: boolean,
    opts: { previous?: GroupSpecRecord | null; paused?: boolean } = {},
  ): Promise<string> {
    if (this.closed) throw new ApplicationError('the group plugin is stopping');
    const id = spec.ID;
    if (this.tombstones.has(id)) throw beingDestroyed(id);
    const s = settingsOf(spec, props);
    const existing = this.groups.get(id);
    if (!existing) {
      if (!pretend) {
        const rec: StoredGroup = { spec, previous: opts.previous ?? null, paused: opts.paused ?? false };
        await this.store.put(id, rec);
        this.records.set(id, rec);
        if (this.quarantined.delete(id)) {
          await this.journal.reset(id);
          this.log.info({ group: id }, 'a new valid spec takes the group out of quarantine');
        }
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

  /** A set-aside group answers with its State (and Reason) instead of being refused. */
  async describeGroup(id: string): Promise<GroupDescription> {
    const d = await this.describeGroupParts(id);
    return 'rest' in d ? describedValue(d) : d;
  }

  /** DescribeGroup, a managed group's Instances still as listed (`describedAnswer` makes the answer). */
  async describeGroupParts(id: string): Promise<GroupDescription | DescribedParts> {
    checkLength('Group ID', id, MAX_ID_LENGTH);
    const reason = this.quarantined.get(id);
    if (reason !== undefined) {
      return { Instances: null, Converged: false, State: 'quarantined', Reason: reason };
    }
    const t = this.tombstones.get(id);
    if (t !== undefined) {
      const members = await t.c.listMembers().catch(() => null);
      return { Instances: members === null || members.length === 0 ? null : members, Converged: false, State: 'destroying', Size: 0 };
    }
    return this.watched(id).describeParts();
  }

  /** Managed groups, then set-aside ones with `State` (`destroying`, `quarantined`) and `Reason`. */
  inspectGroups(): InspectedGroup[] | null {
    const out: InspectedGroup[] = [];
    for (const [id, c] of this.groups) out.push({ ID: id, Properties: normaliseProperties(c.current.props, c.current.spec.Properties) });
    for (const id of this.tombstones.keys())
      out.push({ ID: id, Properties: this.records.get(id)?.spec.Properties ?? null, State: 'destroying' });
    for (const [id, reason] of this.quarantined)
      out.push({ ID: id, Properties: this.records.get(id)?.spec.Properties ?? null, State: 'quarantined', Reason: reason });
    return out.length === 0 ? null : out;
  }

  /** Stops managing a group (quarantined or being destroyed too) and removes it from the store; its instances are left alone. */
  private async forget(id: string): Promise<void> {
    const t = this.tombstones.get(id);
    if (t !== undefined) {
      if (t.timer) clearTimeout(t.timer);
      this.tombstones.delete(id);
    } else if (!this.quarantined.has(id)) {
      const c = this.watched(id);
      c.stop();
      this.groups.delete(id);
    }
    this.quarantined.delete(id);
    this.records.delete(id);
    await this.store.remove(id);
    await this.journal.reset(id);
  }

  freeGroup(id: string): Promise<void> {
    return this.locked(id, async () => {
      await this.forget(id);
      this.emit('group:freed', { ID: id });
    });
  }

  /**
   * Marks the group destroying in the store (a tombstone), stops managing it, then Drains and Destroys
   * every member (`terminate`); the tombstone goes once no instance carries the tag. Failures are
   * reported and retried in the background; a restart finishes an interrupted destroy.
   */
  destroyGroup(id: string): Promise<void> {
    return this.locked(id, async () => {
      let t = this.tombstones.get(id);
      if (t === undefined) {
        const c = this.watched(id);
        const rec = this.records.get(id) ?? { spec: c.current.spec, previous: null, paused: false };
        const tomb: StoredGroup = { ...rec, destroying: true };
        await this.store.put(id, tomb);
        this.records.set(id, tomb);
        c.stop();
        this.groups.delete(id);
        await c.idle();
        t = { c, destroyed: 0, failures: 0, timer: null };
        this.tombstones.set(id, t);
      }
      let failures: string[];
      try {
        failures = await this.destroyPass(id, t);
      } catch (err) {
        this.retryDestroy(id, t);
        throw err;
      }
      if (failures.length > 0) {
        this.retryDestroy(id, t);
        throw new ApplicationError(
          `Failed to destroy ${failures.length} instances of group '${id}' (retrying in the background): ${failures.sort().join('; ')}`,
        );
      }
    });
  }

  /** A tombstone found at init: destroyed in the background, retried until no member is left. */
  private entomb(id: string, c: GroupController): void {
    const t: Tombstone = { c, destroyed: 0, failures: 0, timer: null };
    this.tombstones.set(id, t);
    this.retryDestroy(id, t, 0);
  }

  private retryDestroy(id: string, t: Tombstone, delayMs?: number): void {
    if (this.closed || this.tombstones.get(id) !== t) return;
    if (t.timer) clearTimeout(t.timer);
    const wait = delayMs ?? Math.min(this.opts.pollIntervalMs, 100 * 2 ** Math.min(t.failures, 10));
    t.timer = setTimeout(() => {
      t.timer = null;
      void this.locked(id, async () => {
        if (this.tombstones.get(id) !== t) return;
        const failures = await this.destroyPass(id, t).catch((err: unknown) => [errorMessage(err)]);
        if (failures.length > 0) {
          t.failures++;
          this.log.warn({ group: id, failures: failures.length, first: failures[0] }, 'destroying the group: retrying');
          this.retryDestroy(id, t);
        }
      });
    }, wait);
    t.timer.unref?.();
  }

  /** Destroys every member listed; when none is left, removes the tombstone. Returns the failures. */
  private async destroyPass(id: string, t: Tombstone): Promise<string[]> {
    const { c } = t;
    const members = (await c.listMembers()).sort((a, b) => (a.ID < b.ID ? -1 : a.ID > b.ID ? 1 : 0));
    const failures: string[] = [];
    await Promise.all(
      members.map((d) =>
        c.destroyMember(d, 'terminate').then(
          () => void t.destroyed++,
          (err: unknown) => void failures.push(`${d.ID}: ${errorMessage(err)}`),
        ),
      ),
    );
    if (failures.length > 0) return failures;
    const left = await c.listMembers();
    if (left.length > 0) return [`${left.length} instances still listed`];
    if (t.timer) clearTimeout(t.timer);
    await this.store.remove(id);
    this.tombstones.delete(id);
    this.records.delete(id);
    await this.journal.reset(id);
    this.emit('group:destroyed', { ID: id, Destroyed: t.destroyed });
    this.log.info({ group: id, destroyed: t.destroyed }, 'group destroyed');
    return [];
  }

  size(id: string): number {
    checkLength('Group ID', id, MAX_ID_LENGTH);
    this.refuseSetAside(id);
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
      this.refuseSetAside(id);
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
   * actually destroyed (size 0 allowed), and fails naming the IDs that are not members (docs/go-compat.md #19).
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
      const results = targets.map((i) =>
        c.destroyMember(members.get(i) as Description, 'terminate').then(
          () => true,
          (err: unknown) => errorMessage(err),
        ),
      );
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
