// Each test file's wall time in a full run, to see which files take the suite's time: a mocha root hook
// plugin (in parallel mode the root hooks run once per file, in the worker that runs it). Measuring only;
// no test loads it. FILE_TIMES=/tmp/times.txt npx mocha --require test/helpers/file-times.cjs, then
// sort -rn /tmp/times.txt: seconds, the worker's pid, the file.
'use strict';
const { appendFileSync } = require('node:fs');

const out = process.env.FILE_TIMES || 'file-times.txt';
let started = 0;
let file = '?';

exports.mochaHooks = {
  beforeAll() {
    started = Date.now();
    const root = this.test && this.test.parent;
    file = (root && (root.file || (root.suites[0] && root.suites[0].file))) || '?';
  },
  afterAll() {
    const seconds = ((Date.now() - started) / 1000).toFixed(1);
    appendFileSync(out, `${seconds} ${process.pid} ${file.replace(/^.*dist\/test\//, '')}\n`);
  },
};
