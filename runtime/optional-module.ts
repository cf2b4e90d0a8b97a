/**
 * Optional packages (etcd3 for `--store etcd`, pino-pretty for readable logs) are peer dependencies
 * an embedder installs only when it wants them; they are loaded here, only when asked for, and their
 * absence becomes one clear message naming the package and how to install it.
 */
import { createRequire } from 'node:module';

/** `<purpose> needs the optional package <name>: npm install <name>`. */
export function missingPackageMessage(name: string, purpose: string): string {
  return `${purpose} needs the optional package ${name}: npm install ${name}`;
}

/** Whether `err` says that `name` itself (not one of its own imports) could not be found. */
export function isMissingPackage(err: unknown, name: string): boolean {
  if (!(err instanceof Error)) return false;
  const code = (err as { code?: unknown }).code;
  if (code !== 'ERR_MODULE_NOT_FOUND' && code !== 'MODULE_NOT_FOUND') return false;
  return err.message.includes(`'${name}'`) || err.message.includes(`"${name}"`);
}

/** `import(name)`, or an Error with {@link missingPackageMessage} when the package is not installed. */
export async function importOptional<T>(name: string, purpose: string): Promise<T> {
  try {
    return (await import(name)) as T;
  } catch (err) {
    if (isMissingPackage(err, name)) throw new Error(missingPackageMessage(name, purpose), { cause: err });
    throw err;
  }
}

/**
 * Whether `name` is installed, without loading it: resolves it as `import(name)` would (from here, so
 * from the same node_modules), and throws the same Error as {@link importOptional} when it is not
 * installed. For a check made before starting anything, in a thread that never uses the package
 * (etcd3's gRPC and protobufjs cost about half a CPU-second and 20 MB to load).
 */
export function assertInstalled(name: string, purpose: string): void {
  try {
    // import.meta.resolve is unflagged from Node 20.6; before that, require's resolver (etcd3 is CommonJS).
    if (typeof import.meta.resolve === 'function') import.meta.resolve(name);
    else createRequire(import.meta.url).resolve(name);
  } catch (err) {
    if (isMissingPackage(err, name)) throw new Error(missingPackageMessage(name, purpose), { cause: err });
    throw err;
  }
}

/**
 * `require(name)` for callers that must stay synchronous (a logger is built in constructors), or
 * `undefined` when the package is not installed; any other failure is thrown.
 */
export function requireOptional<T>(name: string): T | undefined {
  try {
    return createRequire(import.meta.url)(name) as T;
  } catch (err) {
    if (isMissingPackage(err, name)) return undefined;
    throw err;
  }
}
