/**
 * Reading `InitScriptTemplateURL`. Schemes: `http:`, `https:`, `file:`, and Go InfraKit's `str://`
 * (the text after the prefix is the template). The text is used verbatim: Go's text/template
 * language (`{{ ... }}` functions) is not rendered.
 */
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { ApplicationError } from '../../runtime/errors.js';

export async function readTemplate(url: string, signal?: AbortSignal): Promise<string> {
  try {
    if (url.startsWith('str://')) return url.slice('str://'.length);
    const u = new URL(url);
    if (u.protocol === 'file:') return await readFile(fileURLToPath(u), 'utf8');
    if (u.protocol === 'http:' || u.protocol === 'https:') {
      const signals = [AbortSignal.timeout(10_000), ...(signal ? [signal] : [])];
      const res = await fetch(u, { signal: AbortSignal.any(signals) });
      if (!res.ok) throw new Error(`HTTP ${res.status}`);
      return await res.text();
    }
    throw new Error(`unsupported scheme ${u.protocol}`);
  } catch (err) {
    throw new ApplicationError(`cannot read InitScriptTemplateURL ${url}: ${(err as Error).message}`, { cause: err });
  }
}
