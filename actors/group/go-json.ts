/**
 * JSON text exactly as Go's `encoding/json` writes it with `MarshalIndent(v, prefix, indent)`:
 * `< > &` and U+2028/U+2029 escaped as `\u003c`…, control characters as `\u00XX` (except `\n \r \t`),
 * empty objects and arrays on one line, numbers formatted as Go formats a float64.
 *
 * Keys are sorted (byte order of their UTF-8, as Go sorts map keys) when `sortKeys` is set; otherwise
 * they keep their insertion order (a Go struct's field order).
 */

/** Go's float64 formatting in encoding/json (shortest repr; exponent form below 1e-6 and from 1e21). */
export function goNumber(n: number): string {
  if (!Number.isFinite(n)) throw new Error(`json: unsupported value: ${String(n)}`);
  if (Object.is(n, -0)) return '-0';
  // JS and Go agree on the shortest round-trip digits and on where exponent form starts;
  // both print 1e-7 and 1e+21 the same way once Go has trimmed its exponent's leading zero.
  return String(n);
}

const HEX = '0123456789abcdef';

/** A JSON string literal as Go escapes it (HTML-safe). */
export function goString(s: string): string {
  let out = '"';
  let start = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    let esc: string | undefined;
    if (c < 0x20) {
      esc = c === 0x0a ? '\\n' : c === 0x0d ? '\\r' : c === 0x09 ? '\\t' : `\\u00${HEX[c >> 4]}${HEX[c & 0xf]}`;
    } else if (c === 0x22) esc = '\\"';
    else if (c === 0x5c) esc = '\\\\';
    else if (c === 0x3c) esc = '\\u003c';
    else if (c === 0x3e) esc = '\\u003e';
    else if (c === 0x26) esc = '\\u0026';
    else if (c === 0x2028) esc = '\\u2028';
    else if (c === 0x2029) esc = '\\u2029';
    if (esc !== undefined) {
      out += s.slice(start, i) + esc;
      start = i + 1;
    }
  }
  return out + s.slice(start) + '"';
}

/** Compares keys as Go's sort.Strings does: by the bytes of their UTF-8 encoding. */
function compareKeys(a: string, b: string): number {
  // UTF-16 order equals UTF-8 byte order unless surrogates meet BMP characters above U+D7FF.
  if (/[\ud800-\uffff]/.test(a) || /[\ud800-\uffff]/.test(b)) return Buffer.compare(Buffer.from(a), Buffer.from(b));
  return a < b ? -1 : a > b ? 1 : 0;
}

export interface GoJsonOptions {
  readonly prefix?: string;
  readonly indent?: string;
  readonly sortKeys?: boolean;
}

/** `json.MarshalIndent(v, prefix, indent)` (or `json.Marshal` when both are empty). `undefined` members are left out. */
export function goJson(value: unknown, opts: GoJsonOptions = {}): string {
  const prefix = opts.prefix ?? '';
  const indent = opts.indent ?? '';
  const pretty = prefix !== '' || indent !== '';
  const sort = opts.sortKeys ?? false;
  const parts: string[] = [];
  const write = (v: unknown, depth: number): void => {
    if (v === null || v === undefined) {
      parts.push('null');
      return;
    }
    switch (typeof v) {
      case 'string':
        parts.push(goString(v));
        return;
      case 'number':
        parts.push(goNumber(v));
        return;
      case 'boolean':
        parts.push(v ? 'true' : 'false');
        return;
      case 'bigint':
        parts.push(v.toString());
        return;
      case 'object':
        break;
      default:
        throw new Error(`json: unsupported type: ${typeof v}`);
    }
    const nl = pretty ? `\n${prefix}${indent.repeat(depth + 1)}` : '';
    const close = pretty ? `\n${prefix}${indent.repeat(depth)}` : '';
    if (Array.isArray(v)) {
      if (v.length === 0) {
        parts.push('[]');
        return;
      }
      parts.push('[');
      v.forEach((item, i) => {
        if (i > 0) parts.push(',');
        parts.push(nl);
        write(item, depth + 1);
      });
      parts.push(close, ']');
      return;
    }
    const obj = v as Record<string, unknown>;
    let keys = Object.keys(obj).filter((k) => obj[k] !== undefined);
    if (sort) keys = keys.sort(compareKeys);
    if (keys.length === 0) {
      parts.push('{}');
      return;
    }
    parts.push('{');
    keys.forEach((k, i) => {
      if (i > 0) parts.push(',');
      parts.push(nl, goString(k), pretty ? ': ' : ':');
      write(obj[k], depth + 1);
    });
    parts.push(close, '}');
  };
  write(value, 0);
  return parts.join('');
}
