/**
 * The shapes that go into and come out of the store. Times are milliseconds since the Unix
 * epoch; ranges are half-open, `[start, end)`.
 *
 * @module
 */
import type { EventSeverity, SampleStatus } from "../core/contract.ts";
import type { RunStatus, TestStatus } from "./status.ts";

/**
 * What names a series: one metric of one plugin against one target, interface and server.
 * `interface` and `server` are `""` when there is none.
 *
 * @example A UDP echo series
 * ```ts
 * import type { SeriesKey } from "./types.ts";
 * const key: SeriesKey = {
 *   plugin: "udp-echo", target: "vienna", interface: "", server: "vienna", metric: "rtt", unit: "ms",
 * };
 * ```
 */
export interface SeriesKey {
  /** Plugin id, e.g. `"dns"`. */
  plugin: string;
  /** Target as written in the recipe, `""` when the plugin has none. */
  target: string;
  /** Network interface, `""` for the default route. */
  interface: string;
  /** Server name, `""` when the plugin names none. */
  server: string;
  /** Metric name, e.g. `"rtt"`. */
  metric: string;
  /** Unit of the metric, e.g. `"ms"`. */
  unit: string;
}

/**
 * Picks series by exact match of any key field; fields left out match everything.
 *
 * @example Picking DNS resolve times
 * ```ts
 * import type { SeriesFilter } from "./types.ts";
 * const filter: SeriesFilter = { plugin: "dns", metric: "resolve_time" };
 * ```
 */
export type SeriesFilter = Partial<Omit<SeriesKey, "unit">>;

/**
 * A series as listed by the store, with how many samples it holds and when.
 *
 * @example A series without samples
 * ```ts
 * import type { SeriesInfo } from "./types.ts";
 * const info: SeriesInfo = {
 *   id: 1, plugin: "dns", target: "example.com", interface: "", server: "", metric: "resolve_time",
 *   unit: "ms", sampleCount: 0, firstTs: null, lastTs: null,
 * };
 * ```
 */
export interface SeriesInfo extends SeriesKey {
  /** Stored id. */
  id: number;
  /** Number of samples, lost ones included. */
  sampleCount: number;
  /** Time of the first sample, `null` when there is none. */
  firstTs: number | null;
  /** Time of the last sample, `null` when there is none. */
  lastTs: number | null;
}

/**
 * One sample to store. A lost probe is a row too, with `value: null`.
 *
 * @example A lost probe
 * ```ts
 * import type { SampleRow } from "./types.ts";
 * const lost: SampleRow = {
 *   seriesId: 1, ts: 1_700_000_000_000, value: null, status: "lost", reason: "timeout", runId: 1,
 * };
 * ```
 */
export interface SampleRow {
  /** Id from {@linkcode Store.seriesId}. */
  seriesId: number;
  /** Time the probe was sent; rounded to whole milliseconds when stored. */
  ts: number;
  /** The value in the series' unit, `null` when lost or failed. */
  value: number | null;
  /** `"ok"`, `"lost"` or `"failed"`. */
  status: SampleStatus;
  /** The probe's sequence number, when it has one. */
  seq?: number | null;
  /** Why the sample is lost or failed. */
  reason?: string | null;
  /** The run that recorded it. */
  runId: number;
  /** The probe interval in effect when it was taken (adaptive intervals change it), ms. */
  intervalMs?: number | null;
}

/**
 * One sample as read back by {@linkcode Store.rawRange}.
 *
 * @example An ok sample read back
 * ```ts
 * import type { RawSample } from "./types.ts";
 * const sample: RawSample = {
 *   seriesId: 1, ts: 0, value: 12.5, status: "ok", seq: 0, reason: null,
 *   intervalMs: 1000,
 * };
 * ```
 */
export interface RawSample {
  /** Series id. */
  seriesId: number;
  /** Time in milliseconds. */
  ts: number;
  /** Value, `null` when lost or failed. */
  value: number | null;
  /** `"ok"`, `"lost"` or `"failed"`. */
  status: SampleStatus;
  /** Sequence number, `null` when none was stored. */
  seq: number | null;
  /** Why the sample is lost or failed, `null` otherwise. */
  reason: string | null;
  /** The probe interval in effect when it was taken, ms; `null` when not recorded. */
  intervalMs: number | null;
}

/**
 * One event to store.
 *
 * @example An event with data
 * ```ts
 * import type { EventRow } from "./types.ts";
 * const event: EventRow = {
 *   runId: 1, ts: 1_700_000_000_000, kind: "missed_slots", severity: "warn", message: "3 slots missed",
 *   data: { missed: 3 },
 * };
 * ```
 */
