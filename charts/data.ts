/**
 * Chart data from the store: the bucket width for a period, the series a chart shows with
 * their buckets (read through {@linkcode Store.rollupAggregate}, so a month costs about what
 * a day does), labels, and totals over the period.
 *
 * @module
 */
import type {
  RollupRow,
  SeriesEntry,
  SeriesFilter,
  SeriesHistogram,
  SeriesKey,
  Store,
} from "../store/mod.ts";

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/**
 * Bucket widths a chart may use, smallest first. From a minute on, every width is a whole
 * number of minutes and divides a day, so buckets line up with the store's rollups.
 *
 * @example
 * ```ts
 * import { NICE_BUCKETS_MS } from "./data.ts";
 * console.log(NICE_BUCKETS_MS.at(-1)); // 86400000
 * ```
 */
export const NICE_BUCKETS_MS: readonly number[] = [
  SECOND,
  5 * SECOND,
  10 * SECOND,
  30 * SECOND,
  MINUTE,
  5 * MINUTE,
  15 * MINUTE,
  30 * MINUTE,
  HOUR,
  2 * HOUR,
  3 * HOUR,
  6 * HOUR,
  12 * HOUR,
  DAY,
];

/**
 * Options for {@linkcode chooseBucket}.
 *
 * @example
 * ```ts
 * import type { ChooseBucketOptions } from "./data.ts";
 * const options: ChooseBucketOptions = { maxBuckets: 300 };
 * ```
 */
export interface ChooseBucketOptions {
  /**
   * Most buckets over the period.
   *
   * @default {600}
   */
  maxBuckets?: number;
}

/**
 * The bucket width for a period: the smallest of {@linkcode NICE_BUCKETS_MS} that gives at
 * most `maxBuckets` buckets (whole days beyond). So a day gets 5-minute buckets (288), four
 * hours 30 seconds (480), thirty days 2 hours (360): every period draws a few hundred points.
 *
 * @param periodMs Length of the period.
 * @param options The most buckets.
 * @returns The width in ms.
 * @throws {RangeError} When the period is not positive.
 *
 * @example
 * ```ts
 * import { chooseBucket } from "./data.ts";
 * console.log(chooseBucket(86_400_000), chooseBucket(30 * 86_400_000)); // 300000 7200000
 * ```
 */
export function chooseBucket(periodMs: number, options: ChooseBucketOptions = {}): number {
  const { maxBuckets = 600 } = options;
  if (!(periodMs > 0)) throw new RangeError(`Period "${periodMs}" ms is not positive`);
  for (const width of NICE_BUCKETS_MS) {
    if (periodMs / width <= maxBuckets) return width;
  }
  return Math.ceil(periodMs / maxBuckets / DAY) * DAY;
}

/**
 * One series of a chart, with its buckets over the period.
 *
 * @example
 * ```ts
 * import type { ChartSeries } from "./data.ts";
 * const series: ChartSeries = {
 *   id: 1, plugin: "icmp", target: "vienna", interface: "eth0", server: "", metric: "rtt", unit: "ms",
 *   label: "vienna @eth0", rows: [],
 * };
 * ```
 */
export interface ChartSeries extends SeriesEntry {
  /** Its name on the chart, unique among the chart's series. */
  label: string;
  /** Its buckets, oldest first (only those holding samples). */
  rows: RollupRow[];
}

/**
 * Which series a chart shows, for {@linkcode matchingSeries}.
 *
 * @example Round trips in ms
 * ```ts
 * import type { SeriesChoice } from "./data.ts";
 * const choice: SeriesChoice = { metrics: ["rtt"], units: ["ms"], filter: { interface: "eth0" } };
 * ```
 */
export interface SeriesChoice {
  /**
   * The user's filter.
   *
   * @default {{}}
   */
  filter?: SeriesFilter;
  /** Metrics the chart shows, unless the filter names one. */
  metrics: readonly string[];
  /**
   * Only series whose unit is one of these.
   *
   * @default {any unit}
   */
  units?: readonly string[];
}

