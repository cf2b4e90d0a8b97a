/**
 * `GET /info/api.json` (docs/wire.md, docs/go-compat.md #2): vendor, the interfaces implemented, and every documented method
 * with an example request and response.
 */
import type { ActorInfo, MethodDoc } from '../runtime/actor-info.js';
import type { ActorManifest } from '../runtime/actor.js';
import { allVersionsNewestFirst } from './handshake.js';

/** The id shown in example requests (Go shows a timestamp string). */
const EXAMPLE_ID = '1';

export interface ApiMethodExample {
  readonly Request: { jsonrpc: '2.0'; method: string; params: unknown; id: string };
  readonly Response: { result: unknown; id: string };
}

export interface ApiInterface {
  readonly Name: string;
  readonly Version: string;
  readonly Sub: string;
  readonly Methods: ApiMethodExample[];
}

export interface ApiInfo {
  readonly Vendor: { Name: string; Version: string; Sub: string; URL: string } | null;
  readonly Implements: { Name: string; Version: string; Sub: string }[];
  readonly Interfaces: ApiInterface[];
}

function serviceOf(method: string): string {
  const dot = method.indexOf('.');
  return dot < 0 ? method : method.slice(0, dot);
}

function example(m: MethodDoc): ApiMethodExample {
  return {
    Request: { jsonrpc: '2.0', method: m.name, params: m.example ?? {}, id: EXAMPLE_ID },
    Response: { result: m.exampleResult ?? {}, id: EXAMPLE_ID },
  };
}

/**
 * Build api.json. `Implements` lists every interface version (newest first); `Interfaces` has one
 * entry per interface name at its newest version, holding the methods whose service part (`Group` of
 * `Group.CommitGroup`) is that name. Methods of a service the manifest does not name get an entry of
 * their own with an empty `Version`.
 */
export function apiInfo(info: Pick<ActorInfo, 'methods'>, manifest: ActorManifest): ApiInfo {
  const versions = allVersionsNewestFirst(manifest);
  const Implements = versions.map((v) => ({ Name: v.Name, Version: v.Version, Sub: '' }));
  const interfaces = new Map<string, ApiInterface>();
  for (const v of versions) {
    if (!interfaces.has(v.Name)) interfaces.set(v.Name, { Name: v.Name, Version: v.Version, Sub: '', Methods: [] });
  }
  for (const m of info.methods) {
    const service = serviceOf(m.name);
    let entry = interfaces.get(service);
    if (entry === undefined) {
      entry = { Name: service, Version: '', Sub: '', Methods: [] };
      interfaces.set(service, entry);
    }
    entry.Methods.push(example(m));
  }
  const v = manifest.vendor;
  return {
    Vendor: v === undefined ? null : { Name: v.name, Version: v.version, Sub: '', URL: v.url ?? '' },
    Implements,
    Interfaces: [...interfaces.values()],
  };
}
