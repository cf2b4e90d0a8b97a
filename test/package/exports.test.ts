/**
 * The package as a consumer sees it: `import … from 'infrakit-ts'` resolves through package.json's
 * `exports` to the built package face `dist/index.js`, names the public API, runs a runtime, hides internals; and a
 * TypeScript consumer (module/moduleResolution NodeNext) type-checks against the built `.d.ts`.
 *
 * The temp project's `node_modules/infrakit-ts` holds the real package.json and a `dist` symlink to
 * this build (whatever out dir it is), so the test checks this build, not a stale `dist/`.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const BUILD = fileURLToPath(new URL('../../', import.meta.url));
const REPO = fileURLToPath(new URL('../../../', import.meta.url));

/** Every value the package face (index.ts) must export (types are checked by the consumer below). */
export const PUBLIC_VALUES = [
  'Runtime',
  'serve',
  'startHost',
  'waitForEvent',
  'subscribeEvents',
  'RemoteClient',
  'discoverPlugins',
  'defineActor',
  'resolveManifest',
  'groupClient',
  'instanceClient',
  'flavorClient',
  'callerOf',
  'GroupClient',
  'InstanceClient',
  'FlavorClient',
  'GROUP_INTERFACES',
  'GROUP_METHODS',
  'INSTANCE_INTERFACES',
  'INSTANCE_METHODS',
  'FLAVOR_INTERFACES',
  'FLAVOR_METHODS',
  'GROUP_EVENT_TYPES',
  'isGroupEvent',
  'Health',
  'InfrakitError',
  'ApplicationError',
  'ActorNotFoundError',
  'MailboxFullError',
  'ERROR_CODES',
  'DEFAULT_RESTART_POLICY',
];

const CONSUMER_MJS = `
import * as ik from 'infrakit-ts';
import { Runtime, instanceClient, groupClient } from 'infrakit-ts';
const pkg = (await import('infrakit-ts/package.json', { with: { type: 'json' } })).default;
let deep = 'importable';
try { await import('infrakit-ts/dist/runtime/runtime.js'); } catch (err) { deep = err.code; }
const rt = await Runtime.start({ home: process.argv[2], logLevel: 'silent', actors: [{ name: 'simulator', module: 'simulator' }] });
const sim = instanceClient(rt, 'simulator/compute');
const id = await sim.provision({ Tags: { app: 'consumer' } });
const found = await sim.describe({ app: 'consumer' });
const group = typeof groupClient(rt).describe;
await rt.stop();
console.log(JSON.stringify({ names: Object.keys(ik), name: pkg.name, deep, provisioned: found.map((d) => d.ID).includes(id), group }));
`;

