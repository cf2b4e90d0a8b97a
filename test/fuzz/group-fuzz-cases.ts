/**
 * Poison group specs (fast-check): `Group.CommitGroup`, `Group.SetSize` and combo's `Flavor.Validate`
 * with huge and odd numbers, deep combo nesting, odd IDs and LogicalIDs, random plugin names and odd
 * `Updating`. Used by group-fuzz.test.ts (a bounded sample) and group-fuzz-main.ts (`npm run fuzz`).
 */
import fc from 'fast-check';

/** The group spec limits of docs/limits.md that a case may break on purpose. */
export const MAX_SIZE = 100_000;
export const MAX_PROPERTIES_BYTES = 1024 * 1024;

/** A number written into the body as this exact text (`1e9`, `1E400`, `9223372036854775808`). */
export class RawNumber {
  constructor(readonly text: string) {}
}

export interface GroupCase {
  /** What the case is, for the tally and failure messages. */
  readonly kind: string;
  /** The socket it goes to. */
  readonly socket: 'group' | 'combo';
  readonly method: 'Group.CommitGroup' | 'Group.SetSize' | 'Flavor.Validate';
  readonly params: unknown;
  /** Set when the finished bounds must refuse the case with an error (never a result): why. */
  readonly mustRefuse?: string;
  /** The case resizes the group `fz-base`, which the harness commits (Size 1) first. */
  readonly needsBase?: boolean;
}

export const BASE_GROUP = 'fz-base';

/** The spec of `fz-base`: one simulated instance. */
export function baseSpec(size = 1): unknown {
  return {
    ID: BASE_GROUP,
    Properties: {
      Allocation: { Size: size },
      Instance: { Plugin: 'simulator/compute', Properties: {} },
      Flavor: { Plugin: 'vanilla', Properties: {} },
    },
  };
}

/** The JSON-RPC body of a case; RawNumber values are written as their text. */
export function groupBody(c: GroupCase, id = 1): string {
  const raws: string[] = [];
  const text = JSON.stringify({ jsonrpc: '2.0', method: c.method, params: c.params, id }, (_k, v: unknown) => {
    if (v instanceof RawNumber) {
      raws.push(v.text);
      return `@@raw${raws.length - 1}@@`;
    }
    return v;
  });
  return raws.length === 0 ? text : text.replace(/"@@raw(\d+)@@"/g, (_m, i: string) => raws[Number(i)] ?? 'null');
}

/** Whether a size value is one the bounds refuse: a number (as parsed) over MAX_SIZE. */
function overSize(v: unknown): boolean {
  const n = v instanceof RawNumber ? Number(v.text) : v;
  return typeof n === 'number' && !Number.isNaN(n) && n > MAX_SIZE;
}

const HUGE_SIZES: readonly unknown[] = [
  1e9,
  1e21,
  Number.MAX_SAFE_INTEGER,
  MAX_SIZE + 1,
  2 ** 31,
  new RawNumber('1e9'),
  new RawNumber('1E400'),
  new RawNumber('9223372036854775808'),
  new RawNumber('100001.0'),
];
const ODD_SIZES: readonly unknown[] = [
  -1,
  -0,
  0.5,
  1.5,
  -1e9,
  new RawNumber('1.0'),
  new RawNumber('-0'),
  new RawNumber('1e-400'),
  'NaN',
  'Infinity',
  '1e9',
  '5',
  '',
  null,
  true,
  [],
  {},
  [3],
];

/** Allocation.Size / SetSize's Size: mostly small, often huge, sometimes not a count at all. */
export const sizeValue: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 3, arbitrary: fc.integer({ min: 0, max: 3 }) },
  { weight: 3, arbitrary: fc.constantFrom(...HUGE_SIZES) },
  { weight: 1, arbitrary: fc.integer({ min: MAX_SIZE + 1, max: Number.MAX_SAFE_INTEGER }) },
  { weight: 2, arbitrary: fc.constantFrom(...ODD_SIZES) },
);

/** Odd texts for IDs, LogicalIDs and plugin names. */
export const oddString: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(
    '',
    ' ',
    '\u0000',
    '\t\n\r',
    '\u0007bell',
    '../../etc/passwd',
    'a/b/c',
    '.',
    '..',
    '\ud800',
    '\u202eevil',
    '🐳🐳',
    'Ω≈ç√',
    'null',
    '%s%n',
  ),
  fc.string({ unit: 'grapheme', maxLength: 20 }),
  fc.string({ unit: 'binary', maxLength: 20 }),
  fc.integer({ min: 200, max: 5000 }).map((n) => 'x'.repeat(n)),
);

