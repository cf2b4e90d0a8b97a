/**
 * The fuzzer's target and oracle, shared by the CI property test and `npm run fuzz`. Target: a real
 * Runtime with the six default actors behind their sockets in a temp INFRAKIT_HOME. Oracle: an answer
 * arrives, never a 5xx; a JSON body within the limit gets HTTP 200 and one JSON-RPC response (never
 * -32603, the id echoed exactly, framing errors as docs/wire.md says) or an empty body for a
 * notification; 413 / 405 / 415 / 404 / 400 as due; afterwards every actor answers, none restarted.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Runtime } from '../../runtime/index.js';
import { DEFAULT_BODY_LIMIT, serveRuntime, type SocketFrontEnd } from '../../sockets/index.js';
import { guardSocketErrors } from '../../sockets/http-post.js';
import { bodyOf, type FuzzCase, type MethodExample } from './fuzz-cases.js';

export const ACTORS = ['group', 'simulator', 'file', 'process', 'vanilla', 'combo'] as const;

const ANSWER_TIMEOUT_MS = 15_000;
const RPC_CODES = new Set([-32700, -32600, -32601, -32602, -32000]);

export interface Outcome {
  /** HTTP status; `reset` when the connection was cut before an answer; `timeout` when none came. */
  readonly status: number | 'reset' | 'timeout' | 'closed';
  readonly body: string;
}

export interface Verdict {
  /** Outcome class for the tally, e.g. `200 error -32602`, `413`, `200 empty`. */
  readonly cls: string;
  /** Why the answer breaks the contract; undefined when it keeps it. */
  readonly violation?: string;
}

export class FuzzTarget {
  readonly agent = new Agent({ keepAlive: true, maxSockets: 64 });
  examples: MethodExample[] = [];

  private constructor(
    readonly rt: Runtime,
    readonly fe: SocketFrontEnd,
    readonly home: string,
  ) {}

  static async start(): Promise<FuzzTarget> {
    const home = mkdtempSync(join(tmpdir(), 'ikz-'));
    const rt = await Runtime.start({ home, logLevel: 'silent', actors: ACTORS.map((name) => ({ name, module: name })) });
    const fe = await serveRuntime(rt, { pluginsDir: join(home, 'plugins') });
    const t = new FuzzTarget(rt, fe, home);
    t.examples = await t.loadExamples();
    return t;
  }

  socket(actor: string): string {
    return join(this.home, 'plugins', actor);
  }

  /** Every documented method of every actor, with its example params, from GET /info/api.json. */
  async loadExamples(): Promise<MethodExample[]> {
    const out: MethodExample[] = [];
    for (const actor of ACTORS) {
      const res = await this.send({ kind: 'http-misuse', actor, body: '', http: { method: 'GET', path: '/info/api.json' } });
      const api = JSON.parse(res.body) as { Interfaces: { Methods: { Request: { method: string; params: unknown } }[] }[] };
      for (const i of api.Interfaces) for (const m of i.Methods) out.push({ actor, method: m.Request.method, params: m.Request.params });
      // The handshakes the front end answers itself.
      out.push({ actor, method: 'Plugin.Implements', params: {} }, { actor, method: 'Handshake.Hello', params: {} });
    }
    return out;
  }

  /** Sends one case. Never rejects. */
  send(c: FuzzCase): Promise<Outcome> {
    return c.raw !== undefined ? this.#sendRaw(c.actor, c.raw) : this.#sendHttp(c);
  }

