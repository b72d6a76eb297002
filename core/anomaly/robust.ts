/**
 * Robust location and spread: the median and the median absolute deviation (MAD), which an
 * incident's outliers move far less than the mean and the standard deviation.
 *
 * @module
 */
import { percentileSorted } from "../stats/percentile.ts";

/**
 * Scale that turns a MAD into an estimate of the standard deviation of normal data
 * (1 / Φ⁻¹(3/4)).
 *
 * @example A MAD of 2 as a sigma
 * ```ts
 * import { MAD_TO_SIGMA } from "./robust.ts";
 * console.log((2 * MAD_TO_SIGMA).toFixed(3)); // 2.965
 * ```
 */
export const MAD_TO_SIGMA = 1.4826;

/**
 * The median (linear interpolation between the two middle values of an even count).
 *
 * @param values The values, in any order; not changed.
 * @returns The median, `NaN` when there are none.
 *
 * @example Odd and even counts
 * ```ts
 * import { median } from "./robust.ts";
 * console.log(median([3, 1, 2]), median([4, 1, 3, 2])); // 2 2.5
 * ```
 */
export function median(values: readonly number[]): number {
  if (values.length === 0) return NaN;
  return percentileSorted([...values].sort((a, b) => a - b), 50);
}

/**
 * The median absolute deviation from a center: `median(|x - center|)`.
 *
 * @param values The values, in any order; not changed.
 * @param center Usually their median.
 * @returns The MAD, `NaN` when there are no values.
 *
 * @example One outlier barely moves it
 * ```ts
 * import { median, medianAbsoluteDeviation } from "./robust.ts";
 * const values = [10, 11, 9, 10, 12, 8, 500];
 * console.log(medianAbsoluteDeviation(values, median(values))); // 1
 * ```
 */
export function medianAbsoluteDeviation(values: readonly number[], center: number): number {
  return median(values.map((value) => Math.abs(value - center)));
}
