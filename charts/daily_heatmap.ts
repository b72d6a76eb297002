/**
 * `daily_heatmap`: the average round trip per hour of day (UTC, across) and day (down), one
 * panel per series on one shared colour ramp, so time-of-day patterns (evening congestion)
 * stand out. Read from hour buckets, which the store keeps rolled up.
 *
 * @module
 */
import * as Plot from "@observablehq/plot";
import { HEAT_COLORS } from "./colors.ts";
import { latencySeries } from "./_series.ts";
import type { ChartBody, ChartContext } from "./types.ts";

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** One cell: a series' average in one hour of one day. */
interface Cell {
  day: string;
  hour: number;
  avg: number;
}

/**
 * Builds the heatmap.
 *
 * @param context Store, period, filter (the bucket is always an hour).
 * @returns A colour ramp legend, notes and one panel per series; no panel without data.
 *
 * @example
 * ```ts
 * import { Store } from "../store/mod.ts";
 * import { dailyHeatmap } from "./daily_heatmap.ts";
 * const store = Store.open(":memory:");
 * console.log(dailyHeatmap({ store, start: 0, end: 86_400_000, filter: {}, bucketMs: 300_000 }).panels.length); // 0
 * store.close();
 * ```
 */
export function dailyHeatmap(context: ChartContext): ChartBody {
  const { series, notes } = latencySeries(context, HOUR, 1);
  const cellsBySeries = series.map((s) =>
    s.rows.filter((row) => row.avg !== null).map((row): Cell => ({
      day: dayLabel(row.bucketStart),
      hour: new Date(row.bucketStart).getUTCHours(),
      avg: row.avg!,
    }))
  );
  const values = cellsBySeries.flat().map((cell) => cell.avg).sort((a, b) => a - b);
  if (values.length === 0) {
    return {
      subjects: [],
      legend: [],
      notes,
      panels: [],
      emptyMessage: "No round trips recorded in this period",
    };
  }
  const low = values[0]!;
  const high = Math.max(low + 0.1, values[Math.floor((values.length - 1) * 0.98)]!);
  const days: string[] = [];
  for (let day = Math.floor(context.start / DAY) * DAY; day < context.end; day += DAY) {
    days.push(dayLabel(day));
  }
  const dayStep = Math.ceil(days.length / 16);
  const count = series.length;
  return {
    bucketMs: HOUR,
    subjects: series,
    legend: [],
    ramp: { label: "Average round trip (ms)", colors: HEAT_COLORS, min: low, max: high },
    notes: [
      `Average round trip per hour (UTC); colours above ${high.toFixed(1)} ms (the 98th ` +
      `percentile of the cells) show as the darkest. Empty cells: no data.`,
      ...notes,
    ],
    columns: count <= 3 ? count : count <= 4 ? 2 : count <= 6 ? 3 : 4,
    panels: series.map((s, i) => ({
      caption: s.label,
      plot: ({ scale }) => ({
        marginLeft: 64 * scale,
        marginBottom: 50 * scale,
        x: {
          type: "band",
          domain: Array.from({ length: 24 }, (_, hour) => hour),
          label: "Hour of day (UTC)",
          labelAnchor: "center",
          labelArrow: "none",
          tickFormat: (hour: number) => (hour % 3 === 0 ? String(hour).padStart(2, "0") : ""),
          tickSize: 0,
          padding: 0,
        },
        y: {
          type: "band",
          domain: days,
          label: null,
          tickSize: 0,
          padding: 0,
          tickFormat: (day: string) => (days.indexOf(day) % dayStep === 0 ? day : ""),
        },
        color: { type: "linear", domain: [low, high], range: [...HEAT_COLORS], clamp: true },
        marks: [
          Plot.frame({ fill: "#f4f4f4" }),
          Plot.cell(cellsBySeries[i]!, { x: "hour", y: "day", fill: "avg", inset: 0.5 }),
        ],
      }),
    })),
  };
}

function dayLabel(ms: number): string {
  const date = new Date(ms);
  return `${String(date.getUTCMonth() + 1).padStart(2, "0")}-${
    String(date.getUTCDate()).padStart(2, "0")
  }`;
}
