/**
 * Output for people and machines: aligned tables by default, `-o json` / `-o yaml` for machines.
 */
import { yaml } from './yaml.js';

export type OutputFormat = 'table' | 'json' | 'yaml';

export function parseOutputFormat(value: string): OutputFormat {
  const v = value.toLowerCase();
  if (v === 'table' || v === 'json' || v === 'yaml') return v;
  throw new UsageError(`unknown output format '${value}': use table, json or yaml`);
}

/** A mistake in how the command was called: printed without a stack, exit code 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** Renders rows as an aligned table with upper-case headers, two spaces between columns. */
export function table(headers: readonly string[], rows: readonly (readonly unknown[])[]): string {
  const cells = [headers.map((h) => h.toUpperCase()), ...rows.map((r) => headers.map((_, i) => cellText(r[i])))];
  const widths = headers.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? '').length)));
  return cells
    .map((r) =>
      r
        .map((c, i) => (i === r.length - 1 ? c : (c ?? '').padEnd(widths[i] ?? 0)))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

function cellText(v: unknown): string {
  if (v === null || v === undefined || v === '') return '-';
  if (typeof v === 'object') {
    if (Array.isArray(v)) return v.map(cellText).join(',');
    return Object.entries(v as Record<string, unknown>)
      .map(([k, x]) => `${k}=${cellText(x)}`)
      .join(',');
  }
  return String(v);
}

/** Writes `data` as JSON or YAML, or calls `human` for the table form. */
export function emit(format: OutputFormat, data: unknown, human: () => string, out: NodeJS.WritableStream = process.stdout): void {
  switch (format) {
    case 'json':
      out.write(JSON.stringify(data, null, 2) + '\n');
      return;
    case 'yaml':
      out.write(yaml().stringify(data));
      return;
    case 'table': {
      const text = human();
      if (text !== '') out.write(text.endsWith('\n') ? text : text + '\n');
      return;
    }
    default: {
      const never: never = format;
      throw new Error(`unhandled format ${String(never)}`);
    }
  }
}