const CONSUMER_TS = `
import { Runtime, defineActor, groupClient, instanceClient, flavorClient, isGroupEvent, waitForEvent, serve, startHost, InfrakitError } from 'infrakit-ts';
import type { GroupClient, GroupDescription, InstanceSpec, Description, ActorContext, ActorDeclaration, RuntimeEvents, ServedSockets, Host, StreamedEvent, GroupEventPayloads, ErrorCode } from 'infrakit-ts';

export async function main(): Promise<void> {
  const decl: ActorDeclaration = { name: 'group', module: 'group', options: { pollIntervalMs: 100 } };
  const rt: Runtime = await Runtime.start({ actors: [decl, { name: 'simulator', module: 'simulator' }] });
  const g: GroupClient = groupClient(rt, 'group');
  const d: GroupDescription = await g.describe('workers');
  const converged: boolean = d.Converged;
  const spec: InstanceSpec = { Tags: { a: 'b' } };
  const id: string | null = await instanceClient(rt, 'simulator/compute').provision(spec);
  const all: Description[] = await instanceClient(rt, 'simulator/compute').describe(null);
  await flavorClient(rt, 'vanilla').healthy({}, { ID: id ?? '' });
  rt.on('actor:event', (e) => {
    if (isGroupEvent(e, 'group:changed')) {
      const added: number = e.payload.Added;
      void added;
    }
  });
  const started: Parameters<RuntimeEvents['actor:started']>[0]['threadId'] = 1;
  const e = await waitForEvent(rt, 'group:converged', { timeoutMs: 1000 });
  const t: string = e.type;
  const sockets: ServedSockets = await serve(rt, { pluginsDir: '/tmp/x' });
  const paths: Record<string, string> = sockets.paths;
  await sockets.close();
  const host: Host = await startHost({ actors: [decl], sockets: false });
  await host.stop();
  const s: StreamedEvent | undefined = undefined;
  const p: GroupEventPayloads['group:converged'] = { ID: 'w', Size: 1 };
  const code: ErrorCode = 'IK_MAILBOX_FULL';
  const err: unknown = new Error();
  if (err instanceof InfrakitError) void err.code;
  // @ts-expect-error: the typed client knows describe() takes a group ID
  await g.describe(42);
  void [converged, all, started, t, paths, s, p, code];
  await rt.stop();
}

export default defineActor<{ faces: number }>({
  manifest: { interfaces: [{ name: 'Dice', version: '0.1.0' }] },
  create(ctx: ActorContext<{ faces: number }>) {
    const faces: number = ctx.options.faces;
    return { handlers: { 'Dice.Roll': () => ({ Value: 1 + Math.floor(Math.random() * faces) }) } };
  },
});
`;

describe('the package, as a consumer imports it', function () {
  this.timeout(120_000);
  let dir: string;

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'ik-consumer-'));
    const pkgDir = join(dir, 'node_modules', 'infrakit-ts');
    mkdirSync(pkgDir, { recursive: true });
    copyFileSync(join(REPO, 'package.json'), join(pkgDir, 'package.json'));
    symlinkSync(BUILD, join(pkgDir, 'dist'), 'dir');
    symlinkSync(join(REPO, 'node_modules', '@types'), join(dir, 'node_modules', '@types'), 'dir');
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }));
    writeFileSync(join(dir, 'consumer.mjs'), CONSUMER_MJS);
    writeFileSync(join(dir, 'consumer.ts'), CONSUMER_TS);
    writeFileSync(
      join(dir, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          target: 'ES2022',
          module: 'NodeNext',
          moduleResolution: 'NodeNext',
          strict: true,
          noEmit: true,
          skipLibCheck: true,
          types: ['node'],
          verbatimModuleSyntax: true,
          noUncheckedIndexedAccess: true,
        },
        files: ['consumer.ts'],
      }),
    );
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it("imports 'infrakit-ts' by name: the public names, a working runtime, internals hidden", async () => {
    const home = join(dir, 'home');
    const { stdout } = await run(process.execPath, [join(dir, 'consumer.mjs'), home], { cwd: dir });
    const out = JSON.parse(stdout) as { names: string[]; name: string; deep: string; provisioned: boolean; group: string };
    assert.equal(out.name, 'infrakit-ts');
    for (const name of PUBLIC_VALUES) assert.ok(out.names.includes(name), `'${name}' is not exported`);
    assert.equal(out.deep, 'ERR_PACKAGE_PATH_NOT_EXPORTED');
    assert.equal(out.provisioned, true);
    assert.equal(out.group, 'function');
    for (const internal of ['StatefulActor', 'StatelessActor', 'PluginServer', 'SocketCaller'])
      assert.ok(!out.names.includes(internal), `${internal} leaks`);
  });

  it('type-checks a TypeScript consumer (NodeNext) against the built .d.ts', async () => {
    const tsc = join(REPO, 'node_modules', 'typescript', 'bin', 'tsc');
    try {
      await run(process.execPath, [tsc, '-p', join(dir, 'tsconfig.json')], { cwd: dir });
    } catch (err) {
      const e = err as { stdout?: string; stderr?: string };
      assert.fail(`tsc failed:\n${e.stdout ?? ''}${e.stderr ?? ''}`);
    }
  });
});
