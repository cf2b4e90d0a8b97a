/**
 * The yaml package, loaded on first use (a plain require of its CommonJS build), so a verb that
 * reads and writes only JSON never loads it.
 */
import { createRequire } from 'node:module';
import type * as Yaml from 'yaml';

let loaded: typeof Yaml | undefined;

export function yaml(): typeof Yaml {
  loaded ??= createRequire(import.meta.url)('yaml') as typeof Yaml;
  return loaded;
}
