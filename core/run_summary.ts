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
    for (
      const row of input.store.aggregate({
        seriesIds: ids,
        start: input.startedAt,
        end: input.endedAt + 1,
        bucketMs: input.endedAt + 1 - input.startedAt,
        origin: input.startedAt,
      })
    ) {
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
