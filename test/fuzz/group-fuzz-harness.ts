/**
 * Target and oracle of the group-spec fuzzer: `infrakit-ts up` (the six default actors) in a child
 * process with a temp INFRAKIT_HOME, so a crash shows as a dead process. For every case: an answer
 * within the deadline (HTTP 200, one JSON-RPC result or error, never -32603), an error where the
 * bounds must refuse, the process alive; a probe on another socket measures handshake latency meanwhile.
 */
import { readFileSync } from 'node:fs';
import { Agent } from 'node:http';
import { tryRequest } from '../../sockets/http-post.js';
import { removeHome, tempHome, UpProcess } from '../helpers/cli.js';
import { BASE_GROUP, baseSpec, groupBody, type GroupCase } from './group-fuzz-cases.js';
import { tallyTable } from './fuzz-harness.js';

/** Every call must answer within this. */
export const CALL_DEADLINE_MS = 10_000;
const RPC_CODES = new Set([-32700, -32600, -32601, -32602, -32000]);

export interface Answer {
  /** HTTP status, or what happened instead. */
  readonly status: number | 'timeout' | 'reset';
  readonly body: string;
  readonly ms: number;
}

export interface GroupVerdict {
  readonly cls: string;
  readonly violation?: string;
}

/** POSTs `body` to a unix socket; never rejects. */
export function post(socketPath: string, body: string, agent: Agent, timeoutMs = CALL_DEADLINE_MS): Promise<Answer> {
  return tryRequest(socketPath, body, { agent, timeoutMs });
}

/** Judges one answer: the tally class and, when the contract is broken, why. */
export function judgeGroup(c: GroupCase, a: Answer): GroupVerdict {
  if (a.status === 'timeout') return { cls: 'timeout', violation: `no answer within ${CALL_DEADLINE_MS} ms` };
  if (a.status === 'reset') return { cls: 'reset', violation: 'connection cut before an answer' };
  if (a.status !== 200) return { cls: `http ${a.status}`, violation: `HTTP ${a.status}: ${a.body.slice(0, 200)}` };
  let r: { result?: unknown; error?: { code?: unknown; message?: unknown } };
  try {
    r = JSON.parse(a.body) as typeof r;
  } catch {
    return { cls: 'bad', violation: `answer is not JSON: ${a.body.slice(0, 200)}` };
  }
  if ('result' in r === 'error' in r) return { cls: 'bad', violation: `not exactly one of result/error: ${a.body.slice(0, 200)}` };
  if ('result' in r) {
    if (c.mustRefuse !== undefined)
      return { cls: 'result', violation: `${c.mustRefuse} must be refused, got a result: ${a.body.slice(0, 200)}` };
    return { cls: 'result' };
  }
  const e = r.error;
  if (typeof e?.code !== 'number' || typeof e.message !== 'string')
    return { cls: 'bad', violation: `malformed error: ${a.body.slice(0, 200)}` };
  const cls = `error ${e.code}${/over the limit of/.test(e.message) ? ' (limit)' : ''}`;
  if (!RPC_CODES.has(e.code)) return { cls, violation: `error code ${e.code}: ${e.message.slice(0, 200)}` };
  return { cls };
}

/** Handshake latency on one socket, probed one request after another until stopped. */
export class Probe {
  readonly latencies: number[] = [];
  failures: string[] = [];
  #stopped = false;
  #loop: Promise<void> | undefined;
  readonly #agent = new Agent({ keepAlive: true, maxSockets: 1 });

  constructor(
    readonly socketPath: string,
    readonly gapMs = 25,
  ) {}

  start(): this {
    this.#loop = (async () => {
      let n = 0;
      while (!this.#stopped) {
        const method = n++ % 2 === 0 ? 'Handshake.Hello' : 'Plugin.Implements';
        const a = await post(this.socketPath, `{"jsonrpc":"2.0","method":"${method}","params":{},"id":${n}}`, this.#agent);
        this.latencies.push(a.ms);
        if (a.status !== 200 || !a.body.includes('"result"')) this.failures.push(`${method}: ${String(a.status)} ${a.body.slice(0, 120)}`);
        await new Promise((r) => setTimeout(r, this.gapMs));
      }
    })();
    return this;
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    await this.#loop;
    this.#agent.destroy();
  }

  get worst(): number {
    return this.latencies.reduce((a, b) => Math.max(a, b), 0);
  }

  percentile(p: number): number {
    const s = [...this.latencies].sort((a, b) => a - b);
    return s[Math.min(s.length - 1, Math.floor(s.length * p))] ?? 0;
  }
}

/** Counts by outcome class and case kind; keeps the first violations. */
export class GroupTally {
  readonly byClass = new Map<string, number>();
  readonly byKind = new Map<string, number>();
  readonly violations: string[] = [];
  violationCount = 0;
  total = 0;
  slowest = 0;

  /** A failure outside a case's own answer (cleanup after it): counted by class, not as a call. */
  fail(cls: string, violation: string): void {
    this.byClass.set(cls, (this.byClass.get(cls) ?? 0) + 1);
    this.violationCount++;
    if (this.violations.length < 50) this.violations.push(violation);
  }

