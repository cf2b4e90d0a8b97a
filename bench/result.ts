/** One line of a benchmark table: our figure next to a baseline measured in the same run. */
export interface BenchResult {
  readonly measure: string;
  readonly ours: number;
  readonly baseline: number;
  readonly unit: string;
  /** ours / baseline. */
  readonly ratio: number;
  readonly note?: string;
}