export interface EventRow {
  /** The run it happened in, `null` when outside any run. */
  runId: number | null;
  /** When it happened. */
  ts: number;
  /** Short machine-readable kind, e.g. `"alert"`. */
  kind: string;
  /** `"info"`, `"warn"`, `"critical"` or `"clear"`. */
  severity: EventSeverity;
  /** The series it is about, if any. */
  seriesId?: number | null;
  /** One human line. */
  message: string;
  /** Structured detail, stored as JSON. */
  data?: Record<string, unknown> | null;
}

/**
 * An event as read back by {@linkcode Store.events}.
 *
 * @example An event read back
 * ```ts
 * import type { StoredEvent } from "./types.ts";
 * const event: StoredEvent = {
 *   id: 1, runId: 1, ts: 0, kind: "alert", severity: "critical", seriesId: null, message: "loss 50%",
 *   data: null,
 * };
 * ```
 */
export interface StoredEvent extends EventRow {
  /** Stored id. */
  id: number;
  /** The series it is about, `null` when none. */
  seriesId: number | null;
  /** Structured detail, `null` when none. */
  data: Record<string, unknown> | null;
}

/**
 * The outcome of one bounded test, to store.
 *
 * @example A graded bufferbloat test
 * ```ts
 * import type { TestResultRow } from "./types.ts";
 * const row: TestResultRow = {
 *   runId: 1, ts: 0, plugin: "bufferbloat", target: "", interface: "", server: "vienna",
 *   durationMs: 30_000, status: "ok", grade: "B", summary: { increase_ms: 48 },
 * };
 * ```
 */
export interface TestResultRow {
  /** The run it belongs to. */
  runId: number;
  /** When the test started. */
  ts: number;
  /** Plugin id. */
  plugin: string;
  /** Target, `""` when none. */
  target: string;
  /** Interface, `""` for the default route. */
  interface: string;
  /** Server name, `""` when none. */
  server: string;
  /** How long the test took. */
  durationMs: number;
  /** `"ok"` when it completed, `"failed"` otherwise. */
  status: TestStatus;
  /** A grade such as `"A+"`, when the test grades. */
  grade?: string | null;
  /** Figures of the test, stored as JSON. */
  summary: Record<string, unknown>;
}

/**
 * A test result as read back by {@linkcode Store.testResults}.
 *
 * @example A failed test read back
 * ```ts
 * import type { StoredTestResult } from "./types.ts";
 * const result: StoredTestResult = {
 *   id: 1, runId: 1, ts: 0, plugin: "bufferbloat", target: "", interface: "", server: "",
 *   durationMs: 1000, status: "failed", grade: null, summary: {},
 * };
 * ```
 */
export interface StoredTestResult extends TestResultRow {
  /** Stored id. */
  id: number;
  /** Grade, `null` when the test does not grade. */
  grade: string | null;
}

/**
 * What {@linkcode Store.startRun} records about a run as it starts.
 *
 * @example Starting a run from a recipe file
 * ```ts
 * import type { RunInfo } from "./types.ts";
 * const info: RunInfo = {
 *   startedAt: Date.now(), recipeName: "quickstart", recipePath: "recipes/quickstart.toml",
 *   recipeText: "name = \"quickstart\"\n", effectiveRecipe: { name: "quickstart" }, toolVersion: "0.1.0",
 * };
 * ```
 */
export interface RunInfo {
  /** When the run started. */
  startedAt: number;
  /** The recipe's name. */
  recipeName: string;
  /** Where the recipe was read from, `null` for an inline recipe. */
  recipePath?: string | null;
  /** The recipe as supplied. */
  recipeText: string;
  /**
   * SHA-256 of `recipeText`, lowercase hex.
   *
   * @default {computed from recipeText}
   */
  recipeHash?: string;
  /** The recipe with every default filled in (secrets removed), stored as JSON. */
  effectiveRecipe: Record<string, unknown>;
  /** Version of bufferbane that recorded the run. */
  toolVersion: string;
  /**
   * Host name of the recording machine.
   *
   * @default {Deno.hostname()}
   */
  host?: string;
  /**
   * Process id of the recorder, used to spot runs whose process died.
   *
   * @default {Deno.pid}
   */
  pid?: number;
}

