/**
 * Keeps the error registry, the exported classes and docs/errors.md in step (fastify's habit).
 */
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as errors from '../../runtime/errors.js';
import { ERROR_CODES, InfrakitError, reviveError, serializeError, toJsonRpcError, type ErrorCode } from '../../runtime/errors.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const doc = readFileSync(`${root}docs/errors.md`, 'utf8');

/** One instance of every error class, built through its public constructor. */
function samples(): InfrakitError[] {
  return [
    new errors.ApplicationError('boom'),
    new errors.InvalidParamsError('invalid params: /Spec: Expected object'),
    new errors.MethodNotFoundError('Group.Nope'),
    new errors.ActorNotFoundError('nobody'),
    new errors.MailboxFullError('sim', 4),
    new errors.ActorExitedError('sim', 'terminated'),
    new errors.ActorRestartingError('sim'),
    new errors.ActorFailedError('sim', 'crash loop'),
    new errors.ActorStartError('sim', 'module not found'),
    new errors.RuntimeStoppedError(),
    new errors.CallTimeoutError('sim', 'Instance.Provision', 10),
    new errors.DuplicateActorError('sim'),
    new errors.RemoteError('connection refused'),
    new errors.SocketInUseError('/tmp/x'),
    new errors.StoreUnavailableError('spec store unavailable: etcd at 127.0.0.1:2379 did not answer load (timeout)'),
    new errors.NotLeaderError('not the leader: runtime n1 at /tmp/p leads; send writes there'),
    new errors.LimitExceededError('Allocation.Size', 100000, 1000000000),
    new errors.CallDepthError(['combo', 'combo', 'combo'], 2),
    new errors.ActorStartingError('sim'),
    new errors.GroupQuarantinedError('workers', 'its handling crashed the group actor 3 times'),
    new errors.UnsafePathError('/tmp/p/group.pid', 'symbolic link'),
    new errors.HomeInUseError('/tmp/h', 42),
    new errors.StoreCorruptError('/tmp/h/configs/global.config', 'Unexpected token', 'position 12'),
    new errors.ServerBusyError('too many connections'),
    new errors.ActorReloadedError('sim'),
    new errors.ReloadFailedError('sim', 'SyntaxError: Unexpected token'),
    new errors.InternalError('bug'),
  ];
}

describe('error registry', () => {
  it('has one class per code, and every code is documented with its JSON-RPC code and class', () => {
    const seen = new Set<ErrorCode>();
    for (const e of samples()) {
      assert.ok(!seen.has(e.code), `code ${e.code} used by two classes`);
      seen.add(e.code);
      const row = doc.split('\n').find((l) => l.startsWith(`| \`${e.code}\` |`));
      assert.ok(row, `docs/errors.md lacks a row for ${e.code}`);
      assert.ok(row.includes(`\`${e.name}\``), `docs/errors.md row for ${e.code} does not name ${e.name}`);
      assert.ok(row.includes(`| ${ERROR_CODES[e.code].rpc} |`), `docs/errors.md row for ${e.code} has the wrong JSON-RPC code`);
    }
    assert.deepEqual([...seen].sort(), Object.keys(ERROR_CODES).sort());
    const documented = [...doc.matchAll(/^\| `(IK_[A-Z_]+)` \|/gm)].map((m) => m[1]);
    assert.deepEqual(documented.sort(), Object.keys(ERROR_CODES).sort(), 'docs/errors.md lists codes that do not exist');
  });

  it('survives serialisation: class, code, name, message and data come back', () => {
    for (const e of samples()) {
      const back = reviveError(structuredClone(serializeError(e)));
      assert.ok(back instanceof InfrakitError);
      assert.equal(back.constructor, e.constructor);
      assert.equal(back.code, e.code);
      assert.equal(back.name, e.name);
      assert.equal(back.message, e.message);
      assert.deepEqual(back.data, e.data);
    }
  });

  it("keeps the name of an actor's own error class and maps it to InfraKit's -32000 shape", () => {
    class QuotaError extends Error {
      override name = 'QuotaError';
    }
    const back = reviveError(serializeError(new QuotaError('at capacity 3')));
    assert.equal(back.name, 'QuotaError');
    assert.equal(back.code, 'IK_APPLICATION');
    assert.deepEqual(toJsonRpcError(back), { code: -32000, message: 'at capacity 3', data: null });
    assert.deepEqual(toJsonRpcError('plain string'), { code: -32000, message: 'plain string', data: null });
  });

  it('maps invalid params and unknown methods to their JSON-RPC codes', () => {
    assert.equal(toJsonRpcError(new errors.InvalidParamsError('x')).code, -32602);
    assert.deepEqual(toJsonRpcError(new errors.MethodNotFoundError('A.B')), {
      code: -32601,
      message: 'rpc: can\'t find method "A.B"',
      data: null,
    });
    assert.equal(toJsonRpcError(new errors.InternalError('x')).code, -32603);
  });
});