/**
 * The series matching the user's filter whose metric is one of `metrics` (or the filter's
 * metric) and whose unit is one of `units`, without reading any sample.
 *
 * @param store The store.
 * @param choice Filter, metrics, units.
 * @returns The series, in the store's order.
 *
 * @example
 * ```ts
 * import { Store } from "../store/mod.ts";
 * import { matchingSeries } from "./data.ts";
 * const store = Store.open(":memory:");
 * store.seriesId({ plugin: "icmp", target: "a", interface: "", server: "", metric: "rtt", unit: "ms" });
 * store.seriesId({ plugin: "dns", target: "a", interface: "", server: "", metric: "resolve_time", unit: "ms" });
 * console.log(matchingSeries(store, { metrics: ["rtt"] }).map((s) => s.plugin)); // [ "icmp" ]
 * console.log(matchingSeries(store, { metrics: ["rtt"], filter: { metric: "resolve_time" } }).length); // 1
 * store.close();
 * ```
 */
export function matchingSeries(store: Store, choice: SeriesChoice): SeriesEntry[] {
  const { filter = {}, metrics, units } = choice;
  return store.findSeries(filter).filter((series) =>
    (filter.metric !== undefined || metrics.includes(series.metric)) &&
    (units === undefined || units.includes(series.unit))
  );
}

/**
 * Labels series with {@linkcode seriesLabels} and orders them by interface, then label, so
 * one interface's series sit together.
 *
 * @param series The series.
 * @returns The same series with labels, ordered.
 *
 * @example
 * ```ts
 * import { labelSeries } from "./data.ts";
 * const key = { plugin: "icmp", target: "vienna", server: "", metric: "rtt", unit: "ms" };
 * const labelled = labelSeries([{ ...key, id: 1, interface: "wlan0" }, { ...key, id: 2, interface: "eth0" }]);
 * console.log(labelled.map((s) => s.label)); // [ "vienna @eth0", "vienna @wlan0" ]
 * ```
 */
export function labelSeries<T extends SeriesEntry>(
  series: readonly T[],
): (T & { label: string })[] {
  const labels = seriesLabels(series);
  return series.map((s, i) => ({ ...s, label: labels[i]! }))
    .sort((a, b) => a.interface.localeCompare(b.interface) || a.label.localeCompare(b.label));
}

/**
 * Options for {@linkcode loadSeries}.
 *
 * @example The round trips of one interface over a day
 * ```ts
 * import type { LoadSeriesOptions } from "./data.ts";
 * const options: LoadSeriesOptions = {
 *   start: 0, end: 86_400_000, bucketMs: 300_000, filter: { interface: "eth0" }, metrics: ["rtt"],
 * };
 * ```
 */
export interface LoadSeriesOptions extends SeriesChoice {
  /** First millisecond. */
  start: number;
  /** First millisecond after the period. */
  end: number;
  /** Bucket width to start from. */
  bucketMs: number;
  /**
   * Fewest samples a typical bucket should hold: with fewer (probes far apart), buckets are
   * widened to a larger width of {@linkcode NICE_BUCKETS_MS}, so that min, max and
   * percentiles mean something.
   *
   * @default {10}
   */
  minSamples?: number;
}

/**
 * Series of a chart with their buckets, and the bucket width they were read with.
 *
 * @example
 * ```ts
 * import type { LoadedSeries } from "./data.ts";
 * const loaded: LoadedSeries = { series: [], bucketMs: 300_000 };
 * ```
 */
export interface LoadedSeries {
  /** The series with data, labelled and ordered. */
  series: ChartSeries[];
  /** The bucket width. */
  bucketMs: number;
}

/**
 * Reads the series a chart shows ({@linkcode matchingSeries}) that hold samples in the
 * period, with their buckets, labelled and ordered ({@linkcode labelSeries}). When the median
 * bucket holds fewer than `minSamples` samples, reads again with wider buckets.
 *
 * @param store The store.
 * @param options Period, bucket, filter, metrics.
 * @returns The series with data and the bucket width used.
 *
 * @example Probes a minute apart get 15-minute buckets (10 samples each at least)
 * ```ts
 * import { Store } from "../store/mod.ts";
 * import { loadSeries } from "./data.ts";
 * const store = Store.open(":memory:");
 * const runId = store.startRun({ startedAt: 0, recipeName: "d", recipeText: "", effectiveRecipe: {}, toolVersion: "0" });
 * const seriesId = store.seriesId({ plugin: "icmp", target: "a", interface: "eth0", server: "", metric: "rtt", unit: "ms" });
 * store.insertSamples(Array.from({ length: 60 }, (_, i) => ({ seriesId, ts: i * 60_000, value: 12, status: "ok" as const, runId })));
 * const { series, bucketMs } = loadSeries(store, { start: 0, end: 3_600_000, bucketMs: 10_000, metrics: ["rtt"] });
 * console.log(series[0]?.label, series[0]?.rows.length, bucketMs); // a @eth0 4 900000
 * store.close();
 * ```
 */
