/**
 * The vanilla flavor's optional health check against one instance (see `HealthCheck`).
 *
 * How the URL gets the instance's port: `{{port}}` is the instance's tag `port`, else
 * `Properties.Port`/`Properties.port` when the Description carries Properties. The process
 * instance plugin is expected to tag its instances with `port`.
 */
import { execFile } from 'node:child_process';
import { Health, type Description } from '../spi/common.js';
import { field, type HealthCheck } from './properties.js';
import { eachLimited, isRecord } from '../../runtime/util.js';

export const DEFAULT_HEALTH_TIMEOUT_MS = 2000;

/**
 * A `Flavor.HealthyBatch` runs its checks at most this many at a time, more when needed for the whole
 * batch to take about HEALTH_BATCH_BUDGET_MS at worst (every check running to its timeout): the group
 * sends 200 instances a call, two calls at a time, with a 30 s call deadline; 200 checks of 2 s run
 * 40 at a time take 10 s.
 */
export const HEALTH_BATCH_MIN_CONCURRENCY = 16;
export const HEALTH_BATCH_BUDGET_MS = 10_000;

/** How many checks of a batch of `n` run at once: whole rounds of `timeoutMs` within the budget, never more than `n`. */
export function batchConcurrency(n: number, timeoutMs: number): number {
  const rounds = Math.max(1, Math.floor(HEALTH_BATCH_BUDGET_MS / timeoutMs));
  return Math.max(1, Math.min(n, Math.max(HEALTH_BATCH_MIN_CONCURRENCY, Math.ceil(n / rounds))));
}

/** `checkHealth` of each of `list`, in order, `batchConcurrency` at a time. */
export async function checkHealthMany(check: HealthCheck, list: readonly Description[], signal?: AbortSignal): Promise<Health[]> {
  const out = new Array<Health>(list.length).fill(Health.Unknown);
  const n = batchConcurrency(list.length, check.TimeoutMs ?? DEFAULT_HEALTH_TIMEOUT_MS);
  await eachLimited(
    list,
    n,
    async (inst, i) => {
      out[i] = await checkHealth(check, inst, signal);
    },
    () => signal?.aborted !== true,
  );
  return out;
}

/** The instance's port: tag `port`, else `Properties.Port`. */
export function instancePort(inst: Description): string | undefined {
  const tag = inst.Tags?.['port'];
  if (tag !== undefined && tag !== '') return tag;
  if (isRecord(inst.Properties)) {
    const p = field(inst.Properties, 'Port');
    if (typeof p === 'number' || (typeof p === 'string' && p !== '')) return String(p);
  }
  return undefined;
}

/** Fill `{{port}}`, `{{ID}}`, `{{LogicalID}}`, `{{tag:<key>}}`; `undefined` when one has no value. */
export function renderHealthUrl(template: string, inst: Description): string | undefined {
  let missing = false;
  const url = template.replace(/\{\{\s*([^}]+?)\s*\}\}/g, (_m, name: string) => {
    let v: string | null | undefined;
    if (name === 'port') v = instancePort(inst);
    else if (name === 'ID') v = inst.ID;
    else if (name === 'LogicalID') v = inst.LogicalID;
    else if (name.startsWith('tag:')) v = inst.Tags?.[name.slice(4)];
    if (v === undefined || v === null || v === '') {
      missing = true;
      return '';
    }
    return encodeURIComponent(v);
  });
  return missing ? undefined : url;
}

export async function checkHealth(check: HealthCheck, inst: Description, signal?: AbortSignal): Promise<Health> {
  const timeoutMs = check.TimeoutMs ?? DEFAULT_HEALTH_TIMEOUT_MS;
  if (check.HTTP !== undefined) {
    const url = renderHealthUrl(check.HTTP, inst);
    if (url === undefined) return Health.Unknown;
    const signals = [AbortSignal.timeout(timeoutMs), ...(signal ? [signal] : [])];
    try {
      const res = await fetch(url, { signal: AbortSignal.any(signals), redirect: 'follow' });
      await res.body?.cancel().catch(() => undefined);
      return res.status >= 200 && res.status < 300 ? Health.Healthy : Health.Unhealthy;
    } catch {
      return Health.Unhealthy;
    }
  }
  if (check.Command !== undefined) {
    const env = {
      ...process.env,
      INSTANCE_ID: inst.ID,
      INSTANCE_LOGICAL_ID: inst.LogicalID ?? '',
      INSTANCE_PORT: instancePort(inst) ?? '',
      INSTANCE_TAGS: JSON.stringify(inst.Tags ?? {}),
    };
    return new Promise<Health>((resolve) => {
      execFile('/bin/sh', ['-c', check.Command as string], { env, timeout: timeoutMs, ...(signal ? { signal } : {}) }, (err) => {
        resolve(err ? Health.Unhealthy : Health.Healthy);
      });
    });
  }
  return Health.Healthy;
}
