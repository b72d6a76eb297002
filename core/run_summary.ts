/**
 * Builds a run's summary: totals from the recorder's accumulators, percentiles from the stored
 * raw samples (so memory stays flat on month-long runs).
 *
 * @module
 */
import type { Job } from "./job.ts";
import type { RunSummary } from "./run_observer.ts";
import { type RecordedSeries, seriesKey } from "./run_recorder.ts";
import type { Schedule } from "./schedule.ts";
import type { Store } from "../store/mod.ts";

const HOUR_MS = 3_600_000;

/** What {@linkcode buildRunSummary} needs. */
export interface RunSummaryInput {
  /** Run id. */
  runId: number;
  /** Recipe name. */
  recipe: string;
  /** Whether the recipe had a duration (stopping before it makes the run interrupted). */
  hasDuration: boolean;
  /** Store path. */
  storePath: string;
  /** Start, ms. */
  startedAt: number;
  /** End, ms. */
  endedAt: number;
  /** Why it stopped. */
  stopReason: string;
  /** Recorded series. */
  series: RecordedSeries[];
  /** Probe schedules, for missed slots. */
  schedules: ReadonlyMap<Job, Schedule>;
  /** The store, for percentiles. */
  store: Store;
  /** Test results. */
  tests: RunSummary["tests"];
  /** Alerts still raised. */
  activeAlerts: string[];
  /** Events by kind. */
  eventCounts: Record<string, number>;
  /** Notes. */
  notes: string[];
  /** Rows not written. */
  droppedRows: number;
}

/**
 * Builds the summary; primary metrics first, then by series key.
 *
 * @example
 * ```ts ignore
 * const summary = buildRunSummary({ ...input });
 * ```
 */
export function buildRunSummary(input: RunSummaryInput): RunSummary {
  const ids = input.series.map((s) => s.id);
  const percentiles = new Map<
    number,
    { p50: number | null; p95: number | null; p99: number | null }
  >();
  if (ids.length > 0) {
    for (const row of runPercentiles(input.store, ids, input.startedAt, input.endedAt + 1)) {
      percentiles.set(row.seriesId, { p50: row.p50, p95: row.p95, p99: row.p99 });
    }
  }
  const ordered = [...input.series].sort((a, b) =>
    Number(b.label.primary) - Number(a.label.primary) ||
    seriesKey(a.label).localeCompare(seriesKey(b.label))
  );
  return {
    runId: input.runId,
    recipe: input.recipe,
    storePath: input.storePath,
    startedAt: input.startedAt,
    endedAt: input.endedAt,
    status: input.hasDuration && input.stopReason !== "duration" ? "interrupted" : "completed",
    stopReason: input.stopReason,
    series: ordered.map((state) => {
      const snap = state.accumulator.snapshot();
      const p = percentiles.get(state.id);
      return {
        series: state.label,
        sent: snap.sent,
        received: snap.received,
        lost: snap.lost,
        failed: snap.failed,
        lossPct: snap.lossPct,
        min: snap.min,
        avg: snap.avg,
        p50: p?.p50 ?? null,
        p95: p?.p95 ?? null,
        p99: p?.p99 ?? null,
        max: snap.max,
        jitter: snap.jitter,
        missedSlots: state.label.primary ? (input.schedules.get(state.job)?.missed ?? 0) : 0,
        reasons: [...state.reasons].map(([reason, count]) => ({ reason, count }))
          .sort((a, b) => b.count - a.count || a.reason.localeCompare(b.reason)),
      };
    }),
    tests: input.tests,
    activeAlerts: input.activeAlerts,
    eventCounts: input.eventCounts,
    notes: input.notes,
    droppedRows: input.droppedRows,
  };
}

/**
 * Percentiles of each series over the run: exact from the raw samples, unless a run of
 * months had its oldest raw samples compacted away (see `store/compact.ts`); then from the
 * rollups over whole hours (within 1 %), so the summary still covers the whole run.
 */
function runPercentiles(store: Store, ids: number[], start: number, end: number) {
  const compacted = store.db.prepare(
    `SELECT max(compacted_until) AS until FROM rollup_marks
     WHERE series_id IN (${ids.map(() => "?").join(", ")})`,
  ).get(...ids) as { until: number | null } | undefined;
  if ((compacted?.until ?? Number.NEGATIVE_INFINITY) <= start) {
    return store.aggregate({ seriesIds: ids, start, end, bucketMs: end - start, origin: start });
  }
  const origin = Math.floor(start / HOUR_MS) * HOUR_MS;
  const bucketMs = Math.ceil((end - origin) / HOUR_MS) * HOUR_MS;
  return store.rollupAggregate({ seriesIds: ids, start, end, bucketMs, origin });
}
