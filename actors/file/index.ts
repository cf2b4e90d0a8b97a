/**
 * The `file` actor: InfraKit's file Instance plugin, one JSON file per instance.
 *
 * Options: `dir` (default `<INFRAKIT_HOME>/instances/<actor name>`).
 */
import { join } from 'node:path';
import { defineActor } from '../../runtime/actor.js';
import { INSTANCE_INTERFACES, INSTANCE_METHODS } from '../spi/instance.js';
import { FileInstances } from './file-instances.js';

export { FileInstances, decodeInstanceFile } from './file-instances.js';
export type { InstanceFile } from './file-instances.js';

export interface FilePluginOptions {
  /** Directory of the instance files. */
  dir?: string;
}

export default defineActor<FilePluginOptions>({
  manifest: { interfaces: INSTANCE_INTERFACES, vendor: { name: 'infrakit-instance-file', version: '0.3.0' } },
  methods: INSTANCE_METHODS,
  async create(ctx) {
    const dir = ctx.options?.dir ?? join(ctx.home, 'instances', ctx.name);
    const files = new FileInstances(dir, ctx.log);
    await files.init();
    ctx.log.debug({ dir }, 'file instance plugin ready');
    return {
      handlers: {
        'Instance.Validate': (p) => files.validate(p),
        'Instance.Provision': (p) => files.provision(p),
        'Instance.Label': (p) => files.label(p),
        'Instance.Destroy': (p) => files.destroy(p),
        'Instance.DescribeInstances': (p) => files.describe(p),
      },
    };
  },
});
