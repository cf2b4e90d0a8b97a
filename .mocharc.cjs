// mocha's settings for `npm test`. Files run `jobs` at a time, each in a worker process, and mocha hands
// them to its workers in the order of `spec`. The run ends when the last file does, so the longest files
// go first (a long file started last would run on alone while the other workers sit idle); every other
// test file follows in name order, so a new file is picked up without being listed here.
'use strict';
const { readdirSync } = require('node:fs');
const { join } = require('node:path');

const ROOT = 'dist/test';

/**
 * The longest test files, longest first (dist/test/<name>.test.js), as measured in a full run: a file's
 * time from its first hook to its last, beside the others (README.md, "Tests and proof", says how).
 */
const LONGEST_FIRST = [
  'cluster/ha-runtimes',
  'e2e/group-durable',
  'e2e/cli-verbs',
  'e2e/cli-words',
  'e2e/readme-tour',
  'faults/sigkill-converge',
  'e2e/watch-events',
  'cluster/leader-election',
  'e2e/up-safety',
  'observer/browser',
  'runtime/external-plugin',
  'e2e/cli-up',
  'e2e/process-web',
  'runtime/actor-to-actor',
  'cli/lazy-load',
  'examples/examples',
];

function specFiles() {
  let all;
  try {
    all = readdirSync(ROOT, { recursive: true })
      .map(String)
      .filter((f) => f.endsWith('.test.js'))
      .map((f) => join(ROOT, f))
      .sort();
  } catch {
    return [`${ROOT}/**/*.test.js`]; // not built: mocha says no test files were found
  }
  const first = LONGEST_FIRST.map((name) => join(ROOT, `${name}.test.js`)).filter((f) => all.includes(f));
  return [...first, ...all.filter((f) => !first.includes(f))];
}

module.exports = {
  spec: specFiles(),
  timeout: 20000,
  exit: false,
  reporter: 'spec',
  parallel: true,
  jobs: 3,
};
