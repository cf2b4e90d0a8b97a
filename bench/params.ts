/**
 * Params checking per call (runtime/params.ts): `validateParams` on a typical Instance.Provision and
 * Instance.DescribeInstances params object, next to a `structuredClone` of the same object (what
 * crossing to a worker already costs per call), both measured here in the same run. Also one row for
 * an invalid object (the error path, which renders the JSON pointer of the bad field).
 */
import { InstanceParams } from '../actors/spi/instance.js';
import { validateParams } from '../runtime/params.js';
import type { Schema } from '../runtime/schema.js';
import type { BenchResult } from './result.js';

const N = 200_000;
const ROUNDS = 5;

const PROVISION = {
  Type: '',
  Spec: {
    Properties: { v: 1, cpu: 2, image: 'ubuntu-22.04' },
    Tags: { 'infrakit.group': 'workers', 'infrakit.config.hash': 'abcdef0123456789', tier: 'bench' },
    Init: 'echo hello',
    LogicalID: null,
    Attachments: null,
  },
};
const DESCRIBE = { Type: '', Tags: { 'infrakit.group': 'workers' }, Properties: false };
const BAD_PROVISION = { Type: '', Spec: { ...PROVISION.Spec, Tags: { 'infrakit.group': 7 } } };

let sink: unknown;

/** Nanoseconds per call of `fn`, best of ROUNDS rounds of N calls (after one warm-up round). */
function nsPerCall(fn: () => void, n = N): number {
  let best = Infinity;
  for (let r = 0; r <= ROUNDS; r++) {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < n; i++) fn();
    const ns = Number(process.hrtime.bigint() - t0) / n;
    if (r > 0) best = Math.min(best, ns);
  }
  return best;
}

function row(measure: string, schema: Schema, params: object): BenchResult {
  const ours = nsPerCall(() => {
    sink = validateParams(schema, params);
  });
  const baseline = nsPerCall(() => {
    sink = structuredClone(params);
  });
  return { measure, ours, baseline, unit: 'ns/call', ratio: ours / baseline, baselineIs: 'structuredClone of the same object' };
}

export function run(): Promise<BenchResult[]> {
  const out = [
    row('validateParams, Instance.Provision', InstanceParams.Provision, PROVISION),
    row('validateParams, Instance.DescribeInstances', InstanceParams.DescribeInstances, DESCRIBE),
  ];
  const bad = nsPerCall(() => {
    try {
      validateParams(InstanceParams.Provision, BAD_PROVISION);
    } catch (e) {
      sink = e;
    }
  }, N / 10);
  const clone = nsPerCall(() => {
    sink = structuredClone(BAD_PROVISION);
  }, N / 10);
  out.push({
    measure: 'validateParams, invalid Provision (error thrown)',
    ours: bad,
    baseline: clone,
    unit: 'ns/call',
    ratio: bad / clone,
    baselineIs: 'structuredClone of the same object',
    note: '/Spec/Tags: Expected union value',
  });
  void sink;
  return Promise.resolve(out);
}

// `node dist/bench/params.js` runs this bench alone.
if (import.meta.url === `file://${process.argv[1]}`) {
  for (const r of await run())
    console.log(`${r.measure}: ${r.ours.toFixed(0)} ${r.unit} (baseline ${r.baseline.toFixed(0)} ${r.unit}, ${r.ratio.toFixed(2)}x)`);
}