const groupId: fc.Arbitrary<string> = fc.oneof(
  { weight: 3, arbitrary: fc.nat(9999).map((n) => `fz-${n}`) },
  { weight: 2, arbitrary: oddString },
  { weight: 1, arbitrary: fc.constant(BASE_GROUP) },
);

export const instancePlugin: fc.Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom('simulator/compute', 'simulator', 'simulator/disk') },
  {
    weight: 2,
    arbitrary: fc.constantFrom('simulator/nope', 'file', 'vanilla', 'group', 'combo', 'nope', 'nope/x', '', '/', 'simulator/compute/extra'),
  },
  { weight: 1, arbitrary: oddString },
);

/** Plugin names for a flavor. `process` is never an instance plugin here: it would start real children. */
const flavorName: fc.Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: fc.constant('vanilla') },
  { weight: 2, arbitrary: fc.constantFrom('simulator', 'group', 'process', 'file', 'nope', 'nope/x', '', 'vanilla/x', 'combo/x') },
  { weight: 1, arbitrary: oddString },
);

const oddValue: fc.Arbitrary<unknown> = fc.constantFrom(
  0,
  -1,
  0.5,
  1e9,
  1e21,
  Number.MAX_SAFE_INTEGER,
  '1s',
  '0s',
  'NaN',
  '-5s',
  '1e21h',
  '9999999999h',
  '',
  null,
  true,
  [],
  {},
  'drain',
  new RawNumber('1E400'),
);

/** `Updating`: absent, an odd primitive, or an object of odd settings. */
export const updating: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 2, arbitrary: fc.constant(undefined) },
  { weight: 1, arbitrary: fc.constantFrom(null, 'x', 12, [], true) },
  {
    weight: 4,
    arbitrary: fc.record(
      {
        Count: oddValue,
        Duration: oddValue,
        MaxSurge: oddValue,
        MaxUnavailable: oddValue,
        HealthTimeout: oddValue,
        SkipBeforeInstanceDestroy: oddValue,
      },
      { requiredKeys: [] },
    ),
  },
);

/** Combo properties nested `depth` levels (combo → combo → … → leaf), each level maybe with a vanilla sibling. */
export function comboNest(depth: number, leaf: string, siblings: readonly boolean[] = []): unknown {
  let props: unknown = [{ Plugin: leaf, Properties: {} }];
  for (let i = 0; i < depth; i++) {
    const level: unknown[] = [{ Plugin: 'combo', Properties: props }];
    if (siblings[i] === true) level.push({ Plugin: 'vanilla', Properties: { Init: ['echo hi'] } });
    props = level;
  }
  return props;
}

const comboDepth = fc.oneof(
  { weight: 3, arbitrary: fc.integer({ min: 0, max: 4 }) },
  { weight: 2, arbitrary: fc.integer({ min: 5, max: 64 }) },
  { weight: 1, arbitrary: fc.constant(64) },
);
const comboProperties: fc.Arbitrary<unknown> = fc
  .tuple(comboDepth, flavorName, fc.array(fc.boolean(), { maxLength: 64 }))
  .map(([d, leaf, sib]) => comboNest(d, leaf, sib));

const flavor: fc.Arbitrary<unknown> = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.record({
      Plugin: fc.constant('vanilla'),
      Properties: fc.constantFrom({}, null, { Init: ['echo hi'] }, { Init: 'x' }, { Tags: { a: 'b' } }, 7),
    }),
  },
  { weight: 3, arbitrary: fc.record({ Plugin: fc.constant('combo'), Properties: comboProperties }) },
  { weight: 1, arbitrary: fc.record({ Plugin: flavorName, Properties: fc.constantFrom({}, null, []) }) },
  { weight: 1, arbitrary: fc.constantFrom(null, 'vanilla', [], {}) },
);

const instance: fc.Arbitrary<unknown> = fc.oneof(
  {
    weight: 5,
    arbitrary: fc.record({
      Plugin: instancePlugin,
      Properties: fc.constantFrom({}, null, { Image: 'app:v1' }, { Note: '\u0000' }, 'x', []),
    }),
  },
  { weight: 1, arbitrary: fc.constantFrom(null, 'simulator', [], {}) },
);

