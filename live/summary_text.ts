/**
 * The run summary as text: one table of primary series, then tests, alerts and notes.
 *
 * @module
 */
import { formatDuration } from "../core/duration.ts";
import type { RunSummary } from "../core/run_observer.ts";
import { formatPercent, formatTable, formatValue, seriesName } from "./format.ts";

/**
 * Formats a run summary for a terminal.
 *
 * @param summary The summary.
 * @param options `all: true` lists secondary metrics too.
 * @returns Lines to print.
 *
 * @example
 * ```ts
 * import { formatRunSummary } from "./summary_text.ts";
 * const lines = formatRunSummary({
 *   runId: 1, recipe: "demo", storePath: "x.db", startedAt: 0, endedAt: 1000, status: "completed",
 *   stopReason: "duration", series: [], tests: [], activeAlerts: [], eventCounts: {}, notes: [],
 *   droppedRows: 0,
 * });
 * console.log(lines[0]); // Run 1 "demo" completed after 1s (duration); stored in x.db
 * ```
 */
export function formatRunSummary(summary: RunSummary, options: { all?: boolean } = {}): string[] {
  const lines = [
    `Run ${summary.runId} "${summary.recipe}" ${summary.status} after ${
      formatDuration(summary.endedAt - summary.startedAt)
    } (${summary.stopReason}); stored in ${summary.storePath}`,
  ];
  const rows = summary.series.filter((s) => options.all || s.series.primary);
  if (rows.length > 0) {
    const table = [[
      "plugin",
      "series",
      "metric",
      "sent",
      "lost",
      "failed",
      "loss",
      "min",
      "avg",
      "p50",
      "p95",
      "max",
      "jitter",
      "missed",
    ]];
    for (const s of rows) {
      table.push([
        s.series.plugin,
        seriesName(s.series),
        s.series.unit ? `${s.series.metric} (${s.series.unit})` : s.series.metric,
        String(s.sent),
        String(s.lost),
        String(s.failed),
        formatPercent(s.lossPct),
        formatValue(s.min),
        formatValue(s.avg),
        formatValue(s.p50),
        formatValue(s.p95),
        formatValue(s.max),
        formatValue(s.jitter),
        String(s.missedSlots),
      ]);
    }
    lines.push(...formatTable(table).map((l) => "  " + l));
    for (const s of rows) {
      if (s.reasons.length === 0) continue;
      lines.push(
        `  ${s.series.plugin} ${seriesName(s.series)}: ${
          s.reasons.map((r) => `${r.count} ${r.reason}`).join(", ")
        }`,
      );
    }
  } else {
    lines.push("  no samples");
  }
  for (const test of summary.tests) {
    lines.push(
      `  test ${test.plugin}${test.target ? ` ${test.target}` : ""}${
        test.where ?? ""
      }: ${test.status}${test.grade ? `, grade ${test.grade}` : ""}${
        test.headline ? `, ${test.headline}` : ""
      }`,
    );
  }
  for (const alert of summary.activeAlerts) lines.push(`  alert still raised: ${alert}`);
  for (const note of summary.notes) lines.push(`  note: ${note}`);
  if (summary.droppedRows > 0) {
    lines.push(`  WARNING: ${summary.droppedRows} row(s) could not be written to the store`);
  }
  return lines;
}
