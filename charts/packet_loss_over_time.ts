/**
 * `packet_loss_over_time`: the share of probes lost per bucket, one step line per series.
 *
 * @module
 */
import * as Plot from "@observablehq/plot";
import { formatDuration } from "../core/duration.ts";
import { INK } from "./colors.ts";
import { periodTotals } from "./data.ts";
import { latencySeries, niceCeiling, seriesLegend, seriesPoints } from "./_series.ts";
import { timeScale } from "./time_axis.ts";
import type { ChartBody, ChartContext } from "./types.ts";

/**
 * Builds the packet-loss chart. Legend entries carry each series' loss over the period.
 *
 * @param context Store, period, filter, bucket width.
 * @returns Legend, notes and one panel; no panel when no probes were recorded.
 *
 * @example
 * ```ts
 * import { Store } from "../store/mod.ts";
 * import { packetLossOverTime } from "./packet_loss_over_time.ts";
 * const store = Store.open(":memory:");
 * console.log(packetLossOverTime({ store, start: 0, end: 60_000, filter: {}, bucketMs: 1000 }).emptyMessage);
 * // No probes recorded in this period
 * store.close();
 * ```
 */
export function packetLossOverTime(context: ChartContext): ChartBody {
  const { series, notes, bucketMs } = latencySeries(context);
  if (series.length === 0) {
    return {
      subjects: [],
      legend: [],
      notes,
      panels: [],
      emptyMessage: "No probes recorded in this period",
    };
  }
  const { start, end } = context;
  const points = seriesPoints(series, bucketMs, (row) => row.lost / row.count * 100);
  const { legend, color } = seriesLegend(series, "line", (s) => {
    const loss = periodTotals(s.rows).lossPct ?? 0;
    return `${s.label} (${loss.toFixed(loss < 10 ? 2 : 1)} %)`;
  });
  const top = Math.max(1, ...points.map((p) => (Number.isFinite(p.value) ? p.value : 0)));
  return {
    bucketMs,
    subjects: series,
    legend,
    notes: [
      `Probes lost per ${formatDuration(bucketMs)} bucket, in percent of probes sent; in the ` +
      `legend, over the whole period.`,
      ...notes,
    ],
    panels: [{
      plot: ({ width, scale }) => ({
        x: timeScale(start, end, width),
        y: {
          domain: [0, Math.min(100, niceCeiling(top * 1.05))],
          label: "Packet loss (%)",
          labelAnchor: "center",
          labelArrow: "none",
          grid: true,
        },
        color,
        marks: [
          Plot.lineY(points, {
            x: "t",
            y: "value",
            z: "label",
            stroke: "label",
            strokeWidth: 2 * scale,
            curve: "step",
          }),
          Plot.ruleY([0], { stroke: INK.faint }),
        ],
      }),
    }],
  };
}
