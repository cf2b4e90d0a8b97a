// ESLint (flat config): typescript-eslint's type-checked rules over every TypeScript file the build compiles.
// Rules that fight a deliberate style of this codebase are turned off below, each with its reason.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/', 'dist-*/', 'node_modules/', '.infrakit-test-*/'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: { allowDefaultProject: ['*.js'] }, tsconfigRootDir: import.meta.dirname },
    },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    rules: {
      // Promises: none left floating, none handed to a callback that ignores them.
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/return-await': ['error', 'in-try-catch'],
      // Passing on a caught `unknown` or an abort signal's `any` reason is fine; new reasons must be Errors.
      '@typescript-eslint/prefer-promise-reject-errors': ['error', { allowThrowingAny: true, allowThrowingUnknown: true }],
      // Protocol messages and error codes are unions: every switch over one must cover it.
      '@typescript-eslint/switch-exhaustiveness-check': ['error', { considerDefaultExhaustiveForUnions: true }],
      // Type-only imports stay type-only (verbatimModuleSyntax), written one way.
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      '@typescript-eslint/consistent-type-exports': 'error',
      '@typescript-eslint/no-import-type-side-effects': 'error',
      '@typescript-eslint/no-unnecessary-type-assertion': 'error',
      eqeqeq: ['error', 'always', { null: 'ignore' }],
      // `let x; … x = …` read by a callback set up before the assignment cannot be a const.
      'prefer-const': ['error', { ignoreReadBeforeAssign: true }],
      // tsc's noUnusedLocals already checks this (and allows a const used only in a type).
      '@typescript-eslint/no-unused-vars': 'off',
      // `async` without `await` is deliberate: a throw becomes a rejection and the method keeps its Promise type.
      '@typescript-eslint/require-await': 'off',
      // String(x) on JSON values typed unknown is the explicit conversion used throughout (templates stay
      // checked by restrict-template-expressions).
      '@typescript-eslint/no-base-to-string': 'off',
    },
  },
  {
    // Handlers get params already validated against the method's schema; `Handler` takes them as `any` by design.
    files: ['actors/*/index.ts'],
    rules: { '@typescript-eslint/no-unsafe-argument': 'off' },
  },
  {
    // Tests and their fakes poke at wire JSON; the assertions check its shape at run time.
    files: ['test/**/*.ts'],
    rules: {
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
    },
  },
  { files: ['**/*.js'], extends: [tseslint.configs.disableTypeChecked] },
  {
    // mocha reads its settings file and root hook plugins with require(): CommonJS, not type-checked.
    files: ['test/helpers/*.cjs'],
    extends: [tseslint.configs.disableTypeChecked],
    languageOptions: {
      sourceType: 'commonjs',
      globals: { require: 'readonly', module: 'writable', exports: 'writable', process: 'readonly' },
    },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
);
