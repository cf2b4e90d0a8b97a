/**
 * Mocha hooks for tests that start a real Runtime: a fresh INFRAKIT_HOME per test, and whatever
 * runtime the test put in `rt` stopped, with the home removed, afterwards.
 */
import type { Runtime } from '../../runtime/index.js';
import { removeHome, tempHome } from './cli.js';

export interface RuntimeHome {
  home: string;
  rt: Runtime | undefined;
}

export function useRuntimeHome(): RuntimeHome {
  const t: RuntimeHome = { home: '', rt: undefined };
  beforeEach(() => {
    t.home = tempHome();
  });
  afterEach(async () => {
    await t.rt?.stop();
    t.rt = undefined;
    removeHome(t.home);
  });
  return t;
}
