/**
 * Percentiles by linear interpolation between closest ranks (Hyndman and Fan type 7, the
 * default of numpy, R and spreadsheets).
 *
 * @module
 */

/**
 * Throws when `p` is not a percentile.
 *
 * @param p The candidate, expected in 0..100.
 */
function checkPercentile(p: number): void {
  if (!(p >= 0 && p <= 100)) {
    throw new RangeError(`Percentile must be between 0 and 100: "${p}"`);
  }
}

/**
 * The `p`-th percentile of values that are already sorted ascending.
 *
 * Formula (type 7): with `n` values `x[0] <= ... <= x[n-1]`, `h = (n - 1) * p / 100`,
 * `lo = floor(h)`, and the result is `x[lo] + (h - lo) * (x[lo + 1] - x[lo])`
 * (just `x[lo]` when `h` is a whole number).
 *
 * @param sorted Values sorted ascending (not checked). Must not contain `NaN`.
 * @param p The percentile, 0 to 100 (0 is the minimum, 50 the median, 100 the maximum).
 * @returns The percentile, or `NaN` when `sorted` is empty.
 * @throws {RangeError} When `p` is outside 0..100 or `NaN`.
 *
 * @example The 95th percentile of 1..10
 * ```ts
 * import { percentileSorted } from "./percentile.ts";
 * // h = 9 * 0.95 = 8.55, so x[8] + 0.55 * (x[9] - x[8]) = 9 + 0.55 = 9.55
 * console.log(percentileSorted([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 95)); // 9.55
 * ```
 */
export function percentileSorted(sorted: readonly number[], p: number): number {
  checkPercentile(p);
  const n = sorted.length;
  if (n === 0) return NaN;
  const h = (n - 1) * p / 100;
  const lo = Math.floor(h);
  const below = sorted[lo]!;
  const fraction = h - lo;
  if (fraction === 0 || lo + 1 >= n) return below;
  return below + fraction * (sorted[lo + 1]! - below);
}

/**
 * The `p`-th percentile of values in any order; sorts a copy, then applies
 * {@linkcode percentileSorted} (`h = (n - 1) * p / 100`, linear interpolation between the
 * closest ranks). To take several percentiles of the same values, sort once and call
 * {@linkcode percentileSorted}.
 *
 * @param values Values in any order. Must not contain `NaN`.
 * @param p The percentile, 0 to 100.
 * @returns The percentile, or `NaN` when `values` is empty.
 * @throws {RangeError} When `p` is outside 0..100 or `NaN`.
 *
 * @example The median of unsorted values
 * ```ts
 * import { percentile } from "./percentile.ts";
 * // sorted: [10, 20, 30, 40]; h = 3 * 0.5 = 1.5, so 20 + 0.5 * (30 - 20) = 25
 * console.log(percentile([40, 10, 30, 20], 50)); // 25
 * ```
 */
export function percentile(values: readonly number[], p: number): number {
  checkPercentile(p);
  return percentileSorted(values.toSorted((a, b) => a - b), p);
}
