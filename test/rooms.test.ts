/**
 * The rooms of the repository import one way (docs/architecture.md, Folders). Checked on the
 * TypeScript sources, so type-only imports count too; a broken rule fails naming the import.
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { relativeImports } from './helpers/imports.js';

/** The repository: the sources sit one level above the build (`dist/`). */
const REPO = fileURLToPath(new URL('../../', import.meta.url));
const ROOMS = ['runtime', 'actors', 'sockets', 'cluster', 'observer', 'cli', 'bench', 'examples', 'test'];

/** The room of a repository path: its first folder, `actors/spi` and `actors/group` apart, `index` for the package face. */
export function roomOf(path: string): string {
  if (path === 'index.ts') return 'index';
  const [first, second] = path.split('/');
  if (first === 'actors' && (second === 'spi' || second === 'group')) return `actors/${second}`;
  return first ?? path;
}

/** Every room below the top (cli/, bench/, examples/, test/). */
const ANY_BUT_TOP = ['runtime', 'actors', 'actors/spi', 'actors/group', 'sockets', 'cluster', 'observer', 'index'];

/** Which rooms each room may import (itself always). */
const MAY_IMPORT: Record<string, readonly string[]> = {
  runtime: [],
  'actors/spi': ['runtime'],
  'actors/group': ['runtime', 'actors/spi'],
  actors: ['runtime', 'actors/spi', 'actors/group'],
  sockets: ['runtime', 'actors/spi'],
  cluster: ['runtime', 'actors/spi', 'actors/group'],
  // The observer reads the runtime's stats and events and asks groups through the spi's clients.
  observer: ['runtime', 'actors/spi', 'sockets'],
  index: ['runtime', 'actors/spi', 'sockets', 'cluster', 'observer'],
  cli: ANY_BUT_TOP.filter((r) => r !== 'index'),
  bench: ANY_BUT_TOP.filter((r) => r !== 'index'),
  examples: ['index'],
  test: [...ANY_BUT_TOP, 'cli', 'bench', 'examples'],
};

/** Imports that break the rules, each as `from → to (room may import …)`. */
export function brokenRules(g: ReadonlyMap<string, readonly string[]>): string[] {
  const out: string[] = [];
  for (const [from, deps] of g) {
    const room = roomOf(from);
    const allowed = MAY_IMPORT[room];
    for (const to of deps) {
      const target = roomOf(to);
      // A plugin's folder is its own: actors/file may not reach into actors/process.
      if (room === 'actors' && target === 'actors' && from.split('/')[1] !== to.split('/')[1]) {
        out.push(`${from} → ${to} (a plugin imports only runtime/, actors/spi/ and its own folder)`);
        continue;
      }
      if (target === room) continue;
      if (allowed === undefined || !allowed.includes(target))
        out.push(`${from} → ${to} (${room}/ may import ${allowed?.length ? allowed.join(', ') : 'no other room'})`);
    }
  }
  return out.sort();
}

function tsFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return name === 'node_modules' || name === 'dist' ? [] : tsFiles(path);
    return name.endsWith('.ts') && !name.endsWith('.d.ts') ? [path] : [];
  });
}

/** Every source file and the repository paths it imports (`x.js` specifiers name `x.ts`). */
function sourceGraph(): Map<string, string[]> {
  const g = new Map<string, string[]>();
  const files = [join(REPO, 'index.ts'), ...ROOMS.flatMap((room) => tsFiles(join(REPO, room)))];
  for (const file of files) {
    const deps = relativeImports(readFileSync(file, 'utf8')).map((spec) =>
      relative(REPO, resolve(dirname(file), spec)).replace(/\.js$/, '.ts'),
    );
    g.set(relative(REPO, file), deps);
  }
  return g;
}

describe('rooms import one way', () => {
  it('finds the sources next to the build', () => {
    assert.ok(existsSync(join(REPO, 'index.ts')), `no index.ts in ${REPO}`);
    const g = sourceGraph();
    assert.ok(g.size > 100, `only ${g.size} source files under ${REPO}`);
    assert.ok((g.get('index.ts') ?? []).includes('runtime/index.ts'));
  });

  it('reports an import that breaks a rule, naming it', () => {
    const bad = brokenRules(
      new Map([
        ['runtime/runtime.ts', ['runtime/errors.ts', 'sockets/serve.ts']],
        ['actors/group/index.ts', ['cluster/ha-options.ts', 'actors/spi/group.ts']],
        ['actors/combo/index.ts', ['actors/simulator/simulator.ts']],
        ['sockets/serve.ts', ['actors/simulator/index.ts', 'actors/spi/index.ts']],
        ['cluster/x.ts', ['actors/group/backend.ts']],
        ['cli/main.ts', ['test/helpers/wait.ts', 'index.ts']],
        ['observer/server.ts', ['actors/group/group-controller.ts', 'runtime/runtime.ts']],
      ]),
    );
    assert.deepEqual(bad, [
      'actors/combo/index.ts → actors/simulator/simulator.ts (a plugin imports only runtime/, actors/spi/ and its own folder)',
      'actors/group/index.ts → cluster/ha-options.ts (actors/group/ may import runtime, actors/spi)',
      'cli/main.ts → index.ts (cli/ may import runtime, actors, actors/spi, actors/group, sockets, cluster, observer)',
      'cli/main.ts → test/helpers/wait.ts (cli/ may import runtime, actors, actors/spi, actors/group, sockets, cluster, observer)',
      'observer/server.ts → actors/group/group-controller.ts (observer/ may import runtime, actors/spi, sockets)',
      'runtime/runtime.ts → sockets/serve.ts (runtime/ may import no other room)',
      'sockets/serve.ts → actors/simulator/index.ts (sockets/ may import runtime, actors/spi)',
    ]);
  });

  it('runtime/ imports no other room; actors/ only runtime/; sockets/ no plugin; cluster/ only runtime/ and the group; observer/ only runtime/, the contracts and sockets/; nothing but tests and examples imports the face, nothing imports cli/, bench/ or test/', () => {
    assert.deepEqual(brokenRules(sourceGraph()), []);
  });
});