interface LogicalIds {
  readonly value: unknown;
  readonly refuse?: string;
}

/** LogicalIDs: absent, a few odd strings (maybe duplicated), or over a limit (count, bytes). */
export const logicalIds: fc.Arbitrary<LogicalIds> = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom<LogicalIds>({ value: undefined }, { value: null }, { value: [] }) },
  {
    weight: 4,
    arbitrary: fc
      .array(oddString, { minLength: 1, maxLength: 4 })
      .map((ids): LogicalIds => (new Set(ids).size < ids.length ? { value: ids, refuse: 'duplicate LogicalIDs' } : { value: ids })),
  },
  { weight: 1, arbitrary: fc.constantFrom<LogicalIds>({ value: 'a' }, { value: [1, 2] }, { value: [null] }, { value: {} }) },
  { weight: 1, arbitrary: fc.constant<LogicalIds>({ value: ['dup', 'x', 'dup'], refuse: 'duplicate LogicalIDs' }) },
  {
    weight: 1,
    arbitrary: fc.constantFrom<LogicalIds>(
      { value: Array.from({ length: MAX_SIZE + 1 }, (_, i) => `L${i}`), refuse: `${MAX_SIZE + 1} LogicalIDs` },
      { value: ['a', 'L'.repeat(MAX_PROPERTIES_BYTES + 1)], refuse: 'a LogicalID over 1 MiB' },
    ),
  },
);

export const commitCase: fc.Arbitrary<GroupCase> = fc
  .record({
    id: groupId,
    size: sizeValue,
    lids: logicalIds,
    instance,
    flavor,
    updating,
    pretend: fc.constantFrom(undefined, false, true, 'yes', 1),
    shape: fc.constantFrom('full', 'full', 'full', 'full', 'full', 'no-spec', 'null-spec', 'props-array', 'params-array'),
  })
  .map(({ id, size, lids, instance, flavor, updating, pretend, shape }): GroupCase => {
    const allocation: Record<string, unknown> = { Size: size };
    if (lids.value !== undefined) allocation['LogicalIDs'] = lids.value;
    const props: Record<string, unknown> = { Allocation: allocation, Instance: instance, Flavor: flavor };
    if (updating !== undefined) props['Updating'] = updating;
    const spec = shape === 'props-array' ? { ID: id, Properties: [props] } : { ID: id, Properties: props };
    const params =
      shape === 'no-spec'
        ? { Pretend: pretend }
        : shape === 'null-spec'
          ? { Spec: null }
          : shape === 'params-array'
            ? [{ Spec: spec }]
            : { Spec: spec, ...(pretend === undefined ? {} : { Pretend: pretend }) };
    const full = shape === 'full' || shape === 'params-array';
    const refuse = !full ? undefined : overSize(size) ? `Size ${size instanceof RawNumber ? size.text : String(size)}` : lids.refuse;
    return {
      kind: 'commit',
      socket: 'group',
      method: 'Group.CommitGroup',
      params,
      ...(refuse === undefined ? {} : { mustRefuse: refuse }),
    };
  });

export const setSizeCase: fc.Arbitrary<GroupCase> = fc
  .record({ id: fc.oneof({ weight: 3, arbitrary: fc.constant(BASE_GROUP) }, { weight: 1, arbitrary: groupId }), size: sizeValue })
  .map(({ id, size }): GroupCase => ({
    kind: 'set-size',
    socket: 'group',
    method: 'Group.SetSize',
    params: { ID: id, Size: size },
    needsBase: id === BASE_GROUP,
    ...(overSize(size) ? { mustRefuse: `SetSize ${size instanceof RawNumber ? size.text : String(size)}` } : {}),
  }));

export const comboValidateCase: fc.Arbitrary<GroupCase> = fc
  .record({
    type: fc.constantFrom(undefined, '', 'x', '\u0000'),
    properties: fc.oneof(
      { weight: 4, arbitrary: comboProperties },
      { weight: 1, arbitrary: fc.constantFrom(null, {}, 'x', [1], [{}], [{ Plugin: '' }]) },
    ),
    size: sizeValue,
    lids: logicalIds.filter((l) => !Array.isArray(l.value) || l.value.length < 10),
  })
  .map(({ type, properties, size, lids }): GroupCase => ({
    kind: 'combo-validate',
    socket: 'combo',
    method: 'Flavor.Validate',
    params: {
      ...(type === undefined ? {} : { Type: type }),
      Properties: properties,
      Allocation: { Size: size, LogicalIDs: lids.value ?? null },
    },
  }));

