/**
 * Statistics in one place, each with its formula in its documentation:
 *
 * - {@linkcode percentile} / {@linkcode percentileSorted}: linear interpolation between closest
 *   ranks, `h = (n - 1) * p / 100` (Hyndman and Fan type 7, numpy's default).
 * - {@linkcode summarize}: count, min, max, mean, sample standard deviation (`n - 1`), p25, p50,
 *   p95, p99.
 * - {@linkcode rfc3550Jitter} / {@linkcode rfc3550JitterSeries}:
 *   `J(i) = J(i-1) + (|D(i-1, i)| - J(i-1)) / 16` over consecutive received values.
 * - {@linkcode ipdv} / {@linkcode delayDifferences}: mean `|d(i) - d(i-1)|` over consecutive
 *   received values.
 * - {@linkcode lossPercent} / {@linkcode countStatuses}: `lost / (ok + lost) * 100`; failed
 *   probes (our side's errors) count in neither term.
 * - {@linkcode lossBursts}: maximal runs of consecutive lost probes.
 * - {@linkcode outages}: runs of at least `minLost` lost probes lasting at least `minDuration`.
 * - {@linkcode SeriesAccumulator}: streaming totals and intervals for the live display and the
 *   run summary.
 * - {@linkcode TimeWindow}: the samples of the last `span` ms, for alerts.
 *
 * Empty input gives `NaN` from the pure functions and `null` in {@linkcode SeriesSnapshot}.
 *
 * @example Summarizing a round-trip series with losses
 * ```ts
 * import { lossPercent, rfc3550Jitter, summarize } from "./stats.ts";
 * const rtts = [20, 24, null, 22, 20];
 * const received = rtts.filter((rtt) => rtt !== null);
 * console.log(summarize(received).mean); // 21.5
 * console.log(lossPercent(rtts.map((rtt) => rtt === null ? "lost" : "ok"))); // 20
 * // |D| = 4, 2, 2: J = 0.25, then 0.25 + 1.75 / 16 = 0.359375, then 0.359375 + 1.640625 / 16
 * console.log(rfc3550Jitter(rtts)); // 0.4619140625
 * ```
 *
 * @module
 */
export { percentile, percentileSorted } from "./stats/percentile.ts";
export { summarize, type Summary } from "./stats/summarize.ts";
export { rfc3550Jitter, rfc3550JitterSeries } from "./stats/jitter.ts";
export { delayDifferences, ipdv } from "./stats/ipdv.ts";
export { countStatuses, lossPercent, type StatusCounts } from "./stats/loss.ts";
export { type LossBursts, lossBursts } from "./stats/loss_bursts.ts";
export {
  type Outage,
  OUTAGE_DEFAULTS,
  type OutageOptions,
  outages,
  type OutageSample,
} from "./stats/outages.ts";
export {
  type AccumulatorSample,
  SeriesAccumulator,
  type SeriesSnapshot,
} from "./stats/series_accumulator.ts";
export { TimeWindow, type WindowSample } from "./stats/time_window.ts";
