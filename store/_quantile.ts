/**
 * Percentiles of sorted values, linear interpolation between closest ranks (numpy's default:
 * rank `(n - 1) * p`). Private to the store; core/stats.ts may offer the same.
 *
 * @module
 */

/**
 * The `p`-th percentile of the first `length` values of a sorted array.
 *
 * @param sorted Values in ascending order.
 * @param length How many of them count.
 * @param p Percentile, 0 to 100.
 * @returns The interpolated value, `null` when `length` is 0.
 */
export function _quantile(sorted: ArrayLike<number>, length: number, p: number): number | null {
  if (length <= 0) return null;
  const rank = (length - 1) * (p / 100);
  const below = Math.floor(rank);
  const low = sorted[below]!;
  const fraction = rank - below;
  if (fraction === 0) return low;
  const high = sorted[below + 1]!;
  return low + (high - low) * fraction;
}
