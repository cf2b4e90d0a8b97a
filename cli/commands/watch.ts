/**
 * `infrakit-ts watch <group>` (also `group describe <id> --watch`): a live view of a group, one line
 * per change (instances added, removed, lost and replaced, resizes, convergence, rollout progress,
 * problems, commits), or NDJSON with `-o json`. Changes are learnt from the socket's `GET /events`
 * (each one, coalesced, triggers a DescribeGroup diffed against the last), or by polling DescribeGroup
 * every `--interval` when the plugin serves no events; the lines are the same either way (docs/cli.md).
 */
import type { Command } from 'commander';
import { TAG_CONFIG_HASH, splitPluginName } from '../../actors/spi/common.js';
import { GroupClient } from '../../actors/spi/group.js';
import type { GroupDescription } from '../../actors/spi/group-properties.js';
import { subscribeEvents } from '../../sockets/event-source.js';
import type { StreamedEvent } from '../../sockets/event-stream.js';
import { findPlugin } from '../../sockets/socket-resolver.js';
import { globals, SocketCaller } from '../context.js';
import { parseDuration } from '../duration.js';
import { count, countOf, plainMessage } from '../words.js';

export interface WatchChange {
  readonly at: string;
  readonly type:
    | 'added'
    | 'removed'
    | 'converged'
    | 'converging'
    | 'resized'
    | 'rollout'
    | 'problem'
    | 'committed'
    | 'freed'
    | 'destroyed'
    | 'plugin'
    | 'error';
  readonly group: string;
  readonly instance?: string;
  readonly detail?: string;
}

/**
 * Instances lost (gone while the group was converged, not by a resize or an update) and not yet
 * replaced: ID → logical ID. Kept between looks by the watch; forgotten on a resize or a new config.
 */
export type LostInstances = Map<string, string | null>;

/** Differences between two consecutive descriptions, as change records (`lost`: see LostInstances). */
export function diffDescriptions(
  group: string,
  prev: GroupDescription | undefined,
  next: GroupDescription,
  at = new Date().toISOString(),
  lost: LostInstances = new Map(),
): WatchChange[] {
  const out: WatchChange[] = [];
  const before = new Map((prev?.Instances ?? []).map((d) => [d.ID, d]));
  const after = new Map((next.Instances ?? []).map((d) => [d.ID, d]));
  const size = typeof next['Size'] === 'number' ? next['Size'] : undefined;
  const prevSize = typeof prev?.['Size'] === 'number' ? prev['Size'] : undefined;
  const sameTarget = prev !== undefined && size !== undefined && size === prevSize && next['ConfigHash'] === prev['ConfigHash'];
  if (!sameTarget) lost.clear();
  if (prev !== undefined && size !== undefined && prevSize !== undefined && size !== prevSize) {
    out.push({ at, type: 'resized', group, detail: `${prevSize} → ${count(size, 'instance')}` });
  }
  const healing = sameTarget && prev.Converged;
  for (const [id, d] of before) {
    if (after.has(id)) continue;
    if (healing) {
      lost.set(id, d.LogicalID ?? null);
      out.push({ at, type: 'removed', group, instance: id, detail: 'vanished or unhealthy; the group replaces it' });
    } else {
      out.push({ at, type: 'removed', group, instance: id });
    }
  }
  for (const [id, d] of after) {
    if (before.has(id)) continue;
    let replaces: string | undefined;
    if (lost.size > 0) {
      const lid = d.LogicalID ?? null;
      replaces = [...lost].find(([, l]) => lid !== null && l === lid)?.[0] ?? lost.keys().next().value;
      if (replaces !== undefined) lost.delete(replaces);
    }
    const what = `config ${(d.Tags?.[TAG_CONFIG_HASH] ?? '?').slice(0, 8)}${d.LogicalID ? `, logical ID ${d.LogicalID}` : ''}`;
    out.push({ at, type: 'added', group, instance: id, detail: replaces === undefined ? what : `${what}, replaces ${replaces}` });
  }
  const rollout = JSON.stringify(next['Rollout'] ?? null);
  if (prev !== undefined && rollout !== JSON.stringify(prev['Rollout'] ?? null) && next['Rollout']) {
    const r = next['Rollout'] as { State?: string; Updated?: number; Total?: number };
    out.push({ at, type: 'rollout', group, detail: `${r.State ?? '?'} ${r.Updated ?? 0}/${r.Total ?? '?'}` });
  }
  const problems = JSON.stringify(next['Problems'] ?? null);
  if (problems !== JSON.stringify(prev?.['Problems'] ?? null) && Array.isArray(next['Problems']) && next['Problems'].length > 0) {
    out.push({
      at,
      type: 'problem',
      group,
      detail: (next['Problems'] as unknown[]).map((p) => (typeof p === 'string' ? p : JSON.stringify(p))).join('; '),
    });
  }
  if (prev === undefined || prev.Converged !== next.Converged) {
    out.push({ at, type: next.Converged ? 'converged' : 'converging', group, detail: countOf(after.size, size, 'instance') });
  }
  return out;
}

export function formatChange(c: WatchChange): string {
  const time = c.at.slice(11, 19);
  const sign =
    c.type === 'added'
      ? '+'
      : c.type === 'removed' || c.type === 'destroyed'
        ? '-'
        : c.type === 'problem' || c.type === 'error' || c.type === 'plugin'
          ? '!'
          : '*';
  return `${time} ${sign} ${c.group} ${c.type}${c.instance ? ` ${c.instance}` : ''}${c.detail ? ` (${c.detail})` : ''}`;
}

/** What an event means for the watch of group `id`: a line to print, a fresh look, or a reset. */
export type EventAction = { print?: WatchChange; refresh: boolean; forget?: boolean } | undefined;

