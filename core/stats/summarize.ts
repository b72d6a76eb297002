/**
 * The usual summary of a set of values: count, extremes, mean, sample standard deviation and
 * the percentiles reports show.
 *
 * @module
 */
import { percentileSorted } from "./percentile.ts";

/**
 * What {@linkcode summarize} returns. Every field but `count` is `NaN` for no values.
 *
 * @example No values
 * ```ts
 * import { summarize, type Summary } from "./summarize.ts";
 * const summary: Summary = summarize([]);
 * console.log(summary.count, summary.p95); // 0 NaN
 * ```
 */
export interface Summary {
  /** Number of values. */
  count: number;
  /** Smallest value. */
  min: number;
  /** Largest value. */
  max: number;
  /** Arithmetic mean: `sum(x) / n`. */
  mean: number;
  /** Sample standard deviation: `sqrt(sum((x - mean)^2) / (n - 1))`; `NaN` when `n < 2`. */
  stddev: number;
  /** 25th percentile (type 7, see {@linkcode percentileSorted}). */
  p25: number;
  /** Median (type 7). */
  p50: number;
  /** 95th percentile (type 7). */
  p95: number;
  /** 99th percentile (type 7). */
  p99: number;
}

/**
 * Summarizes values in any order.
 *
 * Formulas: `mean = sum(x) / n`; `stddev = sqrt(sum((x - mean)^2) / (n - 1))` (sample standard
 * deviation, two passes for accuracy; `NaN` for fewer than two values); percentiles by linear
 * interpolation between closest ranks, `h = (n - 1) * p / 100` (numpy's default).
 *
 * @param values Values in any order (typically the values of the `ok` samples). Must not
 * contain `NaN`.
 * @returns The summary; with no values, `count` is 0 and every other field is `NaN`.
 *
 * @example Round-trip times
 * ```ts
 * import { summarize } from "./summarize.ts";
 * const summary = summarize([12, 10, 14, 16, 18]);
 * // mean = 70 / 5 = 14; squared deviations 4 + 16 + 0 + 4 + 16 = 40; stddev = sqrt(40 / 4)
 * console.log(summary.mean, summary.p50, summary.stddev.toFixed(3)); // 14 14 3.162
 * ```
 */
export function summarize(values: readonly number[]): Summary {
  const count = values.length;
  if (count === 0) {
    return {
      count,
      min: NaN,
      max: NaN,
      mean: NaN,
      stddev: NaN,
      p25: NaN,
      p50: NaN,
      p95: NaN,
      p99: NaN,
    };
  }
  const sorted = values.toSorted((a, b) => a - b);
  let sum = 0;
  for (const value of sorted) sum += value;
  const mean = sum / count;
  let squares = 0;
  for (const value of sorted) squares += (value - mean) ** 2;
  return {
    count,
    min: sorted[0]!,
    max: sorted[count - 1]!,
    mean,
    stddev: count < 2 ? NaN : Math.sqrt(squares / (count - 1)),
    p25: percentileSorted(sorted, 25),
    p50: percentileSorted(sorted, 50),
    p95: percentileSorted(sorted, 95),
    p99: percentileSorted(sorted, 99),
  };
}
