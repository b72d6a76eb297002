/**
 * A store as a notebook reads it: open it read-only, list its series as table rows, and fetch
 * a period as plain rows (one object per series per bucket, ready for Observable Plot) or as
 * columns. Buckets are read through {@linkcode Store.rollupAggregate} with a width sized to
 * the period (see {@linkcode chooseBucket}), so a month costs about what a day does.
 *
 * @module
 */
import { chooseBucket, loadSeries } from "../charts/data.ts";
import { BufferbaneError, ErrorCode } from "../core/errors.ts";
import { type SeriesFilter, Store } from "../store/mod.ts";

/**
 * Opens a store read-only: nothing is created, migrated or written.
 *
 * @param path The store file.
 * @returns The open store; close it with `store.close()`.
 * @throws {BufferbaneError} `STORE_OPEN` when the file does not exist or cannot be opened.
 *
 * @example Opening a store that does not exist
 * ```ts
 * import { openStore } from "./store_access.ts";
 * try {
 *   openStore("/tmp/no-such-notebook-store.db");
 * } catch (error) {
 *   console.log((error as Error).message);
 *   // Cannot open store "/tmp/no-such-notebook-store.db": the file does not exist
 * }
 * ```
 */
export function openStore(path: string): Store {
  return Store.open(path, { readOnly: true });
}

/**
 * One series as {@linkcode seriesTable} lists it.
 *
 * @example An ICMP series over WiFi
 * ```ts
 * import type { SeriesTableRow } from "./store_access.ts";
 * const row: SeriesTableRow = {
 *   id: 1, plugin: "icmp", target: "vienna", interface: "wlan0", server: "", metric: "rtt",
 *   unit: "ms", samples: 2880, first: new Date(0), last: new Date(60_000),
 * };
 * ```
 */
export interface SeriesTableRow {
  /** Stored id. */
  id: number;
  /** Plugin id. */
  plugin: string;
  /** Target, `""` when none. */
  target: string;
  /** Interface, `""` for the default route. */
  interface: string;
  /** Server, `""` when none. */
  server: string;
  /** Metric name. */
  metric: string;
  /** Unit of the metric. */
  unit: string;
  /** Samples stored, lost ones included. */
  samples: number;
  /** Time of the first sample, `null` when there is none. */
  first: Date | null;
  /** Time of the last sample, `null` when there is none. */
  last: Date | null;
}

/**
 * Lists the series of a store matching a filter, with their sample counts and first and last
 * sample times as dates.
 *
 * @param store An open store.
 * @param filter Exact matches on series fields; fields left out match everything.
 * @returns One row per series, ordered by plugin, target, interface, server, metric.
 *
 * @example The series of one interface
 * ```ts
 * import { Store } from "../store/mod.ts";
 * import { seriesTable } from "./store_access.ts";
 * const store = Store.open(":memory:");
 * store.seriesId({ plugin: "icmp", target: "a", interface: "eth0", server: "", metric: "rtt", unit: "ms" });
 * store.seriesId({ plugin: "icmp", target: "a", interface: "wlan0", server: "", metric: "rtt", unit: "ms" });
 * console.log(seriesTable(store, { interface: "wlan0" }).map((row) => [row.interface, row.samples]));
 * // [ [ "wlan0", 0 ] ]
 * store.close();
 * ```
 */
export function seriesTable(store: Store, filter: SeriesFilter = {}): SeriesTableRow[] {
  return store.listSeries(filter).map((s) => ({
    id: s.id,
    plugin: s.plugin,
    target: s.target,
    interface: s.interface,
    server: s.server,
    metric: s.metric,
    unit: s.unit,
    samples: s.sampleCount,
    first: s.firstTs === null ? null : new Date(s.firstTs),
    last: s.lastTs === null ? null : new Date(s.lastTs),
  }));
}

/**
 * A half-open period in milliseconds since the Unix epoch.
 *
 * @example One day
 * ```ts
 * import type { DataPeriod } from "./store_access.ts";
 * const day: DataPeriod = { start: 0, end: 86_400_000 };
 * ```
 */
