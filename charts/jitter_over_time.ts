/**
 * `jitter_over_time`: per bucket, the mean absolute difference of consecutive round trips
 * (IPDV, the jitter irtt reports), one line per series.
 *
 * @module
 */
import * as Plot from "@observablehq/plot";
import { formatDuration } from "../core/duration.ts";
import { INK } from "./colors.ts";
import { periodTotals } from "./data.ts";
import {
  figure,
  formatValue,
  latencySeries,
  niceCeiling,
  seriesLegend,
  seriesPoints,
} from "./_series.ts";
import { timeScale } from "./time_axis.ts";
import type { ChartBody, ChartContext } from "./types.ts";

/**
 * Builds the jitter-over-time chart. Legend entries carry each series' jitter over the
 * whole period.
 *
 * @param context Store, period, filter, bucket width.
 * @returns Legend, notes and one panel; no panel when no round trips were recorded.
 *
 * @example
 * ```ts
 * import { Store } from "../store/mod.ts";
 * import { jitterOverTime } from "./jitter_over_time.ts";
 * const store = Store.open(":memory:");
 * console.log(jitterOverTime({ store, start: 0, end: 60_000, filter: {}, bucketMs: 1000 }).panels.length); // 0
 * store.close();
 * ```
 */
export function jitterOverTime(context: ChartContext): ChartBody {
  const { series, notes, bucketMs } = latencySeries(context);
  if (series.length === 0) {
    return {
      subjects: [],
      legend: [],
      notes,
      panels: [],
      emptyMessage: "No round trips recorded in this period",
    };
  }
  const { start, end } = context;
  const points = seriesPoints(series, bucketMs, (row) => row.ipdv);
  const { legend, color } = seriesLegend(series, "line", (s) => {
    const jitter = periodTotals(s.rows).ipdv;
    return jitter === null ? s.label : `${s.label} (${formatValue(jitter)} ms)`;
  });
  const top = Math.max(0, ...points.map((p) => (Number.isFinite(p.value) ? p.value : 0)));
  return {
    bucketMs,
    subjects: series,
    legend,
    notes: [
      `Jitter per ${formatDuration(bucketMs)} bucket: mean |difference| of consecutive round ` +
      `trips (IPDV); in the legend, over the whole period.`,
      ...notes,
    ],
    panels: [{
      plot: ({ width, scale }) => ({
        x: timeScale(start, end, width),
        y: {
          domain: [0, niceCeiling(top * 1.05)],
          label: "Jitter (ms)",
          labelAnchor: "center",
          labelArrow: "none",
          grid: true,
        },
        color,
        marks: [
          Plot.lineY(points, {
            x: "t",
            y: figure("ipdv"),
            z: "label",
            stroke: "label",
            strokeWidth: 2.2 * scale,
          }),
          Plot.ruleY([0], { stroke: INK.faint }),
        ],
      }),
    }],
  };
}