  add(c: GroupCase, v: GroupVerdict, ms: number): void {
    this.total++;
    this.slowest = Math.max(this.slowest, ms);
    this.byClass.set(v.cls, (this.byClass.get(v.cls) ?? 0) + 1);
    const kind = c.kind.startsWith('poison') ? 'poison' : c.kind;
    this.byKind.set(kind, (this.byKind.get(kind) ?? 0) + 1);
    if (v.violation === undefined) return;
    this.violationCount++;
    if (this.violations.length < 50) this.violations.push(`${v.violation}\n    ${showGroupCase(c)}`);
  }

  table(): string {
    return tallyTable(this.byClass, this.byKind);
  }
}

export function showGroupCase(c: GroupCase): string {
  const body = groupBody(c);
  return `${c.kind} → ${c.socket}: ${body.length > 300 ? `${body.slice(0, 300)}…(${body.length} chars)` : body}`;
}

/** `infrakit-ts up` in a child process, and the calls the fuzzer makes to it. */
export class GroupFuzzTarget {
  readonly agent = new Agent({ keepAlive: true, maxSockets: 16 });

  private constructor(readonly up: UpProcess) {}

  static async start(): Promise<GroupFuzzTarget> {
    const up = new UpProcess(tempHome(), ['--log', '1']);
    try {
      await up.ready(60_000);
    } catch (err) {
      await up.interrupt(5000);
      removeHome(up.home);
      throw err;
    }
    return new GroupFuzzTarget(up);
  }

  get pid(): number {
    return this.up.proc.pid ?? -1;
  }

  /** The child is still running. */
  alive(): boolean {
    return this.up.proc.exitCode === null && this.up.proc.signalCode === null;
  }

  /** The child's RSS and peak RSS (VmHWM) in MiB, from /proc; undefined once it is gone. */
  memory(): { rss: number; peak: number } | undefined {
    try {
      const s = readFileSync(`/proc/${this.pid}/status`, 'utf8');
      const kb = (k: string): number => Number(new RegExp(`^${k}:\\s+(\\d+)`, 'm').exec(s)?.[1] ?? NaN);
      return { rss: kb('VmRSS') / 1024, peak: kb('VmHWM') / 1024 };
    } catch {
      return undefined;
    }
  }

  socket(name: string): string {
    return this.up.socket(name);
  }

  send(c: GroupCase): Promise<Answer> {
    return post(this.socket(c.socket), groupBody(c), this.agent);
  }

  async rpc(socket: string, method: string, params: unknown): Promise<{ result?: unknown; error?: { message: string } }> {
    const a = await post(this.socket(socket), JSON.stringify({ jsonrpc: '2.0', method, params, id: 1 }), this.agent);
    if (a.status !== 200) throw new Error(`${method} on ${socket}: ${String(a.status)} ${a.body.slice(0, 200)}`);
    return JSON.parse(a.body) as { result?: unknown; error?: { message: string } };
  }

  /** Commits the group that SetSize cases resize (one instance). */
  async ensureBase(): Promise<void> {
    const r = await this.rpc('group', 'Group.CommitGroup', { Spec: baseSpec() });
    if (r.error !== undefined) throw new Error(`committing ${BASE_GROUP}: ${r.error.message}`);
  }

  /** Destroys every committed group (and so its instances); throws when a call does not answer. */
  async cleanup(): Promise<void> {
    const r = await this.rpc('group', 'Group.InspectGroups', {});
    const groups = ((r.result as { Groups?: { ID: string }[] | null } | undefined)?.Groups ?? []).map((g) => g.ID);
    for (const ID of groups) await this.rpc('group', 'Group.DestroyGroup', { ID });
  }

  /** Every default actor answers Plugin.Implements; undefined when all do. */
  async health(): Promise<string | undefined> {
    if (!this.alive())
      return `the runtime process is gone (exit ${String(this.up.proc.exitCode ?? this.up.proc.signalCode)}): ${this.up.stderr.slice(-500)}`;
    for (const actor of ['group', 'simulator', 'file', 'process', 'vanilla', 'combo']) {
      const a = await post(this.socket(actor), '{"jsonrpc":"2.0","method":"Plugin.Implements","params":{},"id":"health"}', this.agent);
      if (a.status !== 200 || !a.body.includes('"result"'))
        return `${actor} no longer answers Plugin.Implements: ${String(a.status)} ${a.body.slice(0, 200)}`;
    }
    return undefined;
  }

  async close(): Promise<void> {
    this.agent.destroy();
    await this.up.interrupt(10_000);
    removeHome(this.up.home);
  }
}

/** Runs `cases` `concurrency` at a time: send, judge, destroy what was committed. Stops early when `stop()` says so. */
export async function runGroupCases(
  t: GroupFuzzTarget,
  cases: readonly GroupCase[],
  tally: GroupTally,
  opts: { concurrency?: number; stop?: () => boolean } = {},
): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < cases.length && t.alive() && opts.stop?.() !== true) {
      const c = cases[next++] as GroupCase;
      if (c.needsBase === true) await t.ensureBase().catch(() => undefined);
      const a = await t.send(c);
      tally.add(
        c,
        t.alive() ? judgeGroup(c, a) : { cls: 'process died', violation: `the runtime process died: ${t.up.stderr.slice(-300)}` },
        a.ms,
      );
      if (!t.alive()) return;
      await t
        .cleanup()
        .catch((err: unknown) =>
          tally.fail('cleanup failed', `destroying the groups after the case: ${(err as Error).message}\n    after ${showGroupCase(c)}`),
        );
    }
  };
  await Promise.all(Array.from({ length: opts.concurrency ?? 1 }, worker));
}