export interface DataPeriod {
  /** First millisecond. */
  start: number;
  /** First millisecond after the period. */
  end: number;
}

/**
 * The period the samples of the matching series span: from the first sample to just after
 * the last one. Reads only the `(series_id, ts)` index, so it is instant on a large store.
 *
 * @param store An open store.
 * @param filter Which series; fields left out match everything.
 * @returns The period, or `undefined` when the series hold no samples.
 *
 * @example Two samples a minute apart
 * ```ts
 * import { Store } from "../store/mod.ts";
 * import { dataPeriod } from "./store_access.ts";
 * const store = Store.open(":memory:");
 * const runId = store.startRun({ startedAt: 0, recipeName: "d", recipeText: "", effectiveRecipe: {}, toolVersion: "0" });
 * const seriesId = store.seriesId({ plugin: "icmp", target: "a", interface: "", server: "", metric: "rtt", unit: "ms" });
 * store.insertSamples([0, 60_000].map((ts) => ({ seriesId, ts, value: 12, status: "ok" as const, runId })));
 * console.log(dataPeriod(store)); // { start: 0, end: 60001 }
 * store.close();
 * ```
 */
export function dataPeriod(store: Store, filter: SeriesFilter = {}): DataPeriod | undefined {
  const first = store.db.prepare("SELECT min(ts) AS ts FROM samples WHERE series_id = ?");
  const last = store.db.prepare("SELECT max(ts) AS ts FROM samples WHERE series_id = ?");
  let start = Infinity;
  let end = -Infinity;
  for (const series of store.findSeries(filter)) {
    const from = (first.get(series.id) as { ts: number | null } | undefined)?.ts ?? null;
    const to = (last.get(series.id) as { ts: number | null } | undefined)?.ts ?? null;
    if (from !== null) start = Math.min(start, from);
    if (to !== null) end = Math.max(end, to + 1);
  }
  return Number.isFinite(start) ? { start, end } : undefined;
}

/**
 * Which period and series {@linkcode fetchRows} and {@linkcode fetchColumns} read.
 *
 * @example Round trips over WiFi on one day
 * ```ts
 * import type { FetchOptions } from "./store_access.ts";
 * const options: FetchOptions = {
 *   start: new Date("2026-10-30T00:00:00Z"), end: new Date("2026-10-31T00:00:00Z"),
 *   filter: { interface: "wlan0", metric: "rtt" },
 * };
 * ```
 */
export interface FetchOptions {
  /**
   * First instant of the period (a `Date` or milliseconds).
   *
   * @default {the first sample of the matching series}
   */
  start?: Date | number;
  /**
   * First instant after the period (a `Date` or milliseconds).
   *
   * @default {just after the last sample of the matching series}
   */
  end?: Date | number;
  /**
   * Which series; fields left out match everything.
   *
   * @default {{}}
   */
  filter?: SeriesFilter;
  /**
   * Bucket width in milliseconds. Widened when a typical bucket would hold fewer than
   * `minSamples` samples.
   *
   * @default {chooseBucket(end - start): a few hundred buckets over the period}
   */
  bucketMs?: number;
  /**
   * Fewest samples a typical bucket should hold.
   *
   * @default {10}
   */
  minSamples?: number;
}

/**
 * One bucket of one series, as a plain object: the shape Observable Plot and table helpers
 * take. Figures cover the ok samples of the bucket and are `null` when it has none.
 *
 * @example A bucket of round trips
 * ```ts
 * import type { PeriodRow } from "./store_access.ts";
 * const row: PeriodRow = {
 *   time: new Date(0), series: "vienna @wlan0", plugin: "icmp", target: "vienna",
 *   interface: "wlan0", server: "", metric: "rtt", unit: "ms", avg: 28, min: 19, max: 80,
 *   p50: 26, p95: 45, p99: 70, jitter: 8.5, count: 300, lost: 6, loss_pct: 2,
 * };
 * ```
 */
