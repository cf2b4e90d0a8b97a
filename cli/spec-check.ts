/**
 * Checks the typed fields of a group spec's Properties before `group commit` sends it, so a value of
 * the wrong type is refused naming the file, the field and the value (the plugin would answer Go's
 * `json: cannot unmarshal …`). Limits and the rules between fields stay the plugin's to check.
 */
import { goField } from '../runtime/go-field.js';
import { UsageError } from './output.js';

type Kind = 'object' | 'uint' | 'string' | 'strings';

/** The fields whose type the CLI checks, by path from Properties (keys match as Go's do: any case). */
const FIELDS: readonly (readonly [string, Kind])[] = [
  ['Allocation', 'object'],
  ['Allocation.Size', 'uint'],
  ['Allocation.LogicalIDs', 'strings'],
  ['Instance', 'object'],
  ['Instance.Plugin', 'string'],
  ['Flavor', 'object'],
  ['Flavor.Plugin', 'string'],
  ['Updating', 'object'],
  ['Updating.Count', 'uint'],
  ['Updating.MaxSurge', 'uint'],
  ['Updating.MaxUnavailable', 'uint'],
  ['Updating.SkipBeforeInstanceDestroy', 'string'],
  ['Health', 'object'],
];

const WORDS: Record<Kind, string> = {
  object: 'an object',
  uint: 'a whole number ≥ 0',
  string: 'a string',
  strings: 'a list of strings',
};

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function fits(v: unknown, kind: Kind): boolean {
  switch (kind) {
    case 'object':
      return isObject(v);
    case 'uint':
      return typeof v === 'number' && Number.isInteger(v) && v >= 0;
    case 'string':
      return typeof v === 'string';
    case 'strings':
      return Array.isArray(v) && v.every((x) => typeof x === 'string');
  }
}

/** The value as the message shows it: JSON, cut short. */
function shown(v: unknown): string {
  const text = JSON.stringify(v) ?? String(v);
  return text.length > 40 ? `${text.slice(0, 37)}...` : text;
}

/** Throws a `UsageError` naming `file` and the first field whose value is of the wrong type. */
export function checkGroupProperties(properties: Record<string, unknown>, file: string): void {
  for (const [path, kind] of FIELDS) {
    let v: unknown = properties;
    for (const key of path.split('.')) v = isObject(v) ? goField(v, key) : undefined;
    // Absent and null are Go's zero values: the plugin decides whether they are allowed.
    if (v === undefined || v === null || fits(v, kind)) continue;
    throw new UsageError(`${file}: ${path} must be ${WORDS[kind]}, got ${shown(v)}`);
  }
}
