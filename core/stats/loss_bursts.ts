/**
 * Loss bursts: maximal runs of consecutive lost probes, which tell a flaky link (many bursts of
 * one) from short outages (few long bursts) at the same loss percentage.
 *
 * @module
 */

/**
 * What {@linkcode lossBursts} returns.
 *
 * @example Reading the longest burst
 * ```ts
 * import { type LossBursts, lossBursts } from "./loss_bursts.ts";
 * const bursts: LossBursts = lossBursts([true, true, true, false, true]);
 * console.log(bursts.maxLength); // 3
 * ```
 */
export interface LossBursts {
  /** Number of bursts. */
  bursts: number;
  /** Length of the longest burst, in probes; 0 when there is none. */
  maxLength: number;
  /** `sum(lengths) / bursts`, in probes; 0 when there is no burst. */
  meanLength: number;
  /** Length of each burst, in order. */
  lengths: number[];
}

/**
 * Finds loss bursts. A burst is a maximal run of consecutive `true` flags.
 *
 * Formulas: `bursts = lengths.length`, `maxLength = max(lengths)`,
 * `meanLength = sum(lengths) / bursts` (0 rather than `NaN` without bursts, so "no loss" reads
 * as zero in reports).
 *
 * @param lostFlags One flag per probe in sequence order, `true` when the probe was lost. Leave
 * failed probes (our side's errors) out before calling, as `lossPercent` does.
 * @returns The bursts.
 *
 * @example Two bursts
 * ```ts
 * import { lossBursts } from "./loss_bursts.ts";
 * const result = lossBursts([false, true, true, false, true, false]);
 * // runs of true: 2, then 1 -> mean (2 + 1) / 2 = 1.5
 * console.log(result); // { bursts: 2, maxLength: 2, meanLength: 1.5, lengths: [ 2, 1 ] }
 * ```
 */
export function lossBursts(lostFlags: readonly boolean[]): LossBursts {
  const lengths: number[] = [];
  let run = 0;
  for (const lost of lostFlags) {
    if (lost) {
      run++;
    } else if (run > 0) {
      lengths.push(run);
      run = 0;
    }
  }
  if (run > 0) lengths.push(run);
  let total = 0;
  let maxLength = 0;
  for (const length of lengths) {
    total += length;
    maxLength = Math.max(maxLength, length);
  }
  return {
    bursts: lengths.length,
    maxLength,
    meanLength: lengths.length === 0 ? 0 : total / lengths.length,
    lengths,
  };
}
