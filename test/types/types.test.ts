/**
 * The type tests of test/types/group-types.ts, checked with the TypeScript compiler API: with the
 * `@ts-expect-error` lines removed, each expectation fails for its own reason and nothing else fails;
 * an expectation that stops failing (a typo that became valid) is an error of its own.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const REPO = fileURLToPath(new URL('../../../', import.meta.url));
const SOURCE = join(REPO, 'test/types/group-types.ts');
const DIRECTIVE = /^\s*\/\/ @ts-expect-error\b.*$/;

/** Why each expectation fails, in the order of the file's `@ts-expect-error` lines. */
const REASONS: RegExp[] = [
  /'Alloction' does not exist/,
  /'size' does not exist in type 'Allocation'/,
  /'Propertes' does not exist in type 'GroupPluginSpec'/,
  /'MaxSurg' does not exist in type 'GroupUpdating'/,
  /Type 'string' is not assignable to type 'number'/,
  /'Grace' does not exist in type 'GroupHealth'/,
  /Property 'Flavor' is missing/,
  /Type 'Record<string, unknown>' is not assignable to type 'GroupProperties \| UncheckedGroupProperties'/,
  /Property 'Properties' is missing/,
  /Property 'converged' does not exist on type 'GroupDescription'/,
  /Property 'state' does not exist on type 'GroupRollout'/,
  /Property 'message' does not exist on type 'GroupProblem'/,
  /Property 'Reasons' does not exist on type 'GroupDescription'/,
  /'"quarantine"' have no overlap/,
  /'spec.Properties' is of type 'unknown'/,
];

interface Found {
  line: number;
  code: number;
  message: string;
}

/** Type-checks the given texts as files beside SOURCE (one program, so the libraries load once). */
function check(files: Record<string, string>): Record<string, Found[]> {
  const parsed = ts.parseJsonConfigFileContent(
    ts.readConfigFile(join(REPO, 'tsconfig.json'), (path) => ts.sys.readFile(path)).config,
    ts.sys,
    REPO,
  );
  const options = { ...parsed.options, noEmit: true };
  const paths = Object.fromEntries(Object.keys(files).map((name) => [join(dirname(SOURCE), name), name]));
  const host = ts.createCompilerHost(options);
  const getSourceFile = host.getSourceFile.bind(host);
  host.getSourceFile = (path, lang, ...rest) => {
    const name = paths[path];
    return name !== undefined ? ts.createSourceFile(path, files[name] as string, lang) : getSourceFile(path, lang, ...rest);
  };
  const fileExists = host.fileExists.bind(host);
  host.fileExists = (path) => paths[path] !== undefined || fileExists(path);
  const program = ts.createProgram(Object.keys(paths), options, host);
  const out: Record<string, Found[]> = {};
  for (const [path, name] of Object.entries(paths)) {
    const sf = program.getSourceFile(path);
    assert.ok(sf, `${name} is part of the program`);
    out[name] = [...program.getSyntacticDiagnostics(sf), ...program.getSemanticDiagnostics(sf)].map((d) => ({
      line: sf.getLineAndCharacterOfPosition(d.start ?? 0).line,
      code: d.code,
      message: ts.flattenDiagnosticMessageText(d.messageText, '\n'),
    }));
  }
  return out;
}

describe('the typed Group surface (test/types/group-types.ts)', function () {
  this.timeout(120_000);
  const text = readFileSync(SOURCE, 'utf8');
  const lines = text.split('\n');
  const directives = lines.flatMap((l, i) => (DIRECTIVE.test(l) ? [i] : []));
  let found: Record<string, Found[]>;

  before(() => {
    const stripped = lines.map((l) => (DIRECTIVE.test(l) ? '' : l)).join('\n');
    // Two typos corrected: their expectations no longer hold.
    const fixed = text.replace('{ Alloction: { Size: 3 }', '{ Allocation: { Size: 3 }').replace('= d.converged;', '= d.Converged;');
    found = check({ 'group-types.ts': text, 'stripped.ts': stripped, 'fixed.ts': fixed });
  });

  it('compiles as written: every expectation holds', () => {
    assert.deepEqual(found['group-types.ts'], []);
  });

  it('each expectation fails for its own reason, and nothing else fails', () => {
    assert.equal(directives.length, REASONS.length, 'one reason per @ts-expect-error');
    const errors = found['stripped.ts'] ?? [];
    directives.forEach((line, i) => {
      const at = errors.filter((e) => e.line === line + 1);
      assert.ok(at.length > 0, `line ${line + 2} (${lines[line + 1]?.trim()}) compiles without its @ts-expect-error`);
      assert.ok(
        at.some((e) => REASONS[i]?.test(e.message)),
        `line ${line + 2}: expected ${REASONS[i]}, got ${at.map((e) => e.message).join(' / ')}`,
      );
    });
    const expectedLines = new Set(directives.map((l) => l + 1));
    assert.deepEqual(
      errors.filter((e) => !expectedLines.has(e.line)),
      [],
    );
  });

  it('an expectation that no longer fails is an error (TS2578) where it stands', () => {
    const at = (needle: string) => lines.findIndex((l) => l.includes(needle)) - 1;
    assert.deepEqual(
      (found['fixed.ts'] ?? []).map((e) => [e.line, e.code]),
      [
        [at('{ Alloction: { Size: 3 }'), 2578],
        [at('= d.converged;'), 2578],
      ],
    );
  });
});
