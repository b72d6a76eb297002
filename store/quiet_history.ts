/**
 * The recent quiet history of a series: its samples of a period, newest last, leaving out
 * those taken while the anomaly detector had an alert raised on it (from the raise to the
 * clear, or to the end of that run when it never cleared). A restarted run seeds the
 * detector's baseline with them, so a probe that runs for months does not start from nothing
 * after each restart, and an incident stored before never becomes its baseline.
 *
 * @module
 */
import type { DatabaseSync } from "node:sqlite";
import { alertTimeline } from "./alert_timeline.ts";

/**
 * Which samples {@linkcode quietHistory} reads.
 *
 * @example The last 30 minutes of series 3, at most 2000 samples
 * ```ts
 * import type { QuietHistoryQuery } from "./quiet_history.ts";
 * const query: QuietHistoryQuery = { seriesId: 3, start: Date.now() - 1_800_000, end: Date.now(), limit: 2000 };
 * ```
 */
export interface QuietHistoryQuery {
  /** The series. */
  seriesId: number;
  /** From, ms (inclusive). */
  start: number;
  /** To, ms (exclusive). */
  end: number;
  /** Most samples returned (the newest). */
  limit: number;
}

/**
 * One sample of the history: time and value, `null` when it was lost (failed samples, our own
 * errors, are left out).
 *
 * @example
 * ```ts
 * import type { HistorySample } from "./quiet_history.ts";
 * const sample: HistorySample = { timestamp: 0, value: 20.4 };
 * ```
 */
export interface HistorySample {
  /** When the probe was sent, ms. */
  timestamp: number;
  /** Its value, `null` when lost. */
  value: number | null;
}

/**
 * Reads a series' quiet history (see the module's notes).
 *
 * @param db An open store's database (`store.db`).
 * @param query Series, period and limit.
 * @returns The samples, oldest first.
 *
 * @example Samples during a stored anomaly are left out
 * ```ts
 * import { Store } from "./store.ts";
 * import { quietHistory } from "./quiet_history.ts";
 * const store = Store.open(":memory:");
 * const runId = store.startRun({ startedAt: 0, recipeName: "r", recipeText: "", effectiveRecipe: {}, toolVersion: "0" });
 * const seriesId = store.seriesId({ plugin: "icmp", target: "a", interface: "", server: "", metric: "rtt", unit: "ms" });
 * store.insertSamples(Array.from({ length: 10 }, (_, i) => ({
 *   seriesId, runId, ts: i * 1000, value: i >= 4 && i < 7 ? 90 : 20, status: "ok" as const,
 * })));
 * store.insertEvents([
 *   { runId, ts: 4000, kind: "alert", severity: "critical", seriesId, message: "raised", data: { detector: "anomaly", to: "critical" } },
 *   { runId, ts: 7000, kind: "alert", severity: "clear", seriesId, message: "cleared", data: { detector: "anomaly", to: "ok" } },
 * ]);
 * const history = quietHistory(store.db, { seriesId, start: 0, end: 10_000, limit: 100 });
 * // 4 s to 7 s (the raise to the clear, both included) are left out
 * console.log(history.map((s) => s.timestamp / 1000)); // [ 0, 1, 2, 3, 8, 9 ]
 * store.close();
 * ```
 */
export function quietHistory(db: DatabaseSync, query: QuietHistoryQuery): HistorySample[] {
  // Episodes of the anomaly detector on this series: from each raise to its clear. A raise
  // that never cleared (the run stopped) lasts to the end of its run.
  const episodes: { from: number; to: number }[] = [];
  const runEnds = new Map<number, number>();
  const endOf = (runId: number | null): number => {
    if (runId === null) return Infinity;
    if (!runEnds.has(runId)) {
      const row = db.prepare("SELECT ended_at FROM runs WHERE id = ?").get(runId) as
        | { ended_at: number | null }
        | undefined;
      runEnds.set(runId, row?.ended_at ?? Infinity);
    }
    return runEnds.get(runId)!;
  };
  let open: { from: number; runId: number | null } | undefined;
  for (
    const row of alertTimeline(db, {
      seriesId: query.seriesId,
      detector: "anomaly",
      end: query.end,
    })
  ) {
    if (row.severity === "warn" || row.severity === "critical") {
      if (open !== undefined && open.runId !== row.runId) {
        episodes.push({ from: open.from, to: endOf(open.runId) });
        open = undefined;
      }
      open ??= { from: row.ts, runId: row.runId };
    } else if (row.severity === "clear" && open !== undefined) {
      episodes.push({ from: open.from, to: row.ts });
      open = undefined;
    }
  }
  if (open !== undefined) episodes.push({ from: open.from, to: endOf(open.runId) });

  const rows = db.prepare(
    `SELECT ts, value, status FROM samples
     WHERE series_id = ? AND ts >= ? AND ts < ? AND status IN (0, 1)
     ORDER BY ts DESC`,
  ).iterate(query.seriesId, query.start, query.end) as Iterable<{
    ts: number;
    value: number | null;
    status: number;
  }>;
  const quiet: HistorySample[] = [];
  for (const row of rows) {
    if (episodes.some((e) => row.ts >= e.from && row.ts <= e.to)) continue;
    quiet.push({ timestamp: row.ts, value: row.status === 0 ? row.value : null });
    if (quiet.length >= query.limit) break;
  }
  return quiet.reverse();
}
