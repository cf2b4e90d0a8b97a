/** One line of a benchmark table: our figure next to a baseline measured in the same run. */
export interface BenchResult {
  readonly measure: string;
  readonly ours: number;
  readonly baseline: number;
  readonly unit: string;
  /** ours / baseline. */
  readonly ratio: number;
  /** What the baseline is, e.g. "raw postMessage round trip" or "Go InfraKit (reference, not run here)". */
  readonly baselineIs?: string;
  readonly note?: string;
}