export function loadSeries(store: Store, options: LoadSeriesOptions): LoadedSeries {
  const { start, end, minSamples = 10 } = options;
  const found = matchingSeries(store, options);
  const seriesIds = found.map((s) => s.id);
  let bucketMs = options.bucketMs;
  let rows = store.rollupAggregate({ seriesIds, start, end, bucketMs });
  for (;;) {
    const counts = rows.map((row) => row.count).sort((a, b) => a - b);
    const typical = counts[Math.floor(counts.length / 2)];
    if (typical === undefined || typical >= minSamples) break;
    const wider = widerBucket(bucketMs, bucketMs * minSamples / typical);
    if (wider >= end - start) break;
    bucketMs = wider;
    rows = store.rollupAggregate({ seriesIds, start, end, bucketMs });
  }
  const bySeries = new Map<number, RollupRow[]>();
  for (const row of rows) {
    const list = bySeries.get(row.seriesId);
    if (list === undefined) bySeries.set(row.seriesId, [row]);
    else list.push(row);
  }
  const series = labelSeries(
    found.filter((s) => bySeries.has(s.id)).map((s) => ({ ...s, rows: bySeries.get(s.id)! })),
  );
  return { series, bucketMs };
}

/**
 * The smallest width of {@linkcode NICE_BUCKETS_MS} (or whole days) at or above `atLeast`
 * and above `current`.
 *
 * @param current The width now.
 * @param atLeast The width wanted.
 * @returns The wider width.
 *
 * @example
 * ```ts
 * import { widerBucket } from "./data.ts";
 * console.log(widerBucket(30_000, 100_000), widerBucket(86_400_000, 1)); // 300000 172800000
 * ```
 */
export function widerBucket(current: number, atLeast: number): number {
  for (const width of NICE_BUCKETS_MS) {
    if (width > current && width >= atLeast) return width;
  }
  return Math.max(current + DAY, Math.ceil(atLeast / DAY) * DAY);
}

/**
 * Names for series on one chart: the target (or the plugin when there is none), `via` the
 * server, `@` the interface; the metric is added when that alone does not tell them apart,
 * then the plugin.
 *
 * @param series The series, in any order.
 * @returns One label per series, same order.
 *
 * @example
 * ```ts
 * import { seriesLabels } from "./data.ts";
 * const key = { plugin: "udp-echo", target: "", interface: "", server: "vienna", unit: "ms" };
 * console.log(seriesLabels([{ ...key, metric: "rtt" }, { ...key, metric: "owd_up" }]));
 * // [ "udp-echo via vienna rtt", "udp-echo via vienna owd_up" ]
 * ```
 */
export function seriesLabels(series: readonly SeriesKey[]): string[] {
  const base = series.map((s) => {
    let label = s.target || s.plugin;
    if (s.server) label += ` via ${s.server}`;
    if (s.interface) label += ` @${s.interface}`;
    return label;
  });
  const withMetric = base.map((label, i) =>
    base.indexOf(label) !== base.lastIndexOf(label) ? `${label} ${series[i]!.metric}` : label
  );
  return withMetric.map((label, i) =>
    withMetric.indexOf(label) !== withMetric.lastIndexOf(label)
      ? `${label} (${series[i]!.plugin})`
      : label
  );
}

/**
 * Figures over a whole period, folded from buckets. Exact but for `ipdv`, which leaves out
 * the differences across bucket edges (one per bucket, so a few parts per thousand).
 *
 * @example
 * ```ts
 * import type { PeriodTotals } from "./data.ts";
 * const totals: PeriodTotals = { count: 100, lost: 2, okCount: 98, lossPct: 2, avg: 15, ipdv: 0.8, max: 40 };
 * ```
 */
