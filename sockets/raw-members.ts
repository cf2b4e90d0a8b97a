/**
 * The raw text of the top-level members of a JSON object, so an `id` is echoed byte for byte.
 *
 * Go clients send ids up to 2^63−1; `JSON.parse` would round them through a double
 * (9223372036854775807 → 9223372036854776000). We parse the body once to check it, then scan the same
 * text here and keep each top-level value as the text it came as. `NestingMeter` measures how deeply a
 * whole body nests while it arrives, so a body too deep for `JSON.parse` never reaches it.
 */

const WS = new Set([0x20, 0x09, 0x0a, 0x0d]);

/**
 * Map of top-level key → raw value text (whitespace around it trimmed). The last duplicate wins, as in
 * `JSON.parse`. `text` must already be known to be valid JSON whose top level is an object.
 * With `depths`, the same scan also records how deeply each value nests (`1` → 0, `{}` → 1, `[[1]]` → 2;
 * brackets inside strings do not count), so limiting a member's depth costs no second pass.
 */
export function rawTopLevelMembers(text: string, depths?: Map<string, number>): Map<string, string> {
  const out = new Map<string, string>();
  let i = skipWs(text, 0);
  if (text.charCodeAt(i) !== 0x7b /* { */) throw new SyntaxError('not a JSON object');
  i = skipWs(text, i + 1);
  if (text.charCodeAt(i) === 0x7d /* } */) return out;
  for (;;) {
    const keyEnd = skipString(text, i);
    const key = JSON.parse(text.slice(i, keyEnd)) as string;
    i = skipWs(text, keyEnd);
    if (text.charCodeAt(i) !== 0x3a /* : */) throw new SyntaxError(`expected ':' at ${i}`);
    const start = skipWs(text, i + 1);
    const { end, depth } = skipValue(text, start);
    out.set(key, text.slice(start, end));
    depths?.set(key, depth);
    i = skipWs(text, end);
    const c = text.charCodeAt(i);
    if (c === 0x7d) return out;
    if (c !== 0x2c /* , */) throw new SyntaxError(`expected ',' or '}' at ${i}`);
    i = skipWs(text, i + 1);
  }
}

function skipWs(text: string, i: number): number {
  while (i < text.length && WS.has(text.charCodeAt(i))) i++;
  return i;
}

/** `i` at the opening quote; returns the index after the closing quote. */
function skipString(text: string, i: number): number {
  if (text.charCodeAt(i) !== 0x22) throw new SyntaxError(`expected '"' at ${i}`);
  i++;
  while (i < text.length) {
    const c = text.charCodeAt(i);
    if (c === 0x5c /* \ */) i += 2;
    else if (c === 0x22) return i + 1;
    else i++;
  }
  throw new SyntaxError('unterminated string');
}

/** The index after the value starting at `i`, and how deeply the value nests. */
function skipValue(text: string, i: number): { end: number; depth: number } {
  const c = text.charCodeAt(i);
  if (c === 0x22) return { end: skipString(text, i), depth: 0 };
  if (c === 0x7b || c === 0x5b) {
    let depth = 0;
    let max = 0;
    while (i < text.length) {
      const d = text.charCodeAt(i);
      if (d === 0x22) {
        i = skipString(text, i);
        continue;
      }
      if (d === 0x7b || d === 0x5b) {
        depth++;
        if (depth > max) max = depth;
      } else if (d === 0x7d || d === 0x5d) {
        depth--;
        if (depth === 0) return { end: i + 1, depth: max };
      }
      i++;
    }
    throw new SyntaxError('unterminated container');
  }
  // number, true, false, null: runs to the next delimiter
  while (i < text.length) {
    const d = text.charCodeAt(i);
    if (d === 0x2c || d === 0x7d || d === 0x5d || WS.has(d)) break;
    i++;
  }
  return { end: i, depth: 0 };
}

/**
 * How deeply a JSON text nests (`1` → 0, `{}` → 1, `[[1]]` → 2), measured on the bytes as they arrive
 * (brackets inside strings do not count; quotes, backslashes and brackets are ASCII, so UTF-8 needs no
 * decoding). It never parses and never recurses, so a body nested a million levels costs one linear pass
 * and no stack. Invalid JSON gives some number; the parser judges it later.
 */
export class NestingMeter {
  #depth = 0;
  #inString = false;
  #escape = false;
  #max = 0;

  /** The deepest nesting seen so far. */
  get max(): number {
    return this.#max;
  }

  push(chunk: Uint8Array): void {
    let depth = this.#depth;
    let max = this.#max;
    let inString = this.#inString;
    let escape = this.#escape;
    for (let i = 0; i < chunk.length; i++) {
      const c = chunk[i] as number;
      if (inString) {
        if (escape) escape = false;
        else if (c === 0x5c) escape = true;
        else if (c === 0x22) inString = false;
      } else if (c === 0x22) inString = true;
      else if (c === 0x7b || c === 0x5b) {
        if (++depth > max) max = depth;
      } else if (c === 0x7d || c === 0x5d) depth--;
    }
    this.#depth = depth;
    this.#max = max;
    this.#inString = inString;
    this.#escape = escape;
  }
}

/** `NestingMeter` over a whole text at once. */
export function nestingDepth(text: string): number {
  const m = new NestingMeter();
  m.push(Buffer.from(text, 'utf8'));
  return m.max;
}
