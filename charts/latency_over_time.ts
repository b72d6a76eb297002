/**
 * `latency_over_time`: round trips per bucket, one colour per series (target, interface or
 * server): a light band from min to max, the average in bold, p95 dashed and p99 dotted.
 *
 * @module
 */
import * as Plot from "@observablehq/plot";
import { formatDuration } from "../core/duration.ts";
import { INK } from "./colors.ts";
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
 * Builds the latency-over-time chart.
 *
 * @param context Store, period, filter, bucket width.
 * @returns Legend, notes and one panel; no panel when no round trips were recorded.
 *
 * @example
 * ```ts
 * import { Store } from "../store/mod.ts";
 * import { latencyOverTime } from "./latency_over_time.ts";
 * const store = Store.open(":memory:");
 * const body = latencyOverTime({ store, start: 0, end: 3_600_000, filter: {}, bucketMs: 10_000 });
 * console.log(body.panels.length, body.emptyMessage); // 0 No round trips recorded in this period
 * store.close();
 * ```
 */
export function latencyOverTime(context: ChartContext): ChartBody {
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
  const points = seriesPoints(series, bucketMs, (row) => row.avg);
  const { legend, color } = seriesLegend(series);
  // The axis ends a little above most buckets' p99, not at a single spike: lines and band
  // are clipped there, and a note gives the true maximum.
  const tops: number[] = [];
  let highest = 0;
  for (const s of series) {
    for (const row of s.rows) {
      tops.push(Math.max(row.p99 ?? 0, row.avg ?? 0));
      highest = Math.max(highest, row.max ?? 0);
    }
  }
  tops.sort((a, b) => a - b);
  const yMax = niceCeiling(tops[Math.floor((tops.length - 1) * 0.98)]! * 1.1);
  const extra = highest > yMax
    ? [
      `Axis clipped at ${formatValue(yMax)} ms; the highest round trip was ${
        formatValue(highest)
      } ms.`,
    ]
    : [];
  return {
    bucketMs,
    subjects: series,
    legend: [
      ...legend,
      { label: "average", color: INK.key, mark: "line" },
      { label: "p95", color: INK.key, mark: "dashed" },
      { label: "p99", color: INK.key, mark: "dotted" },
      { label: "min–max", color: INK.key, mark: "band" },
    ],
    notes: [
      `Per ${formatDuration(bucketMs)} bucket: min–max band, average (bold), 95th and 99th ` +
      `percentile (dashed, dotted) of the round trips.`,
      ...extra,
      ...notes,
    ],
    panels: [{
      plot: ({ width, scale }) => ({
        x: timeScale(start, end, width),
        y: {
          domain: [0, yMax],
          label: "Round-trip time (ms)",
          labelAnchor: "center",
          labelArrow: "none",
          grid: true,
        },
        color,
        clip: true,
        marks: [
          Plot.areaY(points, {
            x: "t",
            y1: figure("min"),
            y2: figure("max"),
            z: "label",
            fill: "label",
            // Bands of many series overlap: each gets lighter as there are more.
            fillOpacity: Math.max(0.05, 0.25 / Math.sqrt(series.length)),
          }),
          Plot.lineY(points, {
            x: "t",
            y: figure("p99"),
            z: "label",
            stroke: "label",
            strokeWidth: 1.3 * scale,
            strokeOpacity: 0.8,
            strokeDasharray: `${2 * scale},${4 * scale}`,
          }),
          Plot.lineY(points, {
            x: "t",
            y: figure("p95"),
            z: "label",
            stroke: "label",
            strokeWidth: 1.5 * scale,
            strokeOpacity: 0.8,
            strokeDasharray: `${8 * scale},${5 * scale}`,
          }),
          Plot.lineY(points, {
            x: "t",
            y: figure("avg"),
            z: "label",
            stroke: "label",
            strokeWidth: 3 * scale,
          }),
          Plot.ruleY([0], { stroke: INK.faint }),
        ],
      }),
    }],
  };
}
