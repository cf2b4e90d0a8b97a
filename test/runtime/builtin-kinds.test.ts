/**
 * The runtime starts built-in actors without importing their modules on the main thread, reading
 * whether each is stateless from module-resolver.ts: that list must say what the modules say.
 */
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { loadDefinition } from '../../runtime/definition.js';
import { builtinStateless, resolveActorModule } from '../../runtime/module-resolver.js';

describe('runtime: the kinds of built-in actors', () => {
  it('builtinStateless agrees with every built-in definition; other modules are not built-in', async () => {
    const actors = fileURLToPath(new URL('../../actors/', import.meta.url));
    const kinds = readdirSync(actors, { withFileTypes: true })
      .filter((d) => d.isDirectory() && d.name !== 'spi')
      .map((d) => d.name);
    assert.ok(kinds.includes('vanilla') && kinds.includes('group'), kinds.join(','));
    for (const kind of kinds) {
      const def = await loadDefinition(resolveActorModule(kind));
      assert.equal(builtinStateless(kind), def.stateless === true, kind);
    }
    assert.equal(builtinStateless('/abs/path/actor.js'), undefined);
    assert.equal(builtinStateless(new URL('file:///x/actor.js')), undefined);
  });
});
