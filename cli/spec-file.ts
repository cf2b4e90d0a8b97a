/**
 * Reads a group spec file (JSON or YAML, `-` for stdin) in either of InfraKit's forms:
 * the classic `group.Spec` (`{ID, Properties}`) or the newer `{kind: group, metadata: {name}, properties}`.
 * Top-level keys match case-insensitively, as Go's decoder does.
 */
import { readFile } from 'node:fs/promises';
import { uncheckedProperties } from '../actors/spi/group-properties.js';
import type { GroupSpec } from '../actors/spi/group.js';
import { goField as key } from '../runtime/go-field.js';
import { UsageError } from './output.js';
import { checkGroupProperties } from './spec-check.js';
import { yaml } from './yaml.js';

export async function readText(file: string): Promise<string> {
  if (file === '-') {
    const chunks: Buffer[] = [];
    for await (const c of process.stdin) chunks.push(c as Buffer);
    return Buffer.concat(chunks).toString('utf8');
  }
  try {
    return await readFile(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new UsageError(`${file}: no such file`);
    if (code === 'EISDIR') throw new UsageError(`${file}: is a directory, expected a JSON or YAML file`);
    throw new UsageError(`${file}: cannot read: ${(err as Error).message}`);
  }
}

/** Parses JSON or YAML text into a plain value, with an error that names the file and position. */
export function parseDocument(text: string, file: string): unknown {
  const trimmed = text.trimStart();
  if (trimmed === '') throw new UsageError(`${file}: the file is empty`);
  if (trimmed.startsWith('{') || trimmed.startsWith('[')) {
    try {
      return JSON.parse(text);
    } catch (err) {
      // Not JSON after all? YAML flow style may still parse; fall through with the JSON message kept.
      try {
        return yaml().parse(text);
      } catch {
        throw new UsageError(`${file}: not valid JSON: ${(err as Error).message}`);
      }
    }
  }
  try {
    return yaml().parse(text);
  } catch (err) {
    const where = err instanceof yaml().YAMLParseError && err.linePos ? ` (line ${err.linePos[0].line}, column ${err.linePos[0].col})` : '';
    throw new UsageError(`${file}: not valid YAML${where}: ${(err as Error).message.split('\n')[0]}`);
  }
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Turns a parsed document into a `group.Spec`, or says precisely what is wrong with it. */
export function toGroupSpec(doc: unknown, file: string): GroupSpec {
  if (!isObject(doc)) throw new UsageError(`${file}: a group spec must be an object with ID and Properties`);
  const kind = key(doc, 'kind');
  if (kind !== undefined) {
    if (kind !== 'group') throw new UsageError(`${file}: kind '${String(kind)}' is not a group spec (expected kind: group)`);
    const metadata = key(doc, 'metadata');
    const name = isObject(metadata) ? key(metadata, 'name') : undefined;
    if (typeof name !== 'string' || name === '') throw new UsageError(`${file}: metadata.name must name the group`);
    return { ID: name, Properties: uncheckedProperties(key(doc, 'properties') ?? null) };
  }
  const id = key(doc, 'ID');
  if (id === undefined) throw new UsageError(`${file}: missing ID (the group's name)`);
  if (typeof id !== 'string' || id.trim() === '') throw new UsageError(`${file}: ID must be a non-empty string`);
  const properties = key(doc, 'Properties');
  if (properties === undefined || properties === null) throw new UsageError(`${file}: missing Properties (Allocation, Instance, Flavor)`);
  if (!isObject(properties)) throw new UsageError(`${file}: Properties must be an object`);
  return { ID: id, Properties: uncheckedProperties(properties) };
}

/** Reads, parses and checks a group spec file (the typed fields of its Properties too: spec-check.ts). */
export async function readGroupSpec(file: string): Promise<GroupSpec> {
  const spec = toGroupSpec(parseDocument(await readText(file), file), file);
  if (isObject(spec.Properties)) checkGroupProperties(spec.Properties, file);
  return spec;
}
