/**
 * `throughput_over_time`: download and upload speed per bucket from the throughput tests,
 * dots joined by lines (tests are short and sparse, so most buckets hold none).
 *
 * @module
 */
import * as Plot from "@observablehq/plot";
import { formatDuration } from "../core/duration.ts";
import { INK } from "./colors.ts";
import { isThroughputUnit, loadSeries, periodTotals } from "./data.ts";
import { capSeries, formatValue, niceCeiling, seriesLegend } from "./_series.ts";
import { timeScale } from "./time_axis.ts";
import type { ChartBody, ChartContext } from "./types.ts";

/**
 * Metrics the throughput chart shows (unless the filter names a metric).
 *
 * @example
 * ```ts
 * import { THROUGHPUT_METRICS } from "./throughput_over_time.ts";
 * console.log(THROUGHPUT_METRICS); // [ "download", "upload" ]
 * ```
 */
export const THROUGHPUT_METRICS: readonly string[] = ["download", "upload"];

/**
 * Builds the throughput chart. Legend entries carry each series' average over the period.
 *
 * @param context Store, period, filter, bucket width.
 * @returns Legend, notes and one panel; no panel when no throughput was measured.
 *
 * @example
 * ```ts
 * import { Store } from "../store/mod.ts";
 * import { throughputOverTime } from "./throughput_over_time.ts";
 * const store = Store.open(":memory:");
 * console.log(throughputOverTime({ store, start: 0, end: 60_000, filter: {}, bucketMs: 1000 }).emptyMessage);
 * // No throughput measured in this period
 * store.close();
 * ```
 */
export function throughputOverTime(context: ChartContext): ChartBody {
  const loaded = loadSeries(context.store, {
    start: context.start,
    end: context.end,
    bucketMs: context.bucketMs,
    // A test's samples come in a burst: a bucket with any of them is full enough.
    minSamples: 1,
    filter: context.filter,
    metrics: THROUGHPUT_METRICS,
  });
  const { series, notes } = capSeries(loaded.series.filter((s) => isThroughputUnit(s.unit)));
  const bucketMs = loaded.bucketMs;
  if (series.length === 0) {
    return {
      subjects: [],
      legend: [],
      notes,
      panels: [],
      emptyMessage: "No throughput measured in this period",
    };
  }
  const { start, end } = context;
  const unit = series[0]!.unit;
  const points = series.flatMap((s) =>
    s.rows.map((row) => ({
      label: s.label,
      t: new Date(row.bucketStart + bucketMs / 2),
      avg: row.avg ?? Number.NaN,
    }))
  );
  const { legend, color } = seriesLegend(series, "line", (s) => {
    const avg = periodTotals(s.rows).avg;
    return avg === null ? s.label : `${s.label} (${formatValue(avg)} ${s.unit})`;
  });
  const top = Math.max(0, ...points.map((p) => (Number.isFinite(p.avg) ? p.avg : 0)));
  const mixed = series.some((s) => s.unit !== unit);
  return {
    bucketMs,
    subjects: series,
    legend,
    notes: [
      `Average speed per ${formatDuration(bucketMs)} bucket that holds a test; in the legend, ` +
      `over the whole period.`,
      ...(mixed ? [`Series have different units; the axis shows ${unit}.`] : []),
      ...notes,
    ],
    panels: [{
      plot: ({ width, scale }) => ({
        x: timeScale(start, end, width),
        y: {
          domain: [0, niceCeiling(top * 1.05)],
          label: `Throughput (${unit})`,
          labelAnchor: "center",
          labelArrow: "none",
          grid: true,
        },
        color,
        marks: [
          Plot.lineY(points, {
            x: "t",
            y: "avg",
            z: "label",
            stroke: "label",
            strokeWidth: 2.5 * scale,
            strokeOpacity: 0.7,
          }),
          Plot.dot(points, { x: "t", y: "avg", fill: "label", r: 5 * scale }),
          Plot.ruleY([0], { stroke: INK.faint }),
        ],
      }),
    }],
  };
}
