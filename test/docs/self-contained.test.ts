/**
 * The repository stands alone: no tracked file cites a document that lives outside it (Go facts are
 * cited as docs/go-compat.md #N), and every source file opens with a short header (the narrative
 * belongs in docs/).
 */
import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../../', import.meta.url));

/** Citations of files a reader of this repository does not have (written so this file matches none). */
const OUTSIDE = [/\.\.\/shared\b/, /\/work\/shared\b/, /shared\/spec\b/, /\bbugs\.md\b/, /\bspec\/[a-z-]+\.md\b/, /\bspec [a-z-]+\.md\b/];
const SKIP = new Set(['package-lock.json']);
const MAX_HEADER_LINES = 12;

/** Tracked files, from git; without git (an unpacked tarball), every file but the usual build output. */
function trackedFiles(): string[] {
  try {
    return execFileSync('git', ['ls-files', '-z'], { cwd: root, encoding: 'utf8', maxBuffer: 64 << 20 })
      .split('\0')
      .filter(Boolean);
  } catch {
    const out: string[] = [];
    const walk = (dir: string): void => {
      for (const name of readdirSync(join(root, dir))) {
        if (['node_modules', 'dist', '.git'].includes(name)) continue;
        const rel = dir === '' ? name : `${dir}/${name}`;
        if (statSync(join(root, rel)).isDirectory()) walk(rel);
        else out.push(rel);
      }
    };
    walk('');
    return out;
  }
}

/** Lines of the first comment block of a source file (after a shebang and blank lines); 0 if none. */
function headerLines(text: string): number {
  const lines = text.split('\n');
  let i = 0;
  while (i < lines.length && (lines[i]?.startsWith('#!') || lines[i]?.trim() === '')) i++;
  const first = lines[i]?.trimStart() ?? '';
  let n = 0;
  if (first.startsWith('/*')) {
    while (i + n < lines.length && !lines[i + n]?.includes('*/')) n++;
    return n + 1;
  }
  while (lines[i + n]?.trimStart().startsWith('//')) n++;
  return n;
}

describe('docs: the repository is self-contained', () => {
  const files = trackedFiles().filter((f) => !SKIP.has(f));

  it('finds the tracked files', () => {
    assert.ok(files.includes('README.md') && files.includes('docs/go-compat.md'), `only ${files.length} files found under ${root}`);
  });

  it('no tracked file cites a spec or bug list outside the repository', () => {
    const hits: string[] = [];
    for (const f of files) {
      let text: string;
      try {
        text = readFileSync(join(root, f), 'utf8');
      } catch {
        continue; // a file deleted in the work tree but still in the index
      }
      if (text.includes('\0')) continue; // binary
      text.split('\n').forEach((line, k) => {
        if (OUTSIDE.some((re) => re.test(line))) hits.push(`${f}:${k + 1}: ${line.trim().slice(0, 120)}`);
      });
    }
    assert.deepEqual(hits, [], `cite docs/go-compat.md (or say what is needed) instead:\n${hits.join('\n')}`);
  });

  it(`every source file's header comment is at most ${MAX_HEADER_LINES} lines`, () => {
    const long: string[] = [];
    for (const f of files.filter((x) => /\.(ts|cts|mts|js|cjs|mjs)$/.test(x))) {
      let text: string;
      try {
        text = readFileSync(join(root, f), 'utf8');
      } catch {
        continue;
      }
      const n = headerLines(text);
      if (n > MAX_HEADER_LINES) long.push(`${f}: ${n} lines`);
    }
    assert.deepEqual(long, [], `trim these headers (move narrative to docs/, figures to bench/RESULTS.md):\n${long.join('\n')}`);
  });

  it('measures a header as its first comment block', () => {
    assert.equal(headerLines('#!/usr/bin/env node\n\n/**\n * a\n * b\n */\nconst x = 1;\n'), 4);
    assert.equal(headerLines('// a\n// b\nconst x = 1;\n'), 2);
    assert.equal(headerLines('import x from "y";\n/** not a header */\n'), 0);
  });
});
