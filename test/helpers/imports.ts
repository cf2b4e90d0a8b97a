/** Relative import specifiers of a module's text (built JavaScript or TypeScript source). */

/** Static `import … from`, `import type … from`, bare `import '…'`, `export … from`, dynamic `import('…')`. */
export function relativeImports(source: string): string[] {
  const out: string[] = [];
  const re = /(?:^|[;\s])(?:import|export)\s(?:[^'"`;]*?\sfrom\s)?['"](\.{1,2}\/[^'"]+)['"]|import\(\s*['"](\.{1,2}\/[^'"]+)['"]\s*\)/gm;
  for (const m of source.matchAll(re)) out.push((m[1] ?? m[2]) as string);
  return out;
}
