/**
 * RFC 3550 interarrival jitter (section 6.4.1, appendix A.8): a running estimate that moves
 * one sixteenth of the way towards each new absolute difference.
 *
 * @module
 */

/**
 * The running RFC 3550 jitter after each pair of consecutive received values.
 *
 * Formula: `D(i-1, i) = T(i) - T(i-1)` for consecutive transit times `T`, then
 * `J(i) = J(i-1) + (|D(i-1, i)| - J(i-1)) / 16`, starting from `J = 0`. For round-trip
 * series pass the round-trip times: the difference of transits is then the difference of
 * RTTs.
 *
 * Lost samples are skipped: `null` entries are dropped, so "consecutive" means consecutive
 * received samples (the difference spans the gap).
 *
 * @param transits Transit (or round-trip) times in arrival order; `null` for a lost sample.
 * @returns One jitter value per difference, so `max(0, received - 1)` values; element `k` is
 * the estimate after the `(k + 2)`-th received value.
 *
 * @example The running estimate, skipping a lost sample
 * ```ts
 * import { rfc3550JitterSeries } from "./jitter.ts";
 * // |D| = 16, 16: J1 = 0 + (16 - 0) / 16 = 1; J2 = 1 + (16 - 1) / 16 = 1.9375
 * console.log(rfc3550JitterSeries([10, 26, null, 10])); // [ 1, 1.9375 ]
 * ```
 */
export function rfc3550JitterSeries(transits: readonly (number | null)[]): number[] {
  const series: number[] = [];
  let previous: number | null = null;
  let jitter = 0;
  for (const transit of transits) {
    if (transit === null) continue;
    if (previous !== null) {
      jitter += (Math.abs(transit - previous) - jitter) / 16;
      series.push(jitter);
    }
    previous = transit;
  }
  return series;
}

/**
 * The final RFC 3550 jitter of a series: `J(i) = J(i-1) + (|D(i-1, i)| - J(i-1)) / 16` over
 * consecutive received values, from `J = 0`; see {@linkcode rfc3550JitterSeries}. Lost samples
 * (`null`) are skipped.
 *
 * @param transits Transit (or round-trip) times in arrival order; `null` for a lost sample.
 * @returns The jitter after the last value, or `NaN` with fewer than two received values.
 *
 * @example Jitter of two round-trip times
 * ```ts
 * import { rfc3550Jitter } from "./jitter.ts";
 * // |D| = 8: J = 0 + (8 - 0) / 16 = 0.5
 * console.log(rfc3550Jitter([20, 28])); // 0.5
 * ```
 */
export function rfc3550Jitter(transits: readonly (number | null)[]): number {
  const series = rfc3550JitterSeries(transits);
  return series.length === 0 ? NaN : series[series.length - 1]!;
}
