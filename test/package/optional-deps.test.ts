/**
 * etcd3 and pino-pretty are optional peer dependencies, loaded only when asked for: a missing one is
 * one clear message (`--store etcd` refuses with exit 1; `--log-format term` falls back to JSON lines
 * with one warning). "Missing" is shown with package names that do not exist.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { importOptional, isMissingPackage, missingPackageMessage, requireOptional } from '../../runtime/optional-module.js';
import { assertEtcd3Installed, loadEtcd3 } from '../../cluster/etcd3-module.js';
import { explain } from '../../cli/program.js';

const run = promisify(execFile);
const REPO = fileURLToPath(new URL('../../../', import.meta.url));
const LOGGING = fileURLToPath(new URL('../../runtime/logging.js', import.meta.url));
const MISSING = 'infrakit-no-such-package-xyz';

describe('optional packages', () => {
  it('package.json: etcd3 and pino-pretty are optional peers (and dev dependencies for our own tests), not dependencies', () => {
    const pkg = JSON.parse(readFileSync(`${REPO}package.json`, 'utf8'));
    for (const name of ['etcd3', 'pino-pretty']) {
      assert.equal(pkg.dependencies[name], undefined, `${name} is still a dependency of every embedder`);
      assert.ok(pkg.peerDependencies[name], `${name} is not a peer dependency`);
      assert.equal(pkg.peerDependenciesMeta[name]?.optional, true, `${name} is not optional`);
      assert.equal(pkg.devDependencies[name], pkg.peerDependencies[name], `${name}: dev and peer ranges differ`);
    }
  });

  it('importOptional names the missing package and how to install it; an installed one loads', async () => {
    await assert.rejects(importOptional(MISSING, 'doing X'), {
      message: `doing X needs the optional package ${MISSING}: npm install ${MISSING}`,
    });
    assert.equal(typeof (await importOptional<{ pino: unknown }>('pino', 'logging')).pino, 'function');
    assert.equal(requireOptional(MISSING), undefined);
    assert.equal(typeof requireOptional('pino'), 'function');
  });

  it('a package that is there but fails to load is not reported as missing', async () => {
    const err = Object.assign(new Error("Cannot find package 'grpc-inner' imported from …/etcd3/lib/x.js"), {
      code: 'ERR_MODULE_NOT_FOUND',
    });
    assert.equal(isMissingPackage(err, 'etcd3'), false);
    assert.equal(
      isMissingPackage(Object.assign(new Error("Cannot find package 'etcd3' imported from …"), { code: 'ERR_MODULE_NOT_FOUND' }), 'etcd3'),
      true,
    );
  });

  it('--store etcd without etcd3: the message the CLI prints, with exit code 1', async () => {
    assert.equal(missingPackageMessage('etcd3', '--store etcd'), '--store etcd needs the optional package etcd3: npm install etcd3');
    const err = await loadEtcd3(MISSING).then(
      () => assert.fail('loaded a package that does not exist'),
      (e: unknown) => e,
    );
    assert.deepEqual(explain(err), {
      message: `error: --store etcd needs the optional package ${MISSING}: npm install ${MISSING}`,
      code: 1,
    });
    assert.equal(typeof (await loadEtcd3()).Etcd3, 'function', 'the dev install has etcd3');
    // What `up --store etcd` checks in its main thread, resolving etcd3 without loading it: the same error.
    const unresolved = ((): unknown => {
      try {
        assertEtcd3Installed(MISSING);
      } catch (e) {
        return e;
      }
      return assert.fail('resolved a package that does not exist');
    })();
    assert.deepEqual(explain(unresolved), explain(err));
    assert.doesNotThrow(() => assertEtcd3Installed());
  });

  it('--log-format term without pino-pretty: JSON lines, with one warning', async () => {
    const script = `
      const { createLoggerWith } = await import(${JSON.stringify(LOGGING)});
      createLoggerWith('info', 'term', ${JSON.stringify(MISSING)}).info('first');
      createLoggerWith('info', 'term', ${JSON.stringify(MISSING)}).info('second');`;
    const { stderr } = await run(process.execPath, ['--input-type=module', '-e', script], { timeout: 15_000 });
    const records = stderr
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { level: number; msg: string });
    assert.deepEqual(
      records.map((r) => r.msg),
      [
        `INFRAKIT_LOG_FORMAT=term (--log-format term) needs the optional package ${MISSING}: npm install ${MISSING}; logging JSON lines instead`,
        'first',
        'second',
      ],
    );
    assert.equal(records[0]?.level, 40, 'the fallback is a warning');
  });
});