/**
 * How a run ended, for {@linkcode Store.finishRun}.
 *
 * @example Ending a run normally
 * ```ts
 * import type { RunEnd } from "./types.ts";
 * const end: RunEnd = { endedAt: Date.now(), status: "completed", summary: { samples: 3600 } };
 * ```
 */
export interface RunEnd {
  /** When it ended. */
  endedAt: number;
  /** `"completed"`, `"interrupted"` or `"failed"`. */
  status: Exclude<RunStatus, "running">;
  /** Figures of the whole run, stored as JSON. */
  summary?: Record<string, unknown> | null;
}

/**
 * A run as read back by {@linkcode Store.runs} and {@linkcode Store.run}.
 *
 * @example A run still running
 * ```ts
 * import type { RunRecord } from "./types.ts";
 * const run: RunRecord = {
 *   id: 1, startedAt: 0, endedAt: null, status: "running", recipeName: "q", recipePath: null,
 *   recipeText: "", recipeHash: "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
 *   effectiveRecipe: {}, host: "box", toolVersion: "0.1.0", pid: 42, summary: null,
 * };
 * ```
 */
export interface RunRecord {
  /** Stored id. */
  id: number;
  /** When the run started. */
  startedAt: number;
  /** When it ended, `null` while running. */
  endedAt: number | null;
  /** Where it stands. */
  status: RunStatus;
  /** The recipe's name. */
  recipeName: string;
  /** Where the recipe was read from, `null` for an inline recipe. */
  recipePath: string | null;
  /** The recipe as supplied. */
  recipeText: string;
  /** SHA-256 of `recipeText`, lowercase hex. */
  recipeHash: string;
  /** The recipe with defaults filled in, parsed back from JSON. */
  effectiveRecipe: Record<string, unknown>;
  /** Host name of the recording machine. */
  host: string;
  /** Version of bufferbane that recorded it. */
  toolVersion: string;
  /** Process id of the recorder, `null` when unknown. */
  pid: number | null;
  /** Figures of the whole run, `null` until it ends. */
  summary: Record<string, unknown> | null;
}

/**
 * A time range, half-open: rows with `start <= ts < end`. Missing bounds are open.
 *
 * @example The last hour
 * ```ts
 * import type { TimeRange } from "./types.ts";
 * const lastHour: TimeRange = { start: Date.now() - 3_600_000 };
 * ```
 */
export interface TimeRange {
  /** First millisecond included. */
  start?: number;
  /** First millisecond excluded. */
  end?: number;
}

/**
 * Which samples {@linkcode Store.rawRange} reads.
 *
 * @example Two series over one minute
 * ```ts
 * import type { RangeQuery } from "./types.ts";
 * const query: RangeQuery = { seriesIds: [1, 2], start: 0, end: 60_000 };
 * ```
 */
export interface RangeQuery extends TimeRange {
  /** Series to read, returned in ascending id order. */
  seriesIds: readonly number[];
}

/**
 * Which samples {@linkcode Store.aggregate} summarizes, and into which buckets.
 *
 * @example A day in one-minute buckets
 * ```ts
 * import type { AggregateQuery } from "./types.ts";
 * const query: AggregateQuery = { seriesIds: [1], start: 0, end: 86_400_000, bucketMs: 60_000 };
 * ```
 */
export interface AggregateQuery extends RangeQuery {
  /** Bucket width in milliseconds, a positive whole number. */
  bucketMs: number;
  /**
   * Where buckets are aligned: they start at `origin + k * bucketMs`. The default keeps
   * minutes and hours on the clock (UTC); pass the run's start to get one bucket per run
   * with `bucketMs` = the run's length.
   *
   * @default {0}
   */
  origin?: number;
}

/**
 * One bucket of one series. `count` and `lost` count every row; the figures cover the `"ok"`
 * samples only and are `null` when the bucket has none.
 *
 * @example A bucket with one lost probe
 * ```ts
 * import type { AggregateRow } from "./types.ts";
 * const row: AggregateRow = {
 *   seriesId: 1, bucketStart: 0, count: 60, lost: 1, min: 9, avg: 11, max: 40, p50: 10, p95: 20, p99: 38,
 * };
 * ```
 */
export interface AggregateRow {
  /** Series id. */
  seriesId: number;
  /** Start of the bucket: `origin + k * bucketMs`. */
  bucketStart: number;
  /** Rows in the bucket, lost and failed ones included. */
  count: number;
  /** Rows whose status is not `"ok"`. */
  lost: number;
  /** Smallest ok value. */
  min: number | null;
  /** Mean of the ok values. */
  avg: number | null;
  /** Largest ok value. */
  max: number | null;
  /** Median of the ok values (linear interpolation). */
  p50: number | null;
  /** 95th percentile of the ok values. */
  p95: number | null;
  /** 99th percentile of the ok values. */
  p99: number | null;
}

