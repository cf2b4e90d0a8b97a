/**
 * Turns a declaration's `module` into a `file:` URL: a built-in kind (`'group'` →
 * `<dist>/actors/group/index.js`, next to the compiled runtime), an absolute path, or a `file:` URL.
 * Which built-in kinds are stateless is listed here too, so starting one needs no import on main.
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

/**
 * The built-in kinds whose definition says `stateless: true` (test/runtime/builtin-kinds.test.ts holds
 * this to the modules). The runtime reads a built-in's kind here instead of importing its module on
 * the main thread before starting it; any other module is imported to find out.
 */
const BUILTIN_STATELESS: ReadonlySet<string> = new Set(['vanilla']);

/** Whether built-in kind `module` is stateless; undefined for anything that is not a built-in kind. */
export function builtinStateless(module: string | URL): boolean | undefined {
  if (typeof module !== 'string' || !KIND.test(module)) return undefined;
  return BUILTIN_STATELESS.has(module);
}