/**
 * Maps one streamed event to what the watch does (`undefined`: not about this group). `configHash` is
 * the group's config as last seen: a commit that keeps it (a resize) is shown by the look it triggers.
 */
export function eventAction(id: string, e: StreamedEvent, configHash?: unknown): EventAction {
  const p = (typeof e.payload === 'object' && e.payload !== null ? e.payload : {}) as Record<string, unknown>;
  const at = e.at;
  switch (e.type) {
    case 'actor:restarted':
      return {
        print: { at, type: 'plugin', group: id, detail: `${e.actor} crashed; restarting (attempt ${String(p['attempt'] ?? '?')})` },
        refresh: false,
      };
    case 'actor:failed':
      return { print: { at, type: 'plugin', group: id, detail: `${e.actor} failed: ${String(p['reason'] ?? '')}` }, refresh: false };
    case 'actor:started':
      return { refresh: true };
    default:
      break;
  }
  if (p['ID'] !== id) return undefined;
  switch (e.type) {
    case 'group:committed':
      if (configHash !== undefined && p['Hash'] === configHash) return { refresh: true };
      return { print: { at, type: 'committed', group: id, detail: `config ${String(p['Hash'] ?? '?').slice(0, 8)}` }, refresh: true };
    case 'group:freed':
      return { print: { at, type: 'freed', group: id, detail: 'no longer managed; instances left running' }, refresh: false, forget: true };
    case 'group:destroyed':
      return {
        print: { at, type: 'destroyed', group: id, detail: `${count(Number(p['Destroyed'] ?? 0), 'instance')} destroyed` },
        refresh: false,
        forget: true,
      };
    case 'rollout:paused':
    case 'rollout:resumed':
      return { print: { at, type: 'rollout', group: id, detail: e.type.slice('rollout:'.length) }, refresh: true };
    case 'rollout:rollback':
      return { print: { at, type: 'rollout', group: id, detail: 'rolling back to the previous configuration' }, refresh: true };
    default:
      // group:changed, group:converged, group:problem, rollout:started/progress/completed: look again.
      return { refresh: true };
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise<void>((r) => {
    if (signal.aborted) return r();
    const t = setTimeout(done, ms);
    function done(): void {
      clearTimeout(t);
      signal.removeEventListener('abort', done);
      r();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}

/** Watches until SIGINT/SIGTERM (or `signal` aborts). Errors reaching the plugin are shown, not fatal. */
export async function watchGroup(cmd: Command, id: string, signal?: AbortSignal): Promise<void> {
  const g = globals(cmd);
  const opts = cmd.opts<{ plugin?: string; interval?: string }>();
  const interval = parseDuration(opts.interval ?? '500ms', '--interval');
  const plugin = opts.plugin ?? 'group';
  const caller = new SocketCaller(g.pluginsDir);
  const gc = new GroupClient(caller.call, plugin);
  const stop = new AbortController();
  const onSignal = () => stop.abort();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  signal?.addEventListener('abort', onSignal, { once: true });
  const print = (c: WatchChange) => process.stdout.write((g.output === 'table' ? formatChange(c) : JSON.stringify(c)) + '\n');
  let prev: GroupDescription | undefined;
  const lost: LostInstances = new Map();
  let lastError = '';
  const problem = (text: string): void => {
    const msg = plainMessage(text);
    if (msg !== lastError) print({ at: new Date().toISOString(), type: 'error', group: id, detail: msg });
    lastError = msg;
  };
  const look = async (): Promise<void> => {
    try {
      const next = await gc.describe(id);
      for (const c of diffDescriptions(id, prev, next, undefined, lost)) print(c);
      prev = next;
      lastError = '';
    } catch (err) {
      problem((err as Error).message);
    }
  };

  // Looks triggered by events: one at a time, a burst of events coalesced into one more look.
  let looking: Promise<void> | undefined;
  let again = false;
  const refresh = (): void => {
    if (looking !== undefined) {
      again = true;
      return;
    }
    looking = (async () => {
      do {
        again = false;
        await sleep(20, stop.signal);
        if (!stop.signal.aborted) await look();
      } while (again && !stop.signal.aborted);
      looking = undefined;
    })();
  };
  const onEvent = (e: StreamedEvent): void => {
    const action = eventAction(id, e, prev?.['ConfigHash']);
    if (action === undefined) return;
    if (action.print !== undefined) print(action.print);
    if (action.forget === true) {
      if (e.type === 'group:destroyed')
        for (const d of prev?.Instances ?? []) print({ at: e.at, type: 'removed', group: id, instance: d.ID });
      prev = undefined;
      lost.clear();
    }
    if (action.refresh) refresh();
  };

  /** `true` when the plugin serves no events (poll instead); `false` when the stream ended. */
  const followEvents = async (): Promise<boolean> => {
    const address = await findPlugin(g.pluginsDir, splitPluginName(plugin).lookup);
    if (address === undefined) {
      problem(`no plugin '${splitPluginName(plugin).lookup}' in ${g.pluginsDir}`);
      return false;
    }
    let sub;
    try {
      sub = await subscribeEvents(address, { onEvent, signal: stop.signal });
    } catch (err) {
      problem((err as Error).message);
      return false;
    }
    if (!sub.served) return true;
    await look();
    await sub.ended;
    await looking;
    if (!stop.signal.aborted) problem(`lost the event stream of '${splitPluginName(plugin).lookup}'; reconnecting`);
    return false;
  };

  try {
    let poll = false;
    while (!stop.signal.aborted && !poll) {
      poll = await followEvents();
      if (!poll) await sleep(interval, stop.signal);
    }
    while (!stop.signal.aborted) {
      await look();
      await sleep(interval, stop.signal);
    }
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    caller.close();
  }
}
