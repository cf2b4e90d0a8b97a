/**
 * The import graph of the built library (the package face index.js, runtime, actors, sockets, cluster,
 * cli): no cycles, nothing imports the face back, and runtime/ imports neither sockets/ nor actors/.
 * Type-only imports are erased from the JavaScript, so only imports that run count; the folder rules,
 * type imports included, are test/rooms.test.ts.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { relativeImports } from '../helpers/imports.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const FOLDERS = ['index.js', 'runtime', 'actors', 'sockets', 'cluster', 'cli'];

function jsFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return jsFiles(path);
    return name.endsWith('.js') ? [path] : [];
  });
}

function graph(): Map<string, string[]> {
  const g = new Map<string, string[]>();
  for (const folder of FOLDERS) {
    for (const file of folder === 'index.js' ? [join(ROOT, folder)] : jsFiles(join(ROOT, folder))) {
      const rel = relative(ROOT, file);
      const deps = relativeImports(readFileSync(file, 'utf8')).map((spec) => relative(ROOT, resolve(dirname(file), spec)));
      g.set(rel, deps);
    }
  }
  return g;
}

/** Every cycle found by a depth-first search, each as the list of files around it. */
function cycles(g: Map<string, string[]>): string[][] {
  const found: string[][] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const stack: string[] = [];
  const visit = (n: string): void => {
    state.set(n, 'visiting');
    stack.push(n);
    for (const d of g.get(n) ?? []) {
      if (state.get(d) === 'visiting') found.push([...stack.slice(stack.indexOf(d)), d]);
      else if (state.get(d) === undefined && g.has(d)) visit(d);
    }
    stack.pop();
    state.set(n, 'done');
  };
  for (const n of [...g.keys()].sort()) if (state.get(n) === undefined) visit(n);
  return found;
}

describe('import graph of the built library', () => {
  const g = graph();

  it('finds the modules and their imports', () => {
    assert.ok(g.size > 50, `only ${g.size} modules under ${ROOT}`);
    assert.ok((g.get('index.js') ?? []).includes('sockets/index.js'));
    assert.deepEqual(
      relativeImports("import { a } from './a.js';\nexport { b } from '../b.js';\nimport './c.js';\nconst d = await import('./d.js');"),
      ['./a.js', '../b.js', './c.js', './d.js'],
    );
  });

  it('has no circular imports', () => {
    assert.deepEqual(
      cycles(
        new Map([
          ['a.js', ['b.js']],
          ['b.js', ['c.js']],
          ['c.js', ['a.js']],
        ]),
      ),
      [['a.js', 'b.js', 'c.js', 'a.js']],
    );
    const found = cycles(g);
    assert.deepEqual(
      found.map((c) => c.join(' → ')),
      [],
    );
  });

  it('nothing imports the package face index.js', () => {
    const importers = [...g].filter(([, deps]) => deps.includes('index.js')).map(([f]) => f);
    assert.deepEqual(importers, []);
  });

  it('runtime/ imports neither sockets/ nor actors/', () => {
    const bad = [...g]
      .filter(([f]) => f.startsWith('runtime/'))
      .flatMap(([f, deps]) => deps.filter((d) => d.startsWith('sockets/') || d.startsWith('actors/')).map((d) => `${f} → ${d}`));
    assert.deepEqual(bad, []);
  });
});
