/**
 * Inter-packet delay variation (IPDV) as irtt and the Cloudflare speed test report it: the mean
 * absolute difference between the delays of consecutive received packets.
 *
 * @module
 */

/**
 * Signed differences of consecutive received delays, `D(i) = d(i) - d(i-1)` (the IPDV of
 * RFC 5481, section 1.2, with the previous received packet as the selection function).
 * Lost samples (`null`) are skipped, so each difference spans any gap.
 *
 * @param delays Delays (one-way or round-trip) in arrival order; `null` for a lost sample.
 * @returns `max(0, received - 1)` differences, in order.
 *
 * @example Differences across a lost sample
 * ```ts
 * import { delayDifferences } from "./ipdv.ts";
 * console.log(delayDifferences([10, 14, null, 11])); // [ 4, -3 ]
 * ```
 */
export function delayDifferences(delays: readonly (number | null)[]): number[] {
  const differences: number[] = [];
  let previous: number | null = null;
  for (const delay of delays) {
    if (delay === null) continue;
    if (previous !== null) differences.push(delay - previous);
    previous = delay;
  }
  return differences;
}

/**
 * Mean IPDV: `mean(|d(i) - d(i-1)|)` over consecutive received delays (irtt's IPDV mean,
 * RFC 5481 differences taken as absolute values). Lost samples (`null`) are skipped.
 *
 * @param delays Delays in arrival order; `null` for a lost sample.
 * @returns The mean absolute difference, or `NaN` with fewer than two received values.
 *
 * @example Mean IPDV of three delays
 * ```ts
 * import { ipdv } from "./ipdv.ts";
 * // |14 - 10| = 4, |11 - 14| = 3, mean = 7 / 2
 * console.log(ipdv([10, 14, 11])); // 3.5
 * ```
 */
export function ipdv(delays: readonly (number | null)[]): number {
  const differences = delayDifferences(delays);
  if (differences.length === 0) return NaN;
  let sum = 0;
  for (const difference of differences) sum += Math.abs(difference);
  return sum / differences.length;
}
