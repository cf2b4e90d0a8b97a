/**
 * Params schemas are plain JSON Schema: the subset the runtime checks (runtime/params.ts) and
 * `/info/api.json` shows. Build them with `S` below, by hand, or with TypeBox (also JSON Schema):
 * all three work the same, within the keywords params.ts checks (others are refused at load).
 * `S` exists so that a worker need not load a schema library (a cost per thread, bench/RESULTS.md):
 * `S.object({ Type: S.optional(S.string()), Spec: S.object({ Tags: S.nullable(S.record(S.string())) }) })`.
 */

/**
 * The JSON Schema keywords the runtime checks (runtime/params.ts). A schema using any other
 * keyword (`format`, `oneOf`, `exclusiveMinimum`…) is refused when the actor's definition is loaded,
 * naming the keyword and the method, so a schema never silently means less than it says.
 * `$ref` is local only (`#/definitions/…`, `#/$defs/…`, `#`). Annotations (`description`, `title`,
 * `default`, `examples`, `$comment`, `$id`, `$schema`, `readOnly`, `writeOnly`, `deprecated`) are kept.
 */
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
  readonly minLength?: number;
  readonly maxLength?: number;
  readonly pattern?: string;
  readonly minItems?: number;
  readonly maxItems?: number;
  readonly const?: unknown;
  readonly enum?: readonly unknown[];
  readonly $ref?: string;
  readonly definitions?: Readonly<Record<string, Schema>>;
  readonly $defs?: Readonly<Record<string, Schema>>;
  readonly description?: string;
  readonly title?: string;
  readonly default?: unknown;
  readonly examples?: readonly unknown[];
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
