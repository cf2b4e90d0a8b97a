/**
 * `up`'s `--http`, `--http-public`, `--http-token` and `--http-controls` become the observer's options,
 * and every misuse is a usage error before anything starts.
 */
import assert from 'node:assert/strict';
import { httpPlan, parseHttpFlag } from '../../cli/commands/up.js';
import { UsageError } from '../../cli/output.js';

describe('up: --http flags', () => {
  it('parses host:port, [v6]:port, :port and off', () => {
    assert.equal(parseHttpFlag(undefined), undefined);
    assert.equal(parseHttpFlag('off'), 'off');
    assert.deepEqual(parseHttpFlag('127.0.0.1:9470'), { host: '127.0.0.1', port: 9470 });
    assert.deepEqual(parseHttpFlag('[::1]:0'), { host: '::1', port: 0 });
    assert.deepEqual(parseHttpFlag(':8080'), { host: '127.0.0.1', port: 8080 });
    assert.deepEqual(parseHttpFlag('localhost:1'), { host: 'localhost', port: 1 });
    for (const bad of ['9470', 'host', '1.2.3.4:70000', '1.2.3.4:-1', 'a:b:c', '[::1]', 'http://x:1'])
      assert.throws(() => parseHttpFlag(bad), UsageError, bad);
  });

  it('defaults to loopback with the next free port; a named port is exact', () => {
    assert.deepEqual(httpPlan({}), { allowRemote: false, controls: false });
    assert.equal(httpPlan({ http: 'off' }), 'off');
    assert.deepEqual(httpPlan({ http: '127.0.0.1:0', httpControls: true }), {
      host: '127.0.0.1',
      port: 0,
      exactPort: true,
      allowRemote: false,
      controls: true,
    });
  });

  it('a non-loopback address needs --http-public and a token of 16+ characters', () => {
    assert.throws(() => httpPlan({ http: '0.0.0.0:9470' }), /not a loopback address: add --http-public/);
    assert.throws(() => httpPlan({ http: '0.0.0.0:9470', httpPublic: true }), /needs a token of at least 16/);
    assert.throws(() => httpPlan({ http: '0.0.0.0:9470', httpPublic: true, httpToken: 'short' }), /needs a token of at least 16/);
    assert.deepEqual(httpPlan({ http: '0.0.0.0:9470', httpPublic: true, httpToken: 'sixteen-chars-ok' }), {
      host: '0.0.0.0',
      port: 9470,
      exactPort: true,
      token: 'sixteen-chars-ok',
      allowRemote: true,
      controls: false,
    });
  });
});
