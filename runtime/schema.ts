/**
 * Params schemas are plain JSON Schema: the subset the runtime checks (runtime/params.ts) and
 * `/info/api.json` shows. Build them with `S` below, write them by hand, or pass TypeBox's
 * (`Type.Object(...)` is JSON Schema too): all three work the same.
 *
 * `S` exists so that a worker does not load a schema library: TypeBox costs every thread that
 * imports it ~15 MB and ~70 ms of start-up, and each actor runs in a thread of its own.
 *
 * ```ts
 * const Provision = S.object({ Type: S.optional(S.string()), Spec: S.object({ Tags: S.nullable(S.record(S.string())) }) });
 * ```
 */

/** The JSON Schema keywords the runtime understands; anything else is kept and ignored. */
export interface Schema {
  readonly type?: string;
  readonly properties?: Readonly<Record<string, Schema>>;
  readonly required?: readonly string[];
  readonly additionalProperties?: boolean | Schema;
  readonly patternProperties?: Readonly<Record<string, Schema>>;
  readonly items?: Schema;
  readonly anyOf?: readonly Schema[];
  readonly allOf?: readonly Schema[];
  readonly minimum?: number;
  readonly maximum?: number;
  readonly const?: unknown;
  readonly enum?: readonly unknown[];
  readonly description?: string;
}

/** A property that may be left out: `S.object` leaves it out of `required`. */
const OPTIONAL: unique symbol = Symbol('infrakit-ts.optional');
type Optional<T extends Schema> = T & { readonly [OPTIONAL]: true };

function isOptional(s: Schema): boolean {
  return (s as { [OPTIONAL]?: true })[OPTIONAL] === true;
}

type Extra = Omit<Schema, 'type' | 'properties' | 'required' | 'items' | 'anyOf' | 'allOf'>;

export const S = {
  /** An object; properties wrapped in `S.optional` may be left out. Unknown keys are allowed unless `additionalProperties: false`. */
  object(properties: Readonly<Record<string, Schema>>, extra: Extra = {}): Schema {
    const required = Object.keys(properties).filter((k) => !isOptional(properties[k] as Schema));
    const props: Record<string, Schema> = {};
    for (const [k, v] of Object.entries(properties)) {
      const { [OPTIONAL]: _optional, ...plain } = v as Schema & { [OPTIONAL]?: true };
      props[k] = plain;
    }
    return { type: 'object', properties: props, ...(required.length > 0 ? { required } : {}), ...extra };
  },
  string: (extra: Extra = {}): Schema => ({ type: 'string', ...extra }),
  integer: (extra: Extra = {}): Schema => ({ type: 'integer', ...extra }),
  number: (extra: Extra = {}): Schema => ({ type: 'number', ...extra }),
  boolean: (extra: Extra = {}): Schema => ({ type: 'boolean', ...extra }),
  null: (): Schema => ({ type: 'null' }),
  /** Any JSON value (InfraKit's raw `Properties`). */
  unknown: (): Schema => ({}),
  array: (items: Schema, extra: Extra = {}): Schema => ({ type: 'array', items, ...extra }),
  /** An object whose every value fits `values` (Go's `map[string]T`). */
  record: (values: Schema): Schema => ({ type: 'object', additionalProperties: values }),
  union: (members: readonly Schema[]): Schema => ({ anyOf: members }),
  /** `T` or `null`, as Go sends nil maps, slices and pointers. */
  nullable: (s: Schema): Schema => ({ anyOf: [s, { type: 'null' }] }),
  literal: (value: string | number | boolean): Schema => ({ const: value }),
  optional: <T extends Schema>(s: T): Optional<T> => ({ ...s, [OPTIONAL]: true }),
} as const;