/**
 * Which events {@linkcode Store.events} reads.
 *
 * @example Events of one run
 * ```ts
 * import type { EventQuery } from "./types.ts";
 * const query: EventQuery = { runId: 3 };
 * ```
 */
export interface EventQuery extends TimeRange {
  /** Only events of this run. */
  runId?: number;
}

/**
 * Which event {@linkcode Store.lastEvent} reads: the newest of some kinds about matching series.
 *
 * @example The last traceroute path to one target
 * ```ts
 * import type { LastEventQuery } from "./types.ts";
 * const query: LastEventQuery = {
 *   kinds: ["traceroute_path", "path_change"], filter: { plugin: "traceroute", target: "192.0.2.9" },
 * };
 * ```
 */
export interface LastEventQuery {
  /** Event kinds, e.g. `["path_change"]`. */
  kinds: readonly string[];
  /** The series the event must be about (exact matches; fields left out match everything). */
  filter: SeriesFilter;
  /** Leave out the events of this run (the one in progress). */
  excludeRunId?: number;
}

/**
 * Which test results {@linkcode Store.testResults} reads.
 *
 * @example Results of one plugin
 * ```ts
 * import type { TestResultQuery } from "./types.ts";
 * const query: TestResultQuery = { plugin: "bufferbloat" };
 * ```
 */
export interface TestResultQuery extends TimeRange {
  /** Only results of this plugin. */
  plugin?: string;
}

/**
 * Which samples an export streams: a period and the series matching a filter.
 *
 * @example DNS series from a start time
 * ```ts
 * import type { ExportQuery } from "./types.ts";
 * const query: ExportQuery = { start: 0, filter: { plugin: "dns" } };
 * ```
 */
export interface ExportQuery extends TimeRange {
  /** Only series matching this filter. */
  filter?: SeriesFilter;
  /** Only these series (combined with `filter`). */
  seriesIds?: readonly number[];
}

/**
 * One exported sample, joined with its series.
 *
 * @example An exported DNS sample
 * ```ts
 * import type { ExportRow } from "./types.ts";
 * const row: ExportRow = {
 *   ts: 0, time: "1970-01-01T00:00:00.000Z", plugin: "dns", target: "example.com", interface: "",
 *   server: "", metric: "resolve_time", unit: "ms", value: 12, status: "ok", reason: null, seq: 0, runId: 1,
 * };
 * ```
 */
export interface ExportRow {
  /** Time in milliseconds. */
  ts: number;
  /** The same time as ISO 8601 (UTC). */
  time: string;
  /** Plugin id. */
  plugin: string;
  /** Target, `""` when none. */
  target: string;
  /** Interface, `""` when none. */
  interface: string;
  /** Server, `""` when none. */
  server: string;
  /** Metric name. */
  metric: string;
  /** Unit. */
  unit: string;
  /** Value, `null` when lost or failed. */
  value: number | null;
  /** `"ok"`, `"lost"` or `"failed"`. */
  status: SampleStatus;
  /** Why lost or failed, `null` otherwise. */
  reason: string | null;
  /** Sequence number, `null` when none. */
  seq: number | null;
  /** The run that recorded it. */
  runId: number;
}

/**
 * A series as {@linkcode Store.findSeries} lists it: its id and key, without counting its
 * samples.
 *
 * @example An ICMP series on an interface
 * ```ts
 * import type { SeriesEntry } from "./types.ts";
 * const entry: SeriesEntry = {
 *   id: 3, plugin: "icmp", target: "1.1.1.1", interface: "wlan0", server: "", metric: "rtt", unit: "ms",
 * };
 * ```
 */
export interface SeriesEntry extends SeriesKey {
  /** Stored id. */
  id: number;
}

/**
 * One bucket of one series from {@linkcode Store.rollupAggregate}: an {@linkcode AggregateRow}
 * with a few more figures. `count`, `lost`, `okCount`, `min`, `avg`, `max`, `stddev` and
 * `ipdv` are exact; the percentiles are exact when `exact` is `true` and otherwise within 1 %
 * (relative) of the exact ones.
 *
 * @example A bucket read from rollups
 * ```ts
 * import type { RollupRow } from "./types.ts";
 * const row: RollupRow = {
 *   seriesId: 1, bucketStart: 0, count: 3600, lost: 4, okCount: 3596, min: 12.1, avg: 15.2,
 *   max: 61.8, p50: 14.9, p95: 17.3, p99: 22.5, stddev: 1.4, ipdv: 0.8, exact: false,
 * };
 * ```
 */
