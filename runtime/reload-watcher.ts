/**
 * Hot reload on file change (`infrakit-ts up --watch`): each actor's module directory is watched with
 * `fs.watch(dir, { recursive: true })`, and a change to a `.js`, `.mjs`, `.cjs` or `.json` file under it
 * reloads every actor whose module lives there, after a quiet spell (`debounceMs`), so a burst of
 * writes makes one reload. `const w = watchForReload(runtime); … w.close();`
 * The directory tree, not the import graph: a reload starts a fresh worker, which loads every file the
 * module imports afresh anyway; a file imported from outside the directory triggers nothing (reload
 * by hand). Why: docs/embedding.md, "Hot reload".
 */
import { watch, type FSWatcher } from 'node:fs';
import { dirname, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ReloadResult } from './actor-info.js';
import type { Runtime } from './runtime.js';

export interface ReloadWatchOptions {
  /** Quiet time after the last change before reloading. Default 100 ms. */
  readonly debounceMs?: number;
  /** Only these actors (default: every actor of the runtime, including ones added later). */
  readonly names?: readonly string[];
  /** Each reload's outcome (a failure is also logged, evented and shown in `info(name).reload`). */
  readonly onReload?: (name: string, outcome: { ok: true; result: ReloadResult } | { ok: false; error: Error }) => void;
}

export interface ReloadWatcher {
  /** Directories watched now. */
  readonly dirs: readonly string[];
  close(): void;
}

const CODE = /\.(?:m?js|cjs|json)$/;

/** Watch the module directories of `runtime`'s actors and reload an actor when a file under its directory changes. */
export function watchForReload(runtime: Runtime, opts: ReloadWatchOptions = {}): ReloadWatcher {
  const debounceMs = opts.debounceMs ?? 100;
  const watchers = new Map<string, FSWatcher>();
  const timers = new Map<string, NodeJS.Timeout>();
  /** Directory → the actors whose module is in it. */
  const byDir = new Map<string, Set<string>>();
  let closed = false;

  const fire = (dir: string): void => {
    timers.delete(dir);
    for (const name of byDir.get(dir) ?? []) {
      if (runtime.info(name) === undefined) continue;
      runtime.reload(name).then(
        (result) => opts.onReload?.(name, { ok: true, result }),
        (err: unknown) => opts.onReload?.(name, { ok: false, error: err instanceof Error ? err : new Error(String(err)) }),
      );
    }
  };

  const changed = (dir: string, file: string | null): void => {
    if (closed) return;
    // No file name (some platforms), or a code file that is not inside node_modules or a dot directory.
    if (file !== null && (!CODE.test(file) || file.split(sep).some((part) => part === 'node_modules' || part.startsWith('.')))) return;
    const t = timers.get(dir);
    if (t !== undefined) clearTimeout(t);
    timers.set(
      dir,
      setTimeout(() => fire(dir), debounceMs),
    );
  };

  const track = (name: string): void => {
    if (closed || (opts.names !== undefined && !opts.names.includes(name))) return;
    const url = runtime.info(name)?.module;
    if (url === undefined || !url.startsWith('file:')) return;
    const dir = dirname(fileURLToPath(url));
    let names = byDir.get(dir);
    if (names === undefined) byDir.set(dir, (names = new Set()));
    names.add(name);
    if (watchers.has(dir)) return;
    try {
      const w = watch(dir, { recursive: true, persistent: false }, (_event, file) => changed(dir, file));
      w.on('error', (err) => runtime.log.warn({ err, dir }, 'reload watcher failed; this directory is no longer watched'));
      watchers.set(dir, w);
      runtime.log.debug({ dir, actor: name }, 'watching for changes');
    } catch (err) {
      runtime.log.warn({ err, dir, actor: name }, 'cannot watch the actor module directory');
    }
  };

  for (const a of runtime.list()) track(a.name);
  const onStarted = (e: { name: string }): void => track(e.name);
  runtime.on('actor:started', onStarted);

  return {
    get dirs() {
      return [...watchers.keys()];
    },
    close() {
      if (closed) return;
      closed = true;
      runtime.off('actor:started', onStarted);
      for (const t of timers.values()) clearTimeout(t);
      timers.clear();
      for (const w of watchers.values()) w.close();
      watchers.clear();
    },
  };
}
