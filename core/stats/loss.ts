/**
 * Loss percentage. A probe is `ok` (answered), `lost` (no answer in time) or `failed` (an error
 * on our side, such as a socket error, so the network was never tested). Failed probes say
 * nothing about the network: they count in neither the numerator nor the denominator.
 *
 * @module
 */
import type { SampleStatus } from "../contract.ts";

/**
 * How many samples ended each way.
 *
 * @example Counts as stored in a summary
 * ```ts
 * import type { StatusCounts } from "./loss.ts";
 * const counts: StatusCounts = { ok: 998, lost: 2, failed: 1 };
 * ```
 */
export interface StatusCounts {
  /** Answered probes. */
  ok: number;
  /** Probes without an answer in time. */
  lost: number;
  /**
   * Probes that failed on our side; left out of loss.
   *
   * @default {0}
   */
  failed?: number;
}

/**
 * Counts statuses.
 *
 * @param statuses One status per sample.
 * @returns The counts, `failed` included.
 *
 * @example Counting four samples
 * ```ts
 * import { countStatuses } from "./loss.ts";
 * console.log(countStatuses(["ok", "lost", "ok", "failed"])); // { ok: 2, lost: 1, failed: 1 }
 * ```
 */
export function countStatuses(statuses: readonly SampleStatus[]): Required<StatusCounts> {
  const counts = { ok: 0, lost: 0, failed: 0 };
  for (const status of statuses) counts[status]++;
  return counts;
}

/**
 * Loss in percent: `lost / sent * 100` with `sent = ok + lost`. Failed probes (our side's
 * errors) are excluded from both `lost` and `sent`.
 *
 * @param input Statuses, one per sample, or counts.
 * @returns The percentage, or `NaN` when nothing was sent (no samples, or only failed ones).
 *
 * @example From statuses
 * ```ts
 * import { lossPercent } from "./loss.ts";
 * // sent = 3 ok + 1 lost = 4 (the failed one is left out); 1 / 4 * 100 = 25
 * console.log(lossPercent(["ok", "ok", "lost", "failed", "ok"])); // 25
 * ```
 *
 * @example From counts
 * ```ts
 * import { lossPercent } from "./loss.ts";
 * console.log(lossPercent({ ok: 998, lost: 2 })); // 0.2
 * ```
 */
export function lossPercent(input: readonly SampleStatus[] | StatusCounts): number {
  const { ok, lost } = isStatusList(input) ? countStatuses(input) : input;
  const sent = ok + lost;
  return sent === 0 ? NaN : lost / sent * 100;
}

function isStatusList(
  input: readonly SampleStatus[] | StatusCounts,
): input is readonly SampleStatus[] {
  return Array.isArray(input);
}
