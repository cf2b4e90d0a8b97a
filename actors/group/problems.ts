/**
 * What has gone wrong for one group (DescribeGroup's `Problems`, a `group:problem` event when one
 * first appears), and the plugins it waits for right after a resume instead of calling them a problem.
 */
import type { Clock } from './clock.js';
import { errorCode, errorMessage } from './plugin-calls.js';

/** The pino methods the group uses; tests pass a silent one. */
export interface GroupLog {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

export const silentLog: GroupLog = { debug() {}, info() {}, warn() {}, error() {} };

export type EmitFn = (type: string, payload?: unknown) => void;

export interface Problem {
  /** What failed: `describe`, `provision`, `destroy`, `drain`, `health`, `label`. */
  readonly Source: string;
  readonly Message: string;
  /** When it first happened (ISO time) and how often since. */
  readonly Since: string;
  readonly Count: number;
}

/** A plugin that is not there yet (resolving) or is starting: worth waiting for after a resume. */
const NOT_YET = new Set(['IK_ACTOR_NOT_FOUND', 'IK_ACTOR_STARTING', 'IK_ACTOR_RESTARTING']);

export class Problems {
  private readonly problems = new Map<string, Problem>();
  /** Plugins waited for after a resume: name → what the last call said. */
  private readonly waiting = new Map<string, string>();

  constructor(
    private readonly groupId: () => string,
    private readonly clock: Clock,
    private readonly log: GroupLog,
    private readonly emit: EmitFn,
    /** Until this clock time, a plugin not found or starting is waited for, not a problem. */
    private readonly waitForPluginsUntil = -Infinity,
  ) {}

  /** Records a failure of `source` (counted; the event only when it is new). */
  record(source: string, err: unknown): void {
    const message = errorMessage(err);
    const old = this.problems.get(source);
    this.problems.set(source, {
      Source: source,
      Message: message,
      Since: old?.Since ?? new Date().toISOString(),
      Count: (old?.Count ?? 0) + 1,
    });
    if (!old) this.emit('group:problem', { ID: this.groupId(), Source: source, Message: message });
  }

  clear(source: string): void {
    this.problems.delete(source);
  }

  /** A failed call to `plugin`: waited for if it is not up yet right after a resume, else a problem. */
  trouble(source: string, err: unknown, plugin: string): void {
    const code = errorCode(err);
    if (code !== undefined && NOT_YET.has(code) && this.resuming()) {
      if (!this.waiting.has(plugin)) this.log.info({ group: this.groupId(), plugin }, 'waiting for a plugin the group names to come up');
      this.waiting.set(plugin, errorMessage(err));
      return;
    }
    this.record(source, err);
  }

  /** A call to `plugin` went through. */
  answered(plugin: string): void {
    this.waiting.delete(plugin);
  }

  /** Whether `plugin` is being waited for (its failures are not logged as trouble). */
  isWaitingFor(plugin: string): boolean {
    return this.waiting.has(plugin);
  }

  /** `waiting for plugin <name>` while resuming and a plugin is not up yet; else null. */
  waitingStatus(): string | null {
    if (this.waiting.size === 0 || !this.resuming()) return null;
    return `waiting for plugin ${[...this.waiting.keys()].sort().join(', ')}`;
  }

  list(): Problem[] {
    return [...this.problems.values()];
  }

  private resuming(): boolean {
    return this.clock.now() < this.waitForPluginsUntil;
  }
}
