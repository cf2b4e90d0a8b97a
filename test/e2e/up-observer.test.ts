/**
 * `infrakit-ts up` serves the observer: it prints the address, the address answers with the actors of
 * this `up`, `--http off` serves none, and a non-loopback `--http` without `--http-public` is a usage error (exit 2)
 * before any socket is bound.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { removeHome, runCli, tempHome, UpProcess } from '../helpers/cli.js';
import { waitFor } from '../helpers/wait.js';

describe('e2e: up serves the observer', function () {
  this.timeout(120_000);
  const homes: string[] = [];
  const ups: UpProcess[] = [];
  const home = () => {
    const h = tempHome();
    homes.push(h);
    return h;
  };
  afterEach(async () => {
    for (const up of ups.splice(0)) await up.interrupt();
    for (const h of homes.splice(0)) removeHome(h);
  });

  it('prints the observer address, which lists the actors of this up', async () => {
    const up = new UpProcess(home(), ['--http', '127.0.0.1:0']);
    ups.push(up);
    await up.ready();
    const url = /Observer: (http:\/\/127\.0\.0\.1:\d+\/)/.exec(up.stdout)?.[1];
    assert.ok(url, up.stdout);
    const actors = (await (await fetch(`${url}api/actors`)).json()) as { name: string }[];
    assert.deepEqual(
      actors.map((a) => a.name),
      ['group', 'simulator', 'file', 'process', 'vanilla', 'combo'],
    );
    const metrics = await (await fetch(`${url}metrics`)).text();
    assert.match(metrics, /^infrakit_actor_up\{actor="combo",kind="stateful",state="running"\} 1$/m);
    assert.equal(await up.interrupt(), 0, up.exitReport());
    await assert.rejects(fetch(`${url}api/actors`)); // closed with up
  });

  it('--http off serves none; -o json says so', async () => {
    const up = new UpProcess(home(), ['--http', 'off', '-o', 'json']);
    ups.push(up);
    await up.ready();
    const out = JSON.parse(await waitForJson(up)) as { observer: string | null };
    assert.equal(out.observer, null);
  });

  it('a non-loopback --http without --http-public is a usage error (exit 2) before anything is bound', async () => {
    const h = home();
    const r = await runCli(h, ['up', '--http', '0.0.0.0:0']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /not a loopback address: add --http-public/);
    assert.equal(existsSync(join(h, 'plugins', 'group')), false);
  });
});

/** `up -o json` prints one JSON document once up; read it whole. */
function waitForJson(up: UpProcess): Promise<string> {
  return waitFor('the whole JSON document', () => {
    try {
      JSON.parse(up.stdout);
      return up.stdout;
    } catch {
      return undefined;
    }
  });
}
