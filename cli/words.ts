/**
 * How the CLI says things: counts with the right plural, and plugin texts made plain. The wire keeps
 * Go InfraKit's texts for Go clients (`Group 'x' is not being watched`, `json: cannot unmarshal …`);
 * only what the CLI prints is translated here.
 */

/** `1 instance`, `2 instances` (`plural` for irregular words). */
export function count(n: number, word: string, plural = `${word}s`): string {
  return `${n} ${n === 1 ? word : plural}`;
}

/** `3/5 instances` (the word agrees with the total), or `3 instances` without a total. */
export function countOf(n: number, total: number | undefined, word: string, plural = `${word}s`): string {
  if (total === undefined) return count(n, word, plural);
  return `${n}/${total} ${total === 1 ? word : plural}`;
}

/** The one wording of a missing group, in every verb. */
export function groupNotFound(id: string): string {
  return `group '${id}' not found (infrakit-ts group ls lists the groups)`;
}

/** The texts a Group plugin (ours, or Go's) answers for a group it does not manage. */
const MISSING_GROUP: readonly RegExp[] = [/^Group '(.*)' is not being watched$/, /^group (.+) not found$/, /^group not found (.+)$/];

/** Go `encoding/json`'s type error: `json: cannot unmarshal number into Go struct field AllocationMethod.Allocation.Size of type uint`. */
const UNMARSHAL = /^(Invalid properties: )?json: cannot unmarshal (\w+) into Go (?:struct field (\S+)|value) of type (\S+)$/;

/** What a Go type asks for, said plainly. */
export function goTypeWords(goType: string): string {
  if (goType.startsWith('[]')) return 'a list';
  if (goType.startsWith('map[')) return 'an object';
  if (goType.startsWith('*')) return goTypeWords(goType.slice(1));
  switch (goType) {
    case 'uint':
    case 'uint8':
    case 'uint16':
    case 'uint32':
    case 'uint64':
      return 'a whole number ≥ 0';
    case 'int':
    case 'int8':
    case 'int16':
    case 'int32':
    case 'int64':
      return 'a whole number';
    case 'float32':
    case 'float64':
      return 'a number';
    case 'bool':
      return 'true or false';
    case 'string':
    case 'plugin.Name':
    case 'instance.ID':
    case 'instance.LogicalID':
      return 'a string';
    case 'time.Duration':
    case 'types.Duration':
      return 'a duration such as "10s"';
    default:
      return 'an object';
  }
}

/** A JSON type as Go names it, with an article: `a number`, `an array`. */
function article(jsonType: string): string {
  return /^[aeiou]/.test(jsonType) ? `an ${jsonType}` : `a ${jsonType}`;
}

/**
 * Go reports `<Struct>.<path to the field>`; the struct's own name means nothing to a person, so
 * `AllocationMethod.Allocation.Size` is `Allocation.Size` (a two-part path is already the field's).
 */
function fieldPath(goPath: string): string {
  const parts = goPath.split('.');
  return parts.length >= 3 ? parts.slice(1).join('.') : goPath;
}

/** A plugin's message as the CLI prints it: Go's texts made plain, everything else as it came. */
export function plainMessage(message: string): string {
  for (const re of MISSING_GROUP) {
    const m = re.exec(message);
    if (m) return groupNotFound(m[1] ?? '');
  }
  const u = UNMARSHAL.exec(message);
  if (u) {
    const [, , jsonType = '', path, goType = ''] = u;
    const what = goTypeWords(goType);
    const negative = jsonType === 'number' && what === 'a whole number ≥ 0' ? ' (negative or fractional)' : '';
    const field = path === undefined ? 'the value' : fieldPath(path);
    return `${field} must be ${what}, got ${article(jsonType)}${negative}`;
  }
  if (message === 'Allocation must not be blank') return 'Allocation must not be blank: give Allocation.Size > 0, or Allocation.LogicalIDs';
  return message;
}