/** Any group case: commits most often. */
export const groupCase: fc.Arbitrary<GroupCase> = fc.oneof(
  { weight: 5, arbitrary: commitCase },
  { weight: 2, arbitrary: setSizeCase },
  { weight: 2, arbitrary: comboValidateCase },
);

const okGroup = (
  id: string,
  allocation: unknown,
  flavorSection: unknown = { Plugin: 'vanilla', Properties: {} },
  extra: Record<string, unknown> = {},
): unknown => ({
  Spec: {
    ID: id,
    Properties: { Allocation: allocation, Instance: { Plugin: 'simulator/compute', Properties: {} }, Flavor: flavorSection, ...extra },
  },
});

/** The poison specs every run sends first, whatever the seed: what issue #12 is about. */
export function poisonCases(): GroupCase[] {
  const commit = (kind: string, params: unknown, mustRefuse?: string): GroupCase => ({
    kind,
    socket: 'group',
    method: 'Group.CommitGroup',
    params,
    ...(mustRefuse === undefined ? {} : { mustRefuse }),
  });
  return [
    commit('poison: Size 1e9', okGroup('fz-p1', { Size: 1e9 }), 'Size 1e9'),
    commit('poison: Size 1e21', okGroup('fz-p2', { Size: 1e21 }), 'Size 1e21'),
    commit('poison: Size MAX_SAFE_INTEGER', okGroup('fz-p3', { Size: Number.MAX_SAFE_INTEGER }), 'Size 2^53-1'),
    commit('poison: Size 1E400', okGroup('fz-p4', { Size: new RawNumber('1E400') }), 'Size 1E400'),
    commit('poison: Size -1', okGroup('fz-p5', { Size: -1 })),
    commit('poison: Size 0.5', okGroup('fz-p6', { Size: 0.5 })),
    commit('poison: Size "NaN"', okGroup('fz-p7', { Size: 'NaN' })),
    commit('poison: duplicate LogicalIDs', okGroup('fz-p8', { LogicalIDs: ['a', 'b', 'a'] }), 'duplicate LogicalIDs'),
    commit(
      'poison: 100,001 LogicalIDs',
      okGroup('fz-p9', { LogicalIDs: Array.from({ length: MAX_SIZE + 1 }, (_, i) => `L${i}`) }),
      `${MAX_SIZE + 1} LogicalIDs`,
    ),
    commit('poison: MaxSurge 1e9', okGroup('fz-p10', { Size: 1 }, undefined, { Updating: { MaxSurge: 1e9, MaxUnavailable: 1e21 } })),
    commit('poison: combo nested 64 deep', okGroup('fz-p11', { Size: 1 }, { Plugin: 'combo', Properties: comboNest(64, 'vanilla') })),
    {
      kind: 'poison: SetSize 1e9',
      socket: 'group',
      method: 'Group.SetSize',
      params: { ID: BASE_GROUP, Size: 1e9 },
      needsBase: true,
      mustRefuse: 'SetSize 1e9',
    },
    {
      kind: 'poison: SetSize MAX_SAFE_INTEGER',
      socket: 'group',
      method: 'Group.SetSize',
      params: { ID: BASE_GROUP, Size: Number.MAX_SAFE_INTEGER },
      needsBase: true,
      mustRefuse: 'SetSize 2^53-1',
    },
    {
      kind: 'poison: Flavor.Validate combo 64 deep',
      socket: 'combo',
      method: 'Flavor.Validate',
      params: { Properties: comboNest(64, 'vanilla'), Allocation: { Size: 1 } },
    },
    {
      kind: 'poison: Flavor.Validate combo 64 deep, vanilla at every level',
      socket: 'combo',
      method: 'Flavor.Validate',
      params: {
        Properties: comboNest(
          64,
          'vanilla',
          Array.from({ length: 64 }, () => true),
        ),
        Allocation: { Size: 1 },
      },
    },
  ];
}
