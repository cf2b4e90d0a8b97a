/**
 * Which store a group actor uses, from its option or the environment. Its own module, so the CLI
 * can decide about `--store etcd` without loading the group actor on the main thread.
 */
const nonEmpty = (v: string | undefined): string | undefined => (v === undefined || v === '' ? undefined : v);

/** The store kind: the option, else `INFRAKIT_STORE`, else HEAD's `INFRAKIT_MANAGER_BACKEND`, else `file`. */
export function resolveStoreKind(option: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  return nonEmpty(option) ?? nonEmpty(env['INFRAKIT_STORE']) ?? nonEmpty(env['INFRAKIT_MANAGER_BACKEND']) ?? 'file';
}
