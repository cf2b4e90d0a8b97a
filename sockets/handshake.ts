/**
 * Handshake answers, built from an actor's manifest by the front end (no hop to the worker), for
 * every generation of InfraKit client (docs/go-compat.md #2): `Plugin.Implements` (`Interfaces` and
 * `APIs`), `Handshake.Implements`, `Handshake.Types` (also `Plugin.Types`) and `Handshake.Hello`.
 * The manifest lists older versions first: `Implements` and `Types` report the oldest version of
 * each interface, `Hello` every version, newest first.
 */
import type { ActorManifest, InterfaceSpec } from '../runtime/actor.js';

/** An interface as InfraKit's `spi.InterfaceSpec` marshals it. */
export interface WireInterfaceSpec {
  readonly Name: string;
  readonly Version: string;
}

/** One object of a socket in `Handshake.Hello`. */
export interface WireObject {
  readonly Name: string;
  readonly ProxyFor: string;
}

/** Method names answered by the front end itself. */
export const HANDSHAKE_METHODS = [
  'Plugin.Implements',
  'Plugin.Types',
  'Handshake.Implements',
  'Handshake.Types',
  'Handshake.Hello',
] as const;
export type HandshakeMethod = (typeof HANDSHAKE_METHODS)[number];

export function isHandshakeMethod(method: string): method is HandshakeMethod {
  return (HANDSHAKE_METHODS as readonly string[]).includes(method);
}

/** The first-listed (oldest) version of each interface name, in manifest order. */
export function oldestVersions(manifest: ActorManifest): WireInterfaceSpec[] {
  const seen = new Map<string, InterfaceSpec>();
  for (const spec of manifest.interfaces) if (!seen.has(spec.name)) seen.set(spec.name, spec);
  return [...seen.values()].map((s) => ({ Name: s.name, Version: s.version }));
}

/** Every interface name with its versions, newest (last listed) first, names in manifest order. */
export function allVersionsNewestFirst(manifest: ActorManifest): WireInterfaceSpec[] {
  const byName = new Map<string, string[]>();
  for (const spec of manifest.interfaces) {
    const versions = byName.get(spec.name) ?? [];
    if (!versions.includes(spec.version)) versions.push(spec.version);
    byName.set(spec.name, versions);
  }
  const out: WireInterfaceSpec[] = [];
  for (const [name, versions] of byName) for (const v of [...versions].reverse()) out.push({ Name: name, Version: v });
  return out;
}

function objectNames(manifest: ActorManifest): readonly string[] {
  return manifest.objects !== undefined && manifest.objects.length > 0 ? manifest.objects : ['.'];
}

/** `Plugin.Implements`: the README's `Interfaces` and the v0.1 client's `APIs`, same list. */
export function pluginImplements(manifest: ActorManifest): { Interfaces: WireInterfaceSpec[]; APIs: WireInterfaceSpec[] } {
  const list = oldestVersions(manifest);
  return { Interfaces: list, APIs: list };
}

/** `Handshake.Implements` (v0.3–v0.5). */
export function handshakeImplements(manifest: ActorManifest): { APIs: WireInterfaceSpec[] } {
  return { APIs: oldestVersions(manifest) };
}

/** `Handshake.Types` (v0.5): `Name/Version` → object names. */
export function handshakeTypes(manifest: ActorManifest): { Types: Record<string, string[]> } {
  const Types: Record<string, string[]> = {};
  for (const s of oldestVersions(manifest)) Types[`${s.Name}/${s.Version}`] = [...objectNames(manifest)];
  return { Types };
}

/** `Handshake.Hello` (HEAD): every `Name/Version` → its objects. */
export function handshakeHello(manifest: ActorManifest): { Objects: Record<string, WireObject[]> } {
  const Objects: Record<string, WireObject[]> = {};
  for (const s of allVersionsNewestFirst(manifest)) {
    Objects[`${s.Name}/${s.Version}`] = objectNames(manifest).map((o) => ({ Name: o, ProxyFor: '' }));
  }
  return { Objects };
}

/** The answer to a handshake method. */
export function answerHandshake(method: HandshakeMethod, manifest: ActorManifest): object {
  switch (method) {
    case 'Plugin.Implements':
      return pluginImplements(manifest);
    case 'Handshake.Implements':
      return handshakeImplements(manifest);
    case 'Plugin.Types':
    case 'Handshake.Types':
      return handshakeTypes(manifest);
    case 'Handshake.Hello':
      return handshakeHello(manifest);
    default: {
      const never: never = method;
      throw new Error(`not a handshake method: ${String(never)}`);
    }
  }
}