export interface PeriodTotals {
  /** Rows. */
  count: number;
  /** Rows not ok. */
  lost: number;
  /** Ok values. */
  okCount: number;
  /** `lost / count * 100`, `null` without rows. */
  lossPct: number | null;
  /** Mean of the ok values. */
  avg: number | null;
  /** Mean absolute difference of consecutive ok values. */
  ipdv: number | null;
  /** Largest ok value. */
  max: number | null;
}

/**
 * Folds buckets into figures over the period.
 *
 * @param rows Buckets of one series (or of several, merged).
 * @returns The totals.
 *
 * @example
 * ```ts
 * import { periodTotals } from "./data.ts";
 * const row = { seriesId: 1, count: 10, lost: 1, okCount: 9, min: 1, max: 3, p50: 2, p95: 3, p99: 3, stddev: 1, exact: true };
 * const totals = periodTotals([{ ...row, bucketStart: 0, avg: 2, ipdv: 1 }, { ...row, bucketStart: 60_000, avg: 4, ipdv: 0.5 }]);
 * console.log(totals.lossPct, totals.avg, totals.ipdv); // 10 3 0.75
 * ```
 */
export function periodTotals(rows: readonly RollupRow[]): PeriodTotals {
  let count = 0, lost = 0, okCount = 0, sum = 0, ipdvSum = 0, ipdvCount = 0;
  let max: number | null = null;
  for (const row of rows) {
    count += row.count;
    lost += row.lost;
    okCount += row.okCount;
    if (row.avg !== null) sum += row.avg * row.okCount;
    if (row.ipdv !== null) {
      ipdvSum += row.ipdv * (row.okCount - 1);
      ipdvCount += row.okCount - 1;
    }
    if (row.max !== null && (max === null || row.max > max)) max = row.max;
  }
  return {
    count,
    lost,
    okCount,
    lossPct: count > 0 ? lost / count * 100 : null,
    avg: okCount > 0 ? sum / okCount : null,
    ipdv: ipdvCount > 0 ? ipdvSum / ipdvCount : null,
    max,
  };
}

/**
 * Whether a unit is a rate of bits or bytes, e.g. `"Mbit/s"`.
 *
 * @param unit A unit.
 * @returns `true` for throughput units.
 *
 * @example
 * ```ts
 * import { isThroughputUnit } from "./data.ts";
 * console.log(isThroughputUnit("Mbit/s"), isThroughputUnit("ms")); // true false
 * ```
 */
export function isThroughputUnit(unit: string): boolean {
  return /^[kMGT]?(bit|b|B|byte)(ps|\/s)$/.test(unit);
}

/**
 * A percentile of a histogram from {@linkcode Store.rollupHistogram}: the value of the bin
 * holding that rank, within 1 % of the exact percentile (the ends are the exact min and max).
 *
 * @param histogram The histogram.
 * @param p Percentile, 0 to 100.
 * @returns The value, `null` when the histogram holds no values.
 *
 * @example
 * ```ts
 * import { histogramQuantile } from "./data.ts";
 * const histogram = {
 *   seriesId: 1, count: 4, lost: 0, okCount: 4, min: 10, max: 30,
 *   bins: [{ lower: 9.9, upper: 10.1, value: 10, count: 3 }, { lower: 29.7, upper: 30.3, value: 30, count: 1 }],
 * };
 * console.log(histogramQuantile(histogram, 50), histogramQuantile(histogram, 100)); // 10 30
 * ```
 */
export function histogramQuantile(histogram: SeriesHistogram, p: number): number | null {
  const { okCount, min, max } = histogram;
  if (okCount === 0 || min === null || max === null) return null;
  const rank = Math.round((okCount - 1) * p / 100);
  if (rank <= 0) return min;
  if (rank >= okCount - 1) return max;
  let seen = 0;
  for (const bin of histogram.bins) {
    seen += bin.count;
    if (rank < seen) return Math.min(max, Math.max(min, bin.value));
  }
  return max;
}
