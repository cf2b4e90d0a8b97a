/**
 * `infrakit-ts watch <group>` (also `group describe <id> --watch`): a live view of a group.
 * Prints one line per change: instances added and removed, convergence gained and lost, rollout
 * progress, problems. It polls DescribeGroup, so it works against any Group plugin; `-o json`
 * prints one JSON object per change (NDJSON) for machines.
 */
import type { Command } from 'commander';
import { GroupClient, TAG_CONFIG_HASH, type GroupDescription } from '../../actors/spi/index.js';
import { globals, SocketCaller } from '../context.js';
import { parseDuration } from '../duration.js';

export interface WatchChange {
  readonly at: string;
  readonly type: 'added' | 'removed' | 'converged' | 'converging' | 'rollout' | 'problem' | 'error';
  readonly group: string;
  readonly instance?: string;
  readonly detail?: string;
}

/** Differences between two consecutive descriptions, as change records. */
export function diffDescriptions(group: string, prev: GroupDescription | undefined, next: GroupDescription, at = new Date().toISOString()): WatchChange[] {
  const out: WatchChange[] = [];
  const before = new Map((prev?.Instances ?? []).map((d) => [d.ID, d]));
  const after = new Map((next.Instances ?? []).map((d) => [d.ID, d]));
  for (const [id, d] of after) {
    if (!before.has(id)) out.push({ at, type: 'added', group, instance: id, detail: `config ${(d.Tags?.[TAG_CONFIG_HASH] ?? '?').slice(0, 8)}${d.LogicalID ? `, logical ID ${d.LogicalID}` : ''}` });
  }
  for (const id of before.keys()) if (!after.has(id)) out.push({ at, type: 'removed', group, instance: id });
  const rollout = JSON.stringify(next['Rollout'] ?? null);
  if (prev !== undefined && rollout !== JSON.stringify(prev['Rollout'] ?? null) && next['Rollout']) {
    const r = next['Rollout'] as { State?: string; Updated?: number; Total?: number };
    out.push({ at, type: 'rollout', group, detail: `${r.State ?? '?'} ${r.Updated ?? 0}/${r.Total ?? '?'}` });
  }
  const problems = JSON.stringify(next['Problems'] ?? null);
  if (problems !== JSON.stringify(prev?.['Problems'] ?? null) && Array.isArray(next['Problems']) && next['Problems'].length > 0) {
    out.push({ at, type: 'problem', group, detail: (next['Problems'] as unknown[]).map((p) => (typeof p === 'string' ? p : JSON.stringify(p))).join('; ') });
  }
  if (prev === undefined || prev.Converged !== next.Converged) {
    const size = typeof next['Size'] === 'number' ? `/${next['Size']}` : '';
    out.push({ at, type: next.Converged ? 'converged' : 'converging', group, detail: `${after.size}${size} instances` });
  }
  return out;
}

export function formatChange(c: WatchChange): string {
  const time = c.at.slice(11, 19);
  const sign = c.type === 'added' ? '+' : c.type === 'removed' ? '-' : c.type === 'problem' || c.type === 'error' ? '!' : '*';
  return `${time} ${sign} ${c.group} ${c.type}${c.instance ? ` ${c.instance}` : ''}${c.detail ? ` (${c.detail})` : ''}`;
}

/** Watches until SIGINT/SIGTERM (or `signal` aborts). Errors reaching the plugin are shown, not fatal. */
export async function watchGroup(cmd: Command, id: string, signal?: AbortSignal): Promise<void> {
  const g = globals(cmd);
  const opts = cmd.opts<{ plugin?: string; interval?: string }>();
  const interval = parseDuration(opts.interval ?? '500ms', '--interval');
  const caller = new SocketCaller(g.pluginsDir);
  const gc = new GroupClient(caller.call, opts.plugin ?? 'group');
  const stop = new AbortController();
  const onSignal = () => stop.abort();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  signal?.addEventListener('abort', onSignal, { once: true });
  const print = (c: WatchChange) => process.stdout.write((g.output === 'table' ? formatChange(c) : JSON.stringify(c)) + '\n');
  let prev: GroupDescription | undefined;
  let lastError = '';
  try {
    while (!stop.signal.aborted) {
      try {
        const next = await gc.describe(id);
        for (const c of diffDescriptions(id, prev, next)) print(c);
        prev = next;
        lastError = '';
      } catch (err) {
        const msg = (err as Error).message;
        if (msg !== lastError) print({ at: new Date().toISOString(), type: 'error', group: id, detail: msg });
        lastError = msg;
      }
      await new Promise<void>((r) => {
        const t = setTimeout(r, interval);
        stop.signal.addEventListener('abort', () => (clearTimeout(t), r()), { once: true });
      });
    }
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    caller.close();
  }
}
