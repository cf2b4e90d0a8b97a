/**
 * Loading an actor module and describing it: the definition check, method docs for
 * `/info/api.json` (params schemas as plain JSON Schema), and the dispatch of one call.
 */
import type { ActorDefinition, ActorInstance } from './actor.js';
import type { Schema } from './schema.js';
import type { MethodDoc } from './actor-info.js';
import { MethodNotFoundError } from './errors.js';

/**
 * `validateParams`, loaded only for a module whose methods declare params schemas, so an actor
 * without schemas loads nothing it does not use. Set before the first call (see loadDefinition).
 */
let validate: ((schema: Schema, params: unknown) => unknown) | undefined;

/**
 * Import a module and return its default export, checked to look like an `ActorDefinition` whose
 * params schemas use only keywords the runtime checks (else it throws, naming method and keyword).
 */
export async function loadDefinition(moduleUrl: string): Promise<ActorDefinition> {
  const mod = (await import(moduleUrl)) as { default?: unknown };
  const def = mod.default as Partial<ActorDefinition> | undefined;
  if (typeof def !== 'object' || def === null || typeof def.create !== 'function' || def.manifest === undefined) {
    throw new Error(`${moduleUrl}: the default export is not an ActorDefinition (use defineActor({ manifest, create }))`);
  }
  const schemas = Object.entries(def.methods ?? {}).filter(([, m]) => m?.params !== undefined);
  if (schemas.length > 0) {
    const params = await import('./params.js');
    validate ??= params.validateParams;
    // A keyword the checker does not enforce is refused here, not silently ignored on every call.
    for (const [method, m] of schemas) params.checkSchema(m?.params, method);
  }
  return def as ActorDefinition;
}

/** Method docs: every method with metadata plus every handler, as structured-clone/JSON-safe values. */
export function methodDocs(def: ActorDefinition, instance?: ActorInstance): MethodDoc[] {
  const names = new Set<string>([...Object.keys(def.methods ?? {}), ...Object.keys(instance?.handlers ?? {})]);
  return [...names].sort().map((name) => {
    const m = def.methods?.[name];
    // A JSON round trip keeps what JSON Schema says and drops symbol keys (TypeBox's [Kind]) and functions.
    return JSON.parse(
      JSON.stringify({ name, params: m?.params, example: m?.example, exampleResult: m?.exampleResult, description: m?.description }),
    ) as MethodDoc;
  });
}

/** Run one call: look the handler up, validate params when a schema exists, call it. May return a promise. */
export function invoke(def: ActorDefinition, instance: ActorInstance, method: string, params: unknown): unknown {
  const handler = Object.hasOwn(instance.handlers, method) ? instance.handlers[method] : undefined;
  if (handler === undefined) throw new MethodNotFoundError(method);
  const schema = def.methods?.[method]?.params;
  if (schema === undefined) return handler(params);
  // loadDefinition set `validate` for any definition with a schema; a hand-built one may reach here without.
  if (validate === undefined) throw new Error('params schemas need loadDefinition() (runtime/definition.ts) to load the validator');
  return handler(validate(schema, params));
}

/** Concurrency from a definition: a positive integer, default 1. */
export function concurrencyOf(def: ActorDefinition): number {
  const c = def.concurrency ?? 1;
  return Number.isInteger(c) && c > 0 ? c : 1;
}
