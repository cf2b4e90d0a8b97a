/**
 * Test helpers: a fake PluginHost with canned Group answers, temp dirs, and raw HTTP over unix sockets.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EventEmitter } from 'eventemitter3';
import type { ActorInfo, MethodDoc } from '../../runtime/actor-info.js';
import type { ActorManifest } from '../../runtime/actor.js';
import { ApplicationError, InvalidParamsError, MethodNotFoundError } from '../../runtime/errors.js';
import type { PluginHost, PluginHostEvents } from '../../sockets/plugin-host.js';

export type Handler = (params: Record<string, unknown>) => unknown;

export interface FakeActor {
  manifest: ActorManifest | undefined;
  status?: ActorInfo['status'];
  methods?: MethodDoc[];
  handlers: Record<string, Handler>;
}

/** A fake runtime: actors are plain handler maps; calls are counted. */
export class FakeHost extends EventEmitter<PluginHostEvents> implements PluginHost {
  readonly actors = new Map<string, FakeActor>();
  readonly calls: { name: string; method: string; params: unknown }[] = [];

  set(name: string, actor: FakeActor): this {
    this.actors.set(name, actor);
    return this;
  }

  info(name: string): ActorInfo | undefined {
    const a = this.actors.get(name);
    if (a === undefined) return undefined;
    return {
      name,
      kind: 'stateful',
      status: a.status ?? 'running',
      manifest: a.manifest,
      methods: a.methods ?? [],
      restarts: 0,
      threadIds: [1],
      queued: 0,
      capacity: 1024,
    };
  }

  list(): ActorInfo[] {
    return [...this.actors.keys()].map((n) => this.info(n)).filter((i): i is ActorInfo => i !== undefined);
  }

  async call(name: string, method: string, params?: unknown): Promise<unknown> {
    this.calls.push({ name, method, params });
    const a = this.actors.get(name);
    if (a === undefined) throw new ApplicationError(`plugin not found:${name}`);
    const h = a.handlers[method];
    if (h === undefined) throw new MethodNotFoundError(method);
    return h((params ?? {}) as Record<string, unknown>);
  }
}

/** A Group actor with InfraKit's canned answers and its own state. */
export function fakeGroup(): FakeActor {
  const groups = new Map<string, unknown>();
  return {
    manifest: {
      interfaces: [
        { name: 'Group', version: '0.1.0' },
        { name: 'Group', version: '0.1.1' },
      ],
    },
    methods: [
      {
        name: 'Group.CommitGroup',
        example: { Spec: { ID: 'workers', Properties: {} }, Pretend: true },
        exampleResult: { Details: 'Managing 3 instances' },
      },
      { name: 'Group.InspectGroups', example: {}, exampleResult: { Groups: null } },
    ],
    handlers: {
      'Group.InspectGroups': () => ({ Groups: groups.size === 0 ? null : [...groups.values()] }),
      'Group.CommitGroup': (p) => {
        const spec = (p['Spec'] ?? {}) as { ID?: unknown };
        if (typeof spec.ID !== 'string' || spec.ID === '') throw new ApplicationError('Group ID must not be blank');
        groups.set(spec.ID, spec);
        return { ID: spec.ID, Details: 'Managing 0 instances' };
      },
      'Group.DescribeGroup': (p) => {
        if (typeof p['ID'] !== 'string') throw new InvalidParamsError("params: 'ID' must be a string");
        if (!groups.has(p['ID'])) throw new ApplicationError(`Group '${p['ID']}' is not being watched`);
        return { Description: { Instances: null } };
      },
      'Group.Echo': (p) => p,
      'Group.Sleep': (p) => new Promise((r) => setTimeout(() => r({ Slept: true }), Number(p['Ms'] ?? 100))),
      'Group.Nothing': () => undefined,
    },
  };
}

/** A short temp dir (unix socket paths are limited to 107 bytes). */
export async function tempDir(): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'iks-'));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** One HTTP request over a unix socket, no keep-alive. */
export function httpUnix(
  socketPath: string,
  opts: { method?: string; path?: string; body?: string | Buffer; headers?: Record<string, string> } = {},
): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        socketPath,
        host: 'rpc',
        method: opts.method ?? 'POST',
        path: opts.path ?? '/',
        agent: false,
        headers: opts.headers ?? { 'Content-Type': 'application/json' },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(opts.body);
  });
}

/** POST a JSON-RPC body; returns the raw response text. */
export async function rpc(socketPath: string, body: string): Promise<RawResponse> {
  return httpUnix(socketPath, { body });
}
