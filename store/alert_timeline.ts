/**
 * The severity timeline of alerts, read from the store's `alert_timeline` view (schema
 * version 3): every raise, escalation and clear of threshold rules and of the anomaly
 * detector, with its series, levels and figures.
 *
 * @module
 */
import type { DatabaseSync } from "node:sqlite";
import { OPEN_END, OPEN_START } from "./_scan_range.ts";

/**
 * Which rows {@linkcode alertTimeline} reads; every field narrows.
 *
 * @example Anomalies of one run
 * ```ts
 * import type { AlertTimelineQuery } from "./alert_timeline.ts";
 * const query: AlertTimelineQuery = { runId: 3, detector: "anomaly" };
 * ```
 */
export interface AlertTimelineQuery {
  /** From, ms (inclusive). */
  start?: number;
  /** To, ms (exclusive). */
  end?: number;
  /** Only this run. */
  runId?: number;
  /** Only this series. */
  seriesId?: number;
  /** Only this detector. */
  detector?: "anomaly" | "threshold";
}

/**
 * One step of the timeline.
 *
 * @example An anomaly raised critical
 * ```ts
 * import type { AlertTimelineRow } from "./alert_timeline.ts";
 * const row: AlertTimelineRow = {
 *   id: 9, runId: 1, ts: 0, seriesId: 2, plugin: "icmp", target: "192.0.2.1", interface: "",
 *   server: "", metric: "rtt", detector: "anomaly", stat: "anomaly", severity: "critical",
 *   from: "ok", to: "critical", reason: "raised", confidence: 0.97, value: null,
 *   message: "anomaly on icmp rtt ...",
 * };
 * ```
 */
export interface AlertTimelineRow {
  /** Event id. */
  id: number;
  /** Run id. */
  runId: number | null;
  /** When, ms. */
  ts: number;
  /** Series id. */
  seriesId: number | null;
  /** The series' plugin (`null` without a series). */
  plugin: string | null;
  /** Its target. */
  target: string | null;
  /** Its interface. */
  interface: string | null;
  /** Its server. */
  server: string | null;
  /** Its metric. */
  metric: string | null;
  /** Which detector. */
  detector: "anomaly" | "threshold";
  /** The rule's statistic, `"anomaly"` for the detector. */
  stat: string | null;
  /** `"warn"`, `"critical"` or `"clear"`. */
  severity: string;
  /** Level before. */
  from: string | null;
  /** Level after. */
  to: string | null;
  /** Anomalies: why (raised, escalated, cleared, adapted). */
  reason: string | null;
  /** Anomalies: the fused confidence. */
  confidence: number | null;
  /** Threshold rules: the statistic's value. */
  value: number | null;
  /** The event's message. */
  message: string;
}

/**
 * Reads the severity timeline, oldest first.
 *
 * @param db An open store's database (`store.db`).
 * @param query Period, run, series and detector.
 * @returns The rows.
 *
 * @example Reading the timeline of a store with one anomaly
 * ```ts
 * import { Store } from "./store.ts";
 * import { alertTimeline } from "./alert_timeline.ts";
 * const store = Store.open(":memory:");
 * const seriesId = store.seriesId({ plugin: "icmp", target: "a", interface: "", server: "", metric: "rtt", unit: "ms" });
 * store.insertEvents([
 *   { runId: null, ts: 10, kind: "alert", severity: "critical", seriesId, message: "raised", data: { detector: "anomaly", stat: "anomaly", from: "ok", to: "critical", reason: "raised", confidence: 0.97 } },
 *   { runId: null, ts: 20, kind: "alert", severity: "clear", seriesId, message: "cleared", data: { detector: "anomaly", stat: "anomaly", from: "critical", to: "ok", reason: "cleared", confidence: 0.05 } },
 *   { runId: null, ts: 15, kind: "plugin_error", severity: "warn", message: "not an alert" },
 * ]);
 * const rows = alertTimeline(store.db, { detector: "anomaly" });
 * console.log(rows.length, rows[0]?.to, rows[0]?.confidence, rows[1]?.to, rows[1]?.target); // 2 critical 0.97 ok a
 * store.close();
 * ```
 */
export function alertTimeline(
  db: DatabaseSync,
  query: AlertTimelineQuery = {},
): AlertTimelineRow[] {
  const rows = db.prepare(
    `SELECT id, run_id, ts, series_id, plugin, target, interface, server, metric, detector, stat,
       severity, level_from, level_to, reason, confidence, value, message
     FROM alert_timeline
     WHERE ts >= ? AND ts < ? AND (? IS NULL OR run_id = ?) AND (? IS NULL OR series_id = ?)
       AND (? IS NULL OR detector = ?)
     ORDER BY ts, id`,
  ).all(
    query.start ?? OPEN_START,
    query.end ?? OPEN_END,
    query.runId ?? null,
    query.runId ?? null,
    query.seriesId ?? null,
    query.seriesId ?? null,
    query.detector ?? null,
    query.detector ?? null,
  ) as Record<string, unknown>[];
  const text = (value: unknown) => typeof value === "string" ? value : null;
  const number = (value: unknown) => typeof value === "number" ? value : null;
  return rows.map((row) => ({
    id: row.id as number,
    runId: number(row.run_id),
    ts: row.ts as number,
    seriesId: number(row.series_id),
    plugin: text(row.plugin),
    target: text(row.target),
    interface: text(row.interface),
    server: text(row.server),
    metric: text(row.metric),
    detector: row.detector === "anomaly" ? "anomaly" : "threshold",
    stat: text(row.stat),
    severity: row.severity as string,
    from: text(row.level_from),
    to: text(row.level_to),
    reason: text(row.reason),
    confidence: number(row.confidence),
    value: number(row.value),
    message: row.message as string,
  }));
}
