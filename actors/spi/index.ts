export {
  Nullable,
  TagsSchema,
  AttachmentSchema,
  InstanceSpecSchema,
  DescriptionSchema,
  ContextSchema,
  AllocationSchema,
  IndexSchema,
  Health,
  TAG_GROUP,
  TAG_CONFIG_HASH,
  TAG_CONFIG_SHA_V05,
  TAG_LOGICAL_ID,
  HASH_BOOTSTRAP,
  splitPluginName,
} from './common.js';
export type { Tags, Attachment, InstanceSpec, Description, Context, DestroyReason, Allocation, Index, Caller } from './common.js';
export { INSTANCE_INTERFACES, INSTANCE_METHODS, InstanceParams, InstanceClient } from './instance.js';
export type {
  ValidateInstanceRequest,
  ProvisionRequest,
  LabelRequest,
  DestroyRequest,
  DescribeInstancesRequest,
  OkResult,
  ProvisionResult,
  DescribeInstancesResult,
} from './instance.js';
export { FLAVOR_INTERFACES, FLAVOR_METHODS, FlavorParams, FlavorClient, MAX_HEALTHY_BATCH } from './flavor.js';
export type {
  ValidateFlavorRequest,
  PrepareRequest,
  HealthyRequest,
  HealthyBatchRequest,
  DrainRequest,
  PrepareResult,
  HealthyResult,
  HealthyBatchResult,
  FlavorOkResult,
} from './flavor.js';
export { GROUP_INTERFACES, GROUP_METHODS, GroupParams, GroupClient } from './group.js';
export type {
  GroupSpec,
  CommitGroupRequest,
  GroupIdRequest,
  DestroyInstancesRequest,
  SetSizeRequest,
  CommitGroupResult,
  GroupIdResult,
  DescribeGroupResult,
  InspectGroupsResult,
  SizeResult,
  RolloutControlResult,
} from './group.js';
export { uncheckedProperties } from './group-properties.js';
export type {
  GoDuration,
  GroupPluginSpec,
  GroupUpdating,
  GroupHealth,
  GroupProperties,
  UncheckedGroupProperties,
  SetAsideState,
  GroupRollout,
  GroupProblem,
  GroupLeadership,
  GroupDescription,
  InspectedGroup,
} from './group-properties.js';
export { groupClient, instanceClient, flavorClient, callerOf } from './clients.js';
export type { CallTarget } from './clients.js';
export { GROUP_EVENT_TYPES, isGroupEvent } from './group-events.js';
export type { GroupEventPayloads, GroupEventType, GroupEvent } from './group-events.js';
