/**
 * The CLI loads only what the chosen verb needs (cli/program.ts imports each verb's code when it
 * runs): `--help` and the verbs that talk to a socket never load the runtime, pino, piscina, the
 * group plugin's code, the home lock (crypto), a JSON-RPC library or (for JSON) yaml. A later static
 * import that undoes this fails here.
 */
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { UpProcess, waitFor } from '../helpers/cli.js';

const CLI = fileURLToPath(new URL('../../cli/main.js', import.meta.url));
const PRELOAD = new URL('./fixtures/module-list.js', import.meta.url).href;

/** What must stay out of a verb that only talks to sockets. */
const HEAVY: readonly [string, RegExp][] = [
  ['the runtime', /\/dist\/runtime\/(runtime|stateful-actor|stateless-actor)\.js$/],
  ['the socket server', /\/dist\/sockets\/(serve|socket-front-end|plugin-server)\.js$/],
  ['the group plugin', /\/dist\/actors\/group\//],
  ['cluster/', /\/dist\/cluster\//],
  ['pino', /\/node_modules\/pino\//],
  ['piscina', /\/node_modules\/piscina\//],
  ['eventemitter3', /\/node_modules\/eventemitter3\//],
  // Finding a socket needs the home's directory rules only (runtime/home-dirs.ts), not its lock.
  // node:crypto only where a file is written (runtime/atomic-file.ts imports it then).
  ['the home lock or crypto', /\/dist\/runtime\/home\.js$|^esm node:crypto$/],
  // One call is one POST and one JSON.parse (sockets/remote-client.ts): no JSON-RPC library.
  ['a JSON-RPC library', /\/node_modules\/json-rpc-2\.0\//],
];
const YAML = /\/node_modules\/yaml\//;

describe('cli: each verb loads only what it needs', function () {
  let home: string;
  before(() => {
    home = mkdtempSync(join(tmpdir(), 'ik-'));
  });
  after(() => rmSync(home, { recursive: true, force: true }));

  /** Runs the CLI with the module lister; its exit code and the modules it loaded. */
  function loaded(args: readonly string[]): { code: number | null; modules: string[] } {
    const list = join(home, `modules-${Math.random().toString(36).slice(2)}.txt`);
    const env: NodeJS.ProcessEnv = { ...process.env, INFRAKIT_HOME: home, MODULE_LIST_FILE: list };
    delete env['INFRAKIT_PLUGINS_DIR'];
    const r = spawnSync(process.execPath, ['--import', PRELOAD, CLI, ...args], { env, encoding: 'utf8', timeout: 60_000 });
    const modules = readFileSync(list, 'utf8').split('\n').filter(Boolean);
    // The lister itself works: it saw the CLI's entry and commander (ESM hook and require cache).
    assert.ok(
      modules.some((m) => m.startsWith('esm ') && m.endsWith('/dist/cli/main.js')),
      modules.join('\n'),
    );
    assert.ok(
      modules.some((m) => m.startsWith('cjs ') && m.includes('/node_modules/commander/')),
      modules.join('\n'),
    );
    return { code: r.status, modules };
  }

  function assertLight(args: readonly string[], modules: readonly string[]): void {
    for (const [what, re] of [...HEAVY, ['yaml', YAML] as [string, RegExp]]) {
      const hit = modules.filter((m) => re.test(m));
      assert.deepEqual(hit, [], `infrakit-ts ${args.join(' ')} loaded ${what}`);
    }
  }

  for (const args of [
    ['--help'],
    ['group', '--help'],
    ['group', 'ls'],
    ['group', 'describe', 'workers'],
    ['instance', 'describe', 'simulator/compute'],
    ['plugin', 'ls'],
  ]) {
    it(`infrakit-ts ${args.join(' ')}`, () => {
      const { code, modules } = loaded(args);
      assert.ok(code === 0 || code === 1, `exit ${String(code)}`); // 1: no plugin serves the empty plugins dir
      assertLight(args, modules);
    });
  }

  it('up: a worker loads the SPI files its actor uses, and a pool thread no piscina pool code', async () => {
    // The lister runs in every thread (--import through NODE_OPTIONS reaches the workers): one line per thread per module.
    const list = join(home, `modules-up-${Math.random().toString(36).slice(2)}.txt`);
    // No observer: its group client would load the Group SPI on the main thread, and this counts workers.
    const up = new UpProcess(home, ['--http', 'off'], { NODE_OPTIONS: `--import ${PRELOAD}`, MODULE_LIST_FILE: list });
    try {
      await up.ready();
      // Every actor's worker is running by now: its module was loaded before its socket answered.
      await waitFor('the vanilla pool thread to load its actor', () =>
        readFileSync(list, 'utf8')
          .split('\n')
          .some((m) => m.endsWith('/dist/actors/vanilla/index.js')),
      );
    } finally {
      await up.interrupt();
    }
    const modules = readFileSync(list, 'utf8').split('\n').filter(Boolean);
    const times = (re: RegExp): number => modules.filter((m) => re.test(m)).length;
    assert.equal(times(/\/dist\/runtime\/actor-host\.js$/), 5, 'five stateful actors: group, simulator, file, process, combo');
    // The SPI's index re-exports every interface; each actor imports the files it uses.
    assert.equal(times(/\/dist\/actors\/spi\/index\.js$/), 0, 'a worker loaded the whole SPI (actors/spi/index.js)');
    assert.equal(times(/\/dist\/actors\/spi\/group\.js$/), 1, 'only the group worker loads the Group SPI');
    // piscina's pool runs on main (imported through its esm-wrapper); a pool thread runs piscina's
    // worker.js and our pool-worker, never the package's entry.
    assert.equal(times(/\/node_modules\/piscina\/dist\/esm-wrapper\.mjs$/), 1, "a pool thread loaded piscina's pool code");
    assert.equal(times(/\/node_modules\/piscina\/dist\/worker\.js$/), 1);
    assert.equal(times(/\/dist\/runtime\/pool-worker\.js$/), 1);
  });

  it('a YAML spec loads yaml, and still no runtime (the lister sees CommonJS files too)', () => {
    const spec = join(home, 'group.yml');
    writeFileSync(spec, 'ID: w\nProperties:\n  Allocation:\n    Size: 1\n');
    const { code, modules } = loaded(['group', 'commit', spec, '--pretend']);
    assert.equal(code, 1); // no group plugin to ask
    assert.ok(
      modules.some((m) => YAML.test(m)),
      'yaml not loaded for a YAML file',
    );
    for (const [what, re] of HEAVY)
      assert.deepEqual(
        modules.filter((m) => re.test(m)),
        [],
        `group commit loaded ${what}`,
      );
  });
});
