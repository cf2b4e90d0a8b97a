/**
 * Turns a declaration's `module` into a `file:` URL: a built-in kind (`'group'` →
 * `<dist>/actors/group/index.js`, next to the compiled runtime), an absolute path, or a `file:` URL.
 */
import { existsSync } from 'node:fs';
import { isAbsolute } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const KIND = /^[a-z][a-z0-9-]*$/;

/** The `file:` URL (href) of an actor module; throws a plain Error saying why not. */
export function resolveActorModule(module: string | URL): string {
  if (module instanceof URL) {
    if (module.protocol !== 'file:') throw new Error(`actor module URL must be file:, got ${module.href}`);
    return module.href;
  }
  if (module.startsWith('file:')) return new URL(module).href;
  if (isAbsolute(module)) return pathToFileURL(module).href;
  if (KIND.test(module)) {
    const url = new URL(`../actors/${module}/index.js`, import.meta.url);
    if (!existsSync(fileURLToPath(url))) throw new Error(`no built-in actor kind '${module}' (${fileURLToPath(url)} does not exist)`);
    return url.href;
  }
  throw new Error(`actor module must be a built-in kind, an absolute path or a file: URL, got '${module}'`);
}
