/**
 * The bufferbane store: a plain SQLite file (WAL) of runs, series, samples, events and test
 * results, with batched failure-tolerant writes, bucketed aggregates (exact from raw samples,
 * or fast from per-minute and per-hour rollups) and streaming export.
 *
 * @example Record a run, then summarize it
 * ```ts
 * import { BatchWriter, Store } from "./mod.ts";
 * const store = Store.open(":memory:");
 * const runId = store.startRun({
 *   startedAt: 0, recipeName: "demo", recipeText: "", effectiveRecipe: {}, toolVersion: "0.1.0",
 * });
 * const seriesId = store.seriesId({
 *   plugin: "ping", target: "a", interface: "", server: "", metric: "rtt", unit: "ms",
 * });
 * const writer = new BatchWriter(store);
 * for (let i = 0; i < 120; i++) {
 *   writer.addSample({ seriesId, ts: i * 1000, value: i % 60, status: "ok", seq: i, runId });
 * }
 * writer.close();
 * store.finishRun(runId, { endedAt: 120_000, status: "completed" });
 * const buckets = store.aggregate({ seriesIds: [seriesId], bucketMs: 60_000 });
 * console.log(buckets.map((b) => [b.bucketStart, b.count, b.max])); // [ [ 0, 60, 59 ], [ 60000, 60, 59 ] ]
 * store.close();
 * ```
 *
 * @module
 */
export { Store, type StoreOptions, type WriteBatch } from "./store.ts";
export {
  BatchWriter,
  type BatchWriterOptions,
  COMPACT_ROWS_PER_FLUSH,
  ROLLUP_ROWS_PER_FLUSH,
  type WriterRetention,
} from "./batch_writer.ts";
export { aggregateSamples } from "./aggregate.ts";
export { alertTimeline, type AlertTimelineQuery, type AlertTimelineRow } from "./alert_timeline.ts";
export { type HistorySample, quietHistory, type QuietHistoryQuery } from "./quiet_history.ts";
export { exportSamples } from "./export.ts";
export { rollupAggregate, rollupHistogram } from "./rollup_query.ts";
export { refreshRollups } from "./rollup_refresh.ts";
export { type CompactOptions, type CompactResult, compactStore } from "./compact.ts";
export {
  periodStart,
  type SeriesTrend,
  type TargetAvailability,
  type TrendOptions,
  type TrendPeriod,
  type TrendPeriodKind,
  trendSummary,
} from "./trends.ts";
export {
  isProcessAlive,
  type RecoveredRun,
  recoverInterruptedRuns,
  type RecoverOptions,
} from "./recover.ts";
export {
  migrate,
  type MigrateOptions,
  type Migration,
  MIGRATIONS,
  newerVersionError,
  SCHEMA_VERSION,
  schemaVersion,
} from "./schema.ts";
export {
  EVENT_SEVERITIES,
  RUN_STATUSES,
  type RunStatus,
  SAMPLE_STATUS_CODE,
  sampleStatusFromCode,
  sampleStatusToCode,
  TEST_STATUSES,
  type TestStatus,
} from "./status.ts";
export type {
  AggregateQuery,
  AggregateRow,
  EventQuery,
  EventRow,
  ExportQuery,
  ExportRow,
  HistogramBin,
  LastEventQuery,
  RangeQuery,
  RawSample,
  RefreshRollupsOptions,
  RefreshRollupsResult,
  RollupRow,
  RunEnd,
  RunInfo,
  RunRecord,
  SampleRow,
  SeriesEntry,
  SeriesFilter,
  SeriesHistogram,
  SeriesInfo,
  SeriesKey,
  StoredEvent,
  StoredTestResult,
  TestResultQuery,
  TestResultRow,
  TimeRange,
} from "./types.ts";
