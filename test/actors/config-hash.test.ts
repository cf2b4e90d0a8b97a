import assert from 'node:assert/strict';
import { base32Lower, configHash, stableFormat } from '../../actors/group/config-hash.js';
import { goJson, goString } from '../../actors/group/go-json.js';
import { formatGoDuration, parseGoDuration } from '../../runtime/go-duration.js';

describe('config hash (docs/go-compat.md #8)', () => {
  it('matches the test vector from the InfraKit tutorial', () => {
    const instance = { Plugin: 'simulator/compute', Properties: { apiProperty1: 'value1', apiProperty2: 'value2' } };
    const flavor = {
      Plugin: 'vanilla',
      Properties: {
        Init: ['sudo apt-get update -y', 'sudo apt-get install wget curl', 'wget -qO- https://get.docker.com | sh'],
        Tags: { 'custom.tag1': 'tutorial', 'custom.tag2': 'single-instance', 'custom.tag3': 'by-group' },
      },
    };
    assert.equal(configHash(instance, flavor), 'oskdoyfaewtrrmwlychnja3ejwz574ue');
  });

  it('does not depend on key order', () => {
    const a = configHash({ Plugin: 'x', Properties: { b: 1, a: { d: 2, c: 3 } } }, { Plugin: 'v', Properties: null });
    const b = configHash({ Properties: { a: { c: 3, d: 2 }, b: 1 }, Plugin: 'x' }, { Plugin: 'v', Properties: null });
    assert.equal(a, b);
    assert.match(a, /^[a-z2-7]{32}$/);
  });

  it('formats like Go MarshalIndent with prefix and indent of two spaces', () => {
    assert.equal(
      stableFormat({ Plugin: 'x', Properties: { a: 1 } }),
      '{\n    "Plugin": "x",\n    "Properties": {\n      "a": 1\n    }\n  }',
    );
    assert.equal(stableFormat({ e: {}, l: [], n: null }), '{\n    "e": {},\n    "l": [],\n    "n": null\n  }');
    assert.equal(stableFormat([1, 'a']), '[\n    1,\n    "a"\n  ]');
  });

  it('escapes as Go does (< > & and control characters)', () => {
    assert.equal(goString('a<b>&"\\\n\t\u0001\u2028'), '"a\\u003cb\\u003e\\u0026\\"\\\\\\n\\t\\u0001\\u2028"');
    assert.equal(goJson({ n: 1e21, m: 1e-7, f: 1.5, z: -0 }), '{"n":1e+21,"m":1e-7,"f":1.5,"z":-0}');
  });

  it('encodes base32 without padding', () => {
    assert.equal(base32Lower(Buffer.from('foobar')), 'mzxw6ytboi');
    assert.equal(base32Lower(Buffer.from('f')), 'my');
  });

  it('reads and writes Go durations', () => {
    assert.equal(parseGoDuration('10s'), 10_000);
    assert.equal(parseGoDuration('1m30s'), 90_000);
    assert.equal(parseGoDuration('250ms'), 250);
    assert.equal(parseGoDuration('1.5h'), 5_400_000);
    assert.equal(parseGoDuration('0'), 0);
    assert.throws(() => parseGoDuration('10'), /invalid duration/);
    assert.equal(formatGoDuration(0), '0s');
    assert.equal(formatGoDuration(90_000), '1m30s');
    assert.equal(formatGoDuration(3_600_000), '1h0m0s');
    assert.equal(formatGoDuration(1500), '1.5s');
    assert.equal(formatGoDuration(250), '250ms');
  });
});
