/**
 * The file piscina loads in each pool thread: CommonJS on purpose.
 *
 * piscina loads its task file with `require()` first and falls back to `import()`. On Node 20.19+
 * `require()` of our ES module takes the new require(esm) path, which has aborted the whole process
 * in a pool thread (a native assertion in `ModuleWrap::CreateRequiredModuleFacade`). Requiring this
 * CommonJS file is ordinary, and it loads the real task entry (pool-worker.js) with `import()`.
 */
type Task = (task: unknown) => Promise<unknown>;

let entry: Promise<Task> | undefined;

async function poolEntry(task: unknown): Promise<unknown> {
  entry ??= import('./pool-worker.js').then((m) => m.default as Task);
  return (await entry)(task);
}

export = poolEntry;