export interface PeriodRow {
  /** Start of the bucket. */
  time: Date;
  /** The series' label, unique among the rows of one fetch (e.g. `vienna @wlan0`). */
  series: string;
  /** Plugin id. */
  plugin: string;
  /** Target, `""` when none. */
  target: string;
  /** Interface, `""` for the default route. */
  interface: string;
  /** Server, `""` when none. */
  server: string;
  /** Metric name. */
  metric: string;
  /** Unit of the figures. */
  unit: string;
  /** Mean. */
  avg: number | null;
  /** Smallest value. */
  min: number | null;
  /** Largest value. */
  max: number | null;
  /** Median. */
  p50: number | null;
  /** 95th percentile. */
  p95: number | null;
  /** 99th percentile. */
  p99: number | null;
  /** Mean absolute difference of consecutive values (IPDV), `null` below two. */
  jitter: number | null;
  /** Samples in the bucket, lost ones included. */
  count: number;
  /** Samples not ok. */
  lost: number;
  /** `lost / count * 100`. */
  loss_pct: number;
}

/**
 * Rows and the bucket width they were read with.
 *
 * @example An empty fetch
 * ```ts
 * import type { FetchedRows } from "./store_access.ts";
 * const fetched: FetchedRows = { rows: [], bucketMs: 300_000, start: 0, end: 86_400_000 };
 * ```
 */
export interface FetchedRows {
  /** One row per series per bucket holding samples, by series label, then time. */
  rows: PeriodRow[];
  /** The bucket width used, ms. */
  bucketMs: number;
  /** First millisecond of the period read. */
  start: number;
  /** First millisecond after it. */
  end: number;
}

/**
 * Reads a period of the matching series as plain rows, one per series per bucket: the shape
 * Observable Plot marks take (`Plot.lineY(rows, { x: "time", y: "p50", stroke: "series" })`).
 *
 * @param store An open store.
 * @param options Period, series filter, bucket width.
 * @returns The rows, the bucket width and the period; no rows when nothing matches.
 * @throws {BufferbaneError} `INVALID_ARGUMENT` when `start` is not before `end`.
 *
 * @example Two minutes of round trips in one-minute buckets
 * ```ts
 * import { Store } from "../store/mod.ts";
 * import { fetchRows } from "./store_access.ts";
 * const store = Store.open(":memory:");
 * const runId = store.startRun({ startedAt: 0, recipeName: "d", recipeText: "", effectiveRecipe: {}, toolVersion: "0" });
 * const seriesId = store.seriesId({ plugin: "icmp", target: "a", interface: "eth0", server: "", metric: "rtt", unit: "ms" });
 * store.insertSamples(Array.from({ length: 120 }, (_, i) => ({
 *   seriesId, ts: i * 1000, value: i < 60 ? 10 : 20, status: i === 90 ? "lost" as const : "ok" as const, runId,
 * })));
 * const { rows, bucketMs } = fetchRows(store, { bucketMs: 60_000 });
 * console.log(bucketMs, rows.map((row) => [row.time.toISOString(), row.series, row.avg, row.lost]));
 * // 60000 [
 * //   [ "1970-01-01T00:00:00.000Z", "a @eth0", 10, 0 ],
 * //   [ "1970-01-01T00:01:00.000Z", "a @eth0", 20, 1 ]
 * // ]
 * store.close();
 * ```
 */
export function fetchRows(store: Store, options: FetchOptions = {}): FetchedRows {
  const filter = options.filter ?? {};
  const period = resolvePeriod(store, options);
  if (period === undefined) {
    return { rows: [], bucketMs: options.bucketMs ?? 60_000, start: 0, end: 0 };
  }
  const { start, end } = period;
  const metrics = [...new Set(store.findSeries(filter).map((s) => s.metric))];
  const loaded = loadSeries(store, {
    start,
    end,
    bucketMs: options.bucketMs ?? chooseBucket(end - start),
    filter,
    metrics,
    minSamples: options.minSamples ?? 10,
  });
  const rows: PeriodRow[] = [];
  for (const series of loaded.series) {
    for (const row of series.rows) {
      rows.push({
        time: new Date(row.bucketStart),
        series: series.label,
        plugin: series.plugin,
        target: series.target,
        interface: series.interface,
        server: series.server,
        metric: series.metric,
        unit: series.unit,
        avg: row.avg,
        min: row.min,
        max: row.max,
        p50: row.p50,
        p95: row.p95,
        p99: row.p99,
        jitter: row.ipdv,
        count: row.count,
        lost: row.lost,
        loss_pct: row.count > 0 ? row.lost / row.count * 100 : 0,
      });
    }
  }
  return { rows, bucketMs: loaded.bucketMs, start, end };
}