  /**
   * A keep-alive socket the server closed as idle (its keepAliveTimeout) while this request was being
   * written fails with a reset that says nothing about the request: Node's documented remedy is to send
   * it again on a new connection (`req.reusedSocket`), once. The retry opens a connection of its own:
   * on a busy machine every idle socket in the pool may have timed out at once, so the pool's next one
   * would fail the same way.
   */
  async #sendHttp(c: FuzzCase): Promise<Outcome> {
    const first = await this.#sendHttpOnce(c, this.agent);
    return first.status === 'reset' && first.reused === true ? this.#sendHttpOnce(c, false) : first;
  }

  #sendHttpOnce(c: FuzzCase, agent: Agent | false): Promise<Outcome & { reused?: boolean }> {
    const body = bodyOf(c);
    const http = c.http ?? { method: 'POST', path: '/', contentType: 'application/json' };
    const headers: Record<string, string> = { 'Content-Length': String(body.length) };
    if (http.contentType !== undefined) headers['Content-Type'] = http.contentType;
    return new Promise((resolve) => {
      let done = false;
      const finish = (o: Outcome & { reused?: boolean }): void => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        resolve(o);
      };
      const req = request({ socketPath: this.socket(c.actor), agent, method: http.method, path: http.path, headers }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (d: Buffer) => chunks.push(d));
        res.on('end', () => finish({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', () => finish({ status: res.statusCode ?? 'reset', body: Buffer.concat(chunks).toString('utf8') }));
      });
      const timer = setTimeout(() => {
        finish({ status: 'timeout', body: '' });
        req.destroy();
      }, ANSWER_TIMEOUT_MS);
      guardSocketErrors(req);
      req.on('error', () => finish({ status: 'reset', body: '', reused: req.reusedSocket }));
      req.end(body);
    });
  }

  #sendRaw(actor: string, raw: Uint8Array): Promise<Outcome> {
    return new Promise((resolve) => {
      const chunks: Buffer[] = [];
      const s = connect(this.socket(actor));
      const timer = setTimeout(() => {
        s.destroy();
        resolve({ status: 'timeout', body: Buffer.concat(chunks).toString('latin1') });
      }, ANSWER_TIMEOUT_MS);
      s.on('data', (d: Buffer) => chunks.push(d));
      s.on('error', () => undefined);
      s.on('close', () => {
        clearTimeout(timer);
        const text = Buffer.concat(chunks).toString('latin1');
        const m = /^HTTP\/1\.1 (\d{3})/.exec(text);
        resolve({ status: m ? Number(m[1]) : 'closed', body: text });
      });
      s.end(Buffer.from(raw));
    });
  }

  /** Every actor answers Plugin.Implements and none has restarted or failed. */
  async health(actors: readonly string[] = ACTORS): Promise<string | undefined> {
    for (const actor of actors) {
      const res = await this.send({
        kind: 'envelope',
        actor,
        body: '{"jsonrpc":"2.0","method":"Plugin.Implements","params":{},"id":"health"}',
      });
      if (res.status !== 200 || !/^\{"jsonrpc":"2\.0","result":\{"Interfaces":\[/.test(res.body))
        return `${actor} no longer answers: ${String(res.status)} ${res.body.slice(0, 200)}`;
      const info = this.rt.info(actor);
      if (info === undefined || info.status !== 'running' || info.restarts !== 0)
        return `${actor} is ${info?.status ?? 'gone'} after ${info?.restarts ?? '?'} restarts`;
    }
    return undefined;
  }

  /** Undo what valid requests among the fuzz did: destroy committed groups and provisioned instances. */
  async cleanup(): Promise<void> {
    const rt = this.rt;
    const groups =
      (await rt.call<{ Groups: { ID: string }[] | null }>('group', 'Group.InspectGroups', {}).catch(() => ({ Groups: null }))).Groups ?? [];
    for (const g of groups) await rt.call('group', 'Group.DestroyGroup', { ID: g.ID }).catch(() => undefined);
    for (const [plugin, types] of [
      ['simulator', ['compute', 'disk', 'net']],
      ['file', ['']],
      ['process', ['']],
    ] as const) {
      for (const Type of types) {
        const list =
          (
            await rt
              .call<{ Descriptions: { ID: string }[] | null }>(plugin, 'Instance.DescribeInstances', { Type, Tags: {} })
              .catch(() => ({ Descriptions: null }))
          ).Descriptions ?? [];
        for (const d of list) await rt.call(plugin, 'Instance.Destroy', { Type, Instance: d.ID }).catch(() => undefined);
      }
    }
  }

  async close(): Promise<void> {
    this.agent.destroy();
    await this.cleanup().catch(() => undefined);
    await this.fe.close();
    await this.rt.stop({ timeoutMs: 2000 });
    rmSync(this.home, { recursive: true, force: true });
  }
}

/** What the JSON-RPC answer to `text` must be, per docs/wire.md. */
type Expected =
  { readonly error: number; readonly id: 'null' } | { readonly notification: true } | { readonly answer: true; readonly id: unknown };

function expectedRpc(text: string): Expected {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return { error: -32700, id: 'null' };
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return { error: -32600, id: 'null' };
  const req = v as Record<string, unknown>;
  const id = req['id'];
  if (id !== undefined && id !== null && typeof id !== 'string' && typeof id !== 'number') return { error: -32600, id: 'null' };
  const notification = id === undefined || id === null;
  if (req['jsonrpc'] !== '2.0' || typeof req['method'] !== 'string')
    return notification ? { error: -32600, id: 'null' } : { answer: true, id };
  return notification ? { notification: true } : { answer: true, id };
}

const RESPONSE_ID = /,"id":(.*)\}\n$/s;

function judgeRpc(c: FuzzCase, text: string, body: string): Verdict {
  const exp = expectedRpc(text);
  if ('notification' in exp)
    return body === ''
      ? { cls: '200 empty (notification)' }
      : { cls: '200 body', violation: `a notification got a body: ${body.slice(0, 200)}` };
  if (!body.endsWith('\n')) return { cls: '200 bad', violation: `answer does not end with a newline: ${body.slice(0, 200)}` };
  let r: Record<string, unknown>;
  try {
    r = JSON.parse(body) as Record<string, unknown>;
  } catch {
    return { cls: '200 bad', violation: `answer is not JSON: ${body.slice(0, 200)}` };
  }
  if (r['jsonrpc'] !== '2.0') return { cls: '200 bad', violation: `jsonrpc is ${JSON.stringify(r['jsonrpc'])}` };
  if ('result' in r === 'error' in r) return { cls: '200 bad', violation: 'not exactly one of result/error' };
  const rawId = RESPONSE_ID.exec(body)?.[1];
  if (rawId === undefined) return { cls: '200 bad', violation: `no id: ${body.slice(0, 200)}` };
  let cls: string;
  if ('error' in r) {
    const e = r['error'] as { code?: unknown; message?: unknown } | null;
    if (typeof e !== 'object' || e === null || typeof e.code !== 'number' || typeof e.message !== 'string' || !('data' in e)) {
      return { cls: '200 bad', violation: `malformed error ${JSON.stringify(e)}` };
    }
    cls = `200 error ${e.code}`;
    if (!RPC_CODES.has(e.code)) return { cls, violation: `error code ${e.code}: ${e.message}` };
    if ('error' in exp && e.code !== exp.error) return { cls, violation: `expected ${exp.error}, got ${e.code} ${e.message}` };
  } else {
    if ('error' in exp) return { cls: '200 result', violation: `expected error ${exp.error}, got a result` };
    cls = '200 result';
    if (typeof r['result'] !== 'object' || r['result'] === null) return { cls, violation: `result is ${JSON.stringify(r['result'])}` };
  }
  if ('error' in exp || !('answer' in exp)) {
    if (rawId !== 'null') return { cls, violation: `id should be null, is ${rawId}` };
  } else if (c.rawId !== undefined && c.rawId.trim() !== 'null') {
    if (rawId !== c.rawId) return { cls, violation: `id ${c.rawId} echoed as ${rawId}` };
  } else if (JSON.stringify(JSON.parse(rawId)) !== JSON.stringify(exp.id)) {
    return { cls, violation: `id ${JSON.stringify(exp.id)} echoed as ${rawId}` };
  }
  return { cls };
}

function judgeRefusal(status: number, body: string, allowed: readonly number[]): Verdict {
  const cls = String(status);
  if (!allowed.includes(status)) return { cls, violation: `status ${status} (allowed ${allowed.join('/')}): ${body.slice(0, 200)}` };
  try {
    const v = JSON.parse(body) as { error?: unknown };
    if (typeof v.error !== 'string') return { cls, violation: `refusal without an error text: ${body.slice(0, 200)}` };
  } catch {
    return { cls, violation: `refusal body is not JSON: ${body.slice(0, 200)}` };
  }
  return { cls };
}

/** Judge one answer. `limit` is the server's body limit. */
export function judge(c: FuzzCase, out: Outcome, limit = DEFAULT_BODY_LIMIT): Verdict {
  if (out.status === 'timeout') return { cls: 'timeout', violation: `no answer within ${ANSWER_TIMEOUT_MS} ms` };
  if (c.raw !== undefined) {
    if (out.status === 'closed') return { cls: 'raw: closed' };
    return out.status === 400 ? { cls: 'raw: 400' } : { cls: `raw: ${out.status}`, violation: `garbage got ${out.status}` };
  }
  const body = bodyOf(c);
  if (typeof out.status === 'number' && out.status >= 500)
    return { cls: String(out.status), violation: `server error ${out.status}: ${out.body.slice(0, 200)}` };
  if (c.http !== undefined) {
    const path = c.http.path.split('?')[0];
    if (out.status === 'reset' || out.status === 'closed') return { cls: out.status, violation: 'connection cut' };
    if (path === '/info/api.json' || path === '/info/functions.json')
      return out.status === 200 ? { cls: '200 info' } : { cls: String(out.status), violation: `${path} answered ${out.status}` };
    if (path !== '/') return judgeRefusal(out.status, out.body, [404]);
    if (c.http.method !== 'POST') return judgeRefusal(out.status, out.body, [405]);
    const ct = (c.http.contentType ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
    if (ct !== '' && ct !== 'application/json') return judgeRefusal(out.status, out.body, [415]);
    if (out.status !== 200) return { cls: String(out.status), violation: `expected 200, got ${out.status}` };
    return judgeRpc(c, body.toString('utf8'), out.body);
  }
  if (body.length > limit) {
    if (out.status === 'reset' || out.status === 'closed') return { cls: '413 (cut)' };
    return judgeRefusal(out.status, out.body, [413]);
  }
  if (out.status !== 200) return { cls: String(out.status), violation: `expected 200, got ${out.status}: ${out.body.slice(0, 200)}` };
  return judgeRpc(c, body.toString('utf8'), out.body);
}

/** Counts by outcome class and by case kind, and the first violations. */
export class Tally {
  readonly byClass = new Map<string, number>();
  readonly byKind = new Map<string, number>();
  /** The first 50 violations; `violationCount` counts them all. */
  readonly violations: { c: FuzzCase; v: string }[] = [];
  violationCount = 0;
  total = 0;

  add(c: FuzzCase, v: Verdict): void {
    this.total++;
    this.byClass.set(v.cls, (this.byClass.get(v.cls) ?? 0) + 1);
    this.byKind.set(c.kind, (this.byKind.get(c.kind) ?? 0) + 1);
    if (v.violation === undefined) return;
    this.violationCount++;
    if (this.violations.length < 50) this.violations.push({ c, v: v.violation });
  }

  table(): string {
    return tallyTable(this.byClass, this.byKind);
  }
}

/** The two count tables a fuzzer prints: by outcome class and by case kind, most frequent first. */
export function tallyTable(byClass: Map<string, number>, byKind: Map<string, number>): string {
  const rows = (m: Map<string, number>): string[] =>
    [...m].sort((a, b) => b[1] - a[1]).map(([k, n]) => `  ${k.padEnd(28)} ${String(n).padStart(8)}`);
  return ['outcome class                   count', ...rows(byClass), '', 'case kind                       count', ...rows(byKind)].join(
    '\n',
  );
}

/** Describes a case for a failure message (bodies shortened). */
export function showCase(c: FuzzCase): string {
  const body = c.raw !== undefined ? Buffer.from(c.raw).toString('hex').slice(0, 200) : bodyOf(c).toString('utf8');
  return `${c.kind} → ${c.actor}${c.http ? ` ${c.http.method} ${c.http.path} ${c.http.contentType ?? '(no content type)'}` : ''}: ${body.length > 300 ? `${body.slice(0, 300)}…(${body.length} chars)` : body}`;
}