export interface RollupRow extends AggregateRow {
  /** Ok rows with a value: what min, avg, max and the percentiles are computed over. */
  okCount: number;
  /** Sample standard deviation of the ok values (`n - 1`), `null` below two values. */
  stddev: number | null;
  /**
   * Mean absolute difference of consecutive ok values inside the bucket (IPDV, the jitter
   * figure of irtt), `null` below two values.
   */
  ipdv: number | null;
  /** Whether the percentiles are exact (computed from raw values only). */
  exact: boolean;
}

/**
 * One bin of a {@linkcode SeriesHistogram}: values in `[lower, upper]`, about 2 % wide.
 *
 * @example The bin around 15 ms
 * ```ts
 * import type { HistogramBin } from "./types.ts";
 * const bin: HistogramBin = { lower: 14.86, upper: 15.16, value: 15.01, count: 1200 };
 * ```
 */
export interface HistogramBin {
  /** Smallest value of the bin. */
  lower: number;
  /** Largest value of the bin. */
  upper: number;
  /** The value the bin stands for, within 1 % of every value in it. */
  value: number;
  /** How many ok values fell into it. */
  count: number;
}

/**
 * The distribution of one series' ok values over a period, from
 * {@linkcode Store.rollupHistogram}.
 *
 * @example A histogram with two bins
 * ```ts
 * import type { SeriesHistogram } from "./types.ts";
 * const histogram: SeriesHistogram = {
 *   seriesId: 1, count: 3, lost: 1, okCount: 2, min: 10, max: 20,
 *   bins: [
 *     { lower: 9.9, upper: 10.1, value: 10, count: 1 },
 *     { lower: 19.8, upper: 20.2, value: 20, count: 1 },
 *   ],
 * };
 * ```
 */
export interface SeriesHistogram {
  /** Series id. */
  seriesId: number;
  /** Rows in the period, lost and failed ones included. */
  count: number;
  /** Rows whose status is not `"ok"`. */
  lost: number;
  /** Ok rows with a value. */
  okCount: number;
  /** Smallest ok value, `null` when none. */
  min: number | null;
  /** Largest ok value, `null` when none. */
  max: number | null;
  /** Non-empty bins in ascending order of value. */
  bins: HistogramBin[];
}

/**
 * Options for {@linkcode Store.refreshRollups}.
 *
 * @example Catching up a little at a time
 * ```ts
 * import type { RefreshRollupsOptions } from "./types.ts";
 * const options: RefreshRollupsOptions = { maxRows: 100_000 };
 * ```
 */
export interface RefreshRollupsOptions {
  /**
   * A minute is rolled up once the series holds a sample at least this long after the
   * minute's end, so samples still on their way (a probe waiting for its timeout) are not
   * left out. Samples that come later anyway are not lost: their minute is rolled up again.
   *
   * @default {60_000}
   */
  graceMs?: number;
  /** Roll up nothing at or after this time. */
  until?: number;
  /**
   * The current time (ms since the epoch): a minute is also closed once `now` is `graceMs`
   * past its end, so a series that stopped (a target taken out of the recipe) gets its last
   * minutes rolled up, and compacted in time. Left out, only the series' own samples close
   * minutes.
   *
   * @default {undefined}
   */
  now?: number;
  /**
   * Stop once this many raw rows were read (after finishing the current window), so a
   * recorder catching up on a large store keeps its pace; call again to go on.
   *
   * @default {Infinity}
   */
  maxRows?: number;
  /**
   * Only these series.
   *
   * @default {every series}
   */
  seriesIds?: readonly number[];
}

/**
 * What {@linkcode Store.refreshRollups} did.
 *
 * @example Nothing left to do
 * ```ts
 * import type { RefreshRollupsResult } from "./types.ts";
 * const result: RefreshRollupsResult = { rowsRead: 0, minutes: 0, hours: 0, done: true };
 * ```
 */
export interface RefreshRollupsResult {
  /** Raw rows read. */
  rowsRead: number;
  /** Minute rollups written. */
  minutes: number;
  /** Hour rollups written. */
  hours: number;
  /** `false` when it stopped at `maxRows` with minutes left to roll up. */
  done: boolean;
}
