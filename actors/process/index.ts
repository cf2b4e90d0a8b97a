/**
 * The `process` instance plugin as an actor: `{ name: 'procs', module: 'process', options: {...} }`.
 * Each instance is a local child process running `Spec.Init` (see `process-plugin.ts`).
 */
import { defineActor } from '../../runtime/actor.js';
import { INSTANCE_INTERFACES, INSTANCE_METHODS } from '../spi/instance.js';
import type { DescribeInstancesRequest, DestroyRequest, LabelRequest, ProvisionRequest, ValidateInstanceRequest } from '../spi/instance.js';
import { ProcessInstancePlugin, type ProcessPluginOptions } from './process-plugin.js';

export { ProcessInstancePlugin, DEFAULTS, newInstanceId, logTail } from './process-plugin.js';
export type { ProcessPluginOptions, ProcessPluginConfig } from './process-plugin.js';
export { parseProperties } from './properties.js';
export type { ProcessProperties } from './properties.js';
export { StateStore, isSafeId } from './state-store.js';
export type { InstanceRecord, ProcessInfo } from './state-store.js';
export { childEnv, OWNED_VARS } from './child-env.js';
export {
  isSameProcessAlive,
  processStartTime,
  readProcStat,
  parseProcStat,
  isInstanceAlive,
  liveGroupMembers,
  ProcTable,
} from './proc-identity.js';
export type { GroupIdentity } from './proc-identity.js';
export { capLog } from './log-cap.js';

export const VENDOR = { name: 'infrakit-ts-instance-process', version: '0.1.0' } as const;

export default defineActor<ProcessPluginOptions>({
  manifest: { interfaces: INSTANCE_INTERFACES, vendor: VENDOR },
  methods: INSTANCE_METHODS,
  // A Destroy may wait out a grace period; Describe and Provision must not queue behind it.
  // Handlers are safe for this: per-instance locks guard every state-file change.
  concurrency: 8,
  async create(ctx) {
    ProcessInstancePlugin.checkOptions(ctx.options);
    const plugin = new ProcessInstancePlugin({
      name: ctx.name,
      home: ctx.home,
      options: ctx.options,
      log: ctx.log,
      signal: ctx.signal,
      emit: (type, payload) => ctx.emit(type, payload),
    });
    await plugin.recover();
    return {
      handlers: {
        'Instance.Validate': (p: ValidateInstanceRequest) => plugin.validate(p),
        'Instance.Provision': (p: ProvisionRequest) => plugin.provision(p),
        'Instance.Label': (p: LabelRequest) => plugin.label(p),
        'Instance.Destroy': (p: DestroyRequest) => plugin.destroy(p),
        'Instance.DescribeInstances': (p: DescribeInstancesRequest) => plugin.describeInstances(p),
      },
      // Instances outlive the actor: stopping only lets go of the handles.
      stop: () => plugin.stop(),
    };
  },
});
