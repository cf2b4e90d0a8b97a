/**
 * `const etcd = useEtcd()` inside a mocha `describe`: one real etcd for the suite (bench/etcd-harness.ts).
 */
import { EtcdHarness, etcdBinary, type EtcdHarnessOptions } from '../../bench/etcd-harness.js';

export { EtcdHarness, etcdBinary };

/**
 * Starts one etcd for the enclosing `describe`: `const etcd = useEtcd()`; mocha's `before` starts it
 * (skipping the suite, with a message saying why, when `etcd` is not installed), `after` stops it.
 * The returned getter throws if used before `before` ran.
 */
export function useEtcd(options: EtcdHarnessOptions = {}): () => EtcdHarness {
  let harness: EtcdHarness | undefined;
  before(async function () {
    this.timeout(30_000);
    if (etcdBinary() === undefined) {
      console.warn('    (skipped: etcd is not installed; apt-get install etcd-server, or set ETCD_BIN)');
      this.skip();
    }
    harness = await EtcdHarness.start(options);
  });
  after(async () => {
    await harness?.stop();
  });
  return () => {
    if (harness === undefined) throw new Error('etcd harness not started');
    return harness;
  };
}
