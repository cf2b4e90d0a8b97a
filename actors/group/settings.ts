/**
 * One commit of a group, parsed once: its spec, its properties and their config hash, and what every
 * provision of that commit sends the same (the Allocation, a cattle instance's tags and Prepare spec).
 * A commit makes a new value, so what is built here is built once per commit and never changed.
 */
import { TAG_CONFIG_HASH, TAG_GROUP, TAG_LOGICAL_ID, type Allocation, type InstanceSpec, type Tags } from '../spi/common.js';
import { propertiesHash, type GroupProperties, type GroupSpecRecord } from './properties.js';

export class GroupSettings {
  readonly hash: string;
  #allocation: Allocation | undefined;
  #cattle: { readonly tags: Readonly<Tags>; readonly spec: Readonly<InstanceSpec> } | undefined;

  constructor(
    readonly spec: GroupSpecRecord,
    readonly props: GroupProperties,
  ) {
    this.hash = propertiesHash(props);
  }

  /** The Allocation sent with every Prepare. */
  get allocation(): Allocation {
    return (this.#allocation ??= {
      Size: this.props.size,
      LogicalIDs: this.props.logicalIds === null ? null : [...this.props.logicalIds],
    });
  }

  /**
   * The tags and the Prepare spec of an instance with no logical ID (cattle): the same for every such
   * provision, so frozen and shared by every call. A batch of calls posted in one turn then carries each
   * once (structured clone sends a shared object once); the plugins see the same values as before.
   */
  get cattle(): { readonly tags: Readonly<Tags>; readonly spec: Readonly<InstanceSpec> } {
    if (this.#cattle === undefined) {
      const tags = Object.freeze(this.tags(null));
      const spec = { Properties: this.props.instance.Properties, Tags: tags, Init: '', LogicalID: null, Attachments: null };
      this.#cattle = { tags, spec: Object.freeze(spec) };
    }
    return this.#cattle;
  }

  /** The tags the group puts on a member: its group, this commit's hash, and the logical ID of a pet. */
  tags(logicalId: string | null): Tags {
    const tags: Tags = { [TAG_GROUP]: this.spec.ID, [TAG_CONFIG_HASH]: this.hash };
    if (logicalId !== null) tags[TAG_LOGICAL_ID] = logicalId;
    return tags;
  }
}

export function settingsOf(spec: GroupSpecRecord, props: GroupProperties): GroupSettings {
  return new GroupSettings(spec, props);
}