/**
 * The rows of {@linkcode fetchRows} as columns: one array per field, all the same length.
 *
 * @example
 * ```ts
 * import type { PeriodColumns } from "./store_access.ts";
 * const columns: PeriodColumns = {
 *   time: [], series: [], plugin: [], target: [], interface: [], server: [], metric: [], unit: [],
 *   avg: [], min: [], max: [], p50: [], p95: [], p99: [], jitter: [], count: [], lost: [], loss_pct: [],
 * };
 * ```
 */
export type PeriodColumns = { [K in keyof PeriodRow]: PeriodRow[K][] };

const COLUMN_NAMES: readonly (keyof PeriodRow)[] = [
  "time",
  "series",
  "plugin",
  "target",
  "interface",
  "server",
  "metric",
  "unit",
  "avg",
  "min",
  "max",
  "p50",
  "p95",
  "p99",
  "jitter",
  "count",
  "lost",
  "loss_pct",
];

/**
 * Reads a period like {@linkcode fetchRows}, as columns: `{ time: Date[], avg: number[], ... }`,
 * for plotting libraries that take arrays (plotly) or for quick sums.
 *
 * @param store An open store.
 * @param options Period, series filter, bucket width.
 * @returns One array per field of {@linkcode PeriodRow}.
 * @throws {BufferbaneError} `INVALID_ARGUMENT` when `start` is not before `end`.
 *
 * @example Medians as a column
 * ```ts
 * import { Store } from "../store/mod.ts";
 * import { fetchColumns } from "./store_access.ts";
 * const store = Store.open(":memory:");
 * const runId = store.startRun({ startedAt: 0, recipeName: "d", recipeText: "", effectiveRecipe: {}, toolVersion: "0" });
 * const seriesId = store.seriesId({ plugin: "icmp", target: "a", interface: "", server: "", metric: "rtt", unit: "ms" });
 * store.insertSamples(Array.from({ length: 120 }, (_, i) => ({ seriesId, ts: i * 1000, value: i < 60 ? 10 : 20, status: "ok" as const, runId })));
 * const columns = fetchColumns(store, { bucketMs: 60_000 });
 * console.log(columns.p50, columns.series); // [ 10, 20 ] [ "a", "a" ]
 * store.close();
 * ```
 */
export function fetchColumns(store: Store, options: FetchOptions = {}): PeriodColumns {
  const { rows } = fetchRows(store, options);
  const columns = Object.fromEntries(
    COLUMN_NAMES.map((name) => [name, rows.map((row) => row[name])]),
  );
  return columns as PeriodColumns;
}

/** The asked period, or the one the data spans; `undefined` when there is no data. */
function resolvePeriod(store: Store, options: FetchOptions): DataPeriod | undefined {
  const spanned = options.start === undefined || options.end === undefined
    ? dataPeriod(store, options.filter ?? {})
    : undefined;
  const start = options.start === undefined ? spanned?.start : Number(options.start);
  const end = options.end === undefined ? spanned?.end : Number(options.end);
  if (start === undefined || end === undefined) return undefined;
  if (!Number.isFinite(start) || !Number.isFinite(end) || !(start < end)) {
    throw new BufferbaneError(
      ErrorCode.InvalidArgument,
      `Period "${start}" to "${end}" is empty: start must be before end`,
    );
  }
  return { start, end };
}
