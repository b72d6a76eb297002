/**
 * What the time-series charts share: picking the round-trip series, capping how many one
 * chart shows, turning buckets into points with gaps where data is missing, and the legend
 * of series colours.
 *
 * @module
 */
import type { RollupRow } from "../store/mod.ts";
import { seriesColors } from "./colors.ts";
import { type ChartSeries, loadSeries } from "./data.ts";
import type { ChartContext, LegendItem } from "./types.ts";

/** Most series one chart draws; more would be unreadable. */
export const MAX_SERIES = 8;

/** Metrics that are round trips. */
export const LATENCY_METRICS: readonly string[] = ["rtt"];

/** The series of a chart, their bucket width and what to say about series left out. */
export interface PickedSeries<T = ChartSeries> {
  /** Series drawn, at most {@linkcode MAX_SERIES}. */
  series: T[];
  /** Bucket width of their rows. */
  bucketMs: number;
  /** Notes for the chart (series left out). */
  notes: string[];
}

/**
 * The round-trip series of the period (metric `rtt` in ms, unless the filter names a metric),
 * at most {@linkcode MAX_SERIES}.
 *
 * @param context The chart's context.
 * @param bucketMs Bucket width to start from; a fixed width when `minSamples` is 1.
 * @param minSamples Fewest samples a typical bucket should hold (see {@linkcode loadSeries}).
 * @returns The series, bucket width and notes.
 */
export function latencySeries(
  context: ChartContext,
  bucketMs = context.bucketMs,
  minSamples = 10,
): PickedSeries {
  const loaded = loadSeries(context.store, {
    start: context.start,
    end: context.end,
    bucketMs,
    minSamples,
    filter: context.filter,
    metrics: LATENCY_METRICS,
    units: ["ms"],
  });
  return { ...capSeries(loaded.series), bucketMs: loaded.bucketMs };
}

/**
 * Keeps the first {@linkcode MAX_SERIES} series and says how many were left out.
 *
 * @param all The series.
 * @returns The kept series and a note.
 */
export function capSeries<T>(all: readonly T[]): { series: T[]; notes: string[] } {
  const series = all.slice(0, MAX_SERIES);
  const left = all.length - series.length;
  const notes = left > 0
    ? [
      `${left} more series not shown: narrow the chart with --target, --interface, --server ` +
      `or --metric.`,
    ]
    : [];
  return { series, notes };
}

/** One bucket of one series, ready for Plot. */
export interface SeriesPoint {
  /** The series' label (the colour key). */
  label: string;
  /** Middle of the bucket. */
  t: Date;
  /** The bucket's figures; `null` marks a gap, so lines break there. */
  row: RollupRow | null;
  /** The value the chart plots. */
  value: number;
}

/**
 * Points of every series for Plot, one per bucket at the bucket's middle, with a gap point
 * (value `NaN`) wherever buckets are missing, so lines do not bridge outages.
 *
 * @param series The series.
 * @param bucketMs Bucket width.
 * @param value What to plot from a bucket (`null` for nothing).
 * @returns The points, series after series.
 */
export function seriesPoints(
  series: readonly ChartSeries[],
  bucketMs: number,
  value: (row: RollupRow) => number | null,
): SeriesPoint[] {
  const points: SeriesPoint[] = [];
  for (const s of series) {
    let previous: number | undefined;
    for (const row of s.rows) {
      if (previous !== undefined && row.bucketStart - previous > bucketMs * 1.5) {
        points.push({
          label: s.label,
          t: new Date(previous + bucketMs * 1.5),
          row: null,
          value: Number.NaN,
        });
      }
      points.push({
        label: s.label,
        t: new Date(row.bucketStart + bucketMs / 2),
        row,
        value: value(row) ?? Number.NaN,
      });
      previous = row.bucketStart;
    }
  }
  return points;
}

/**
 * A Plot channel reading one figure of a point's bucket (`NaN` at gaps and where the figure
 * is missing).
 *
 * @param key The figure.
 * @returns The accessor.
 */
export function figure(
  key: "min" | "max" | "avg" | "p50" | "p95" | "p99" | "ipdv",
): (point: SeriesPoint) => number {
  return (point) => point.row?.[key] ?? Number.NaN;
}

/**
 * Legend entries, one per series, and the Plot colour scale that matches them.
 *
 * @param series The series, in legend order.
 * @param mark How the entries look.
 * @param label The entry's text.
 * @returns The entries and the scale.
 */
export function seriesLegend(
  series: readonly ChartSeries[],
  mark: LegendItem["mark"] = "line",
  label: (series: ChartSeries) => string = (s) => s.label,
): { legend: LegendItem[]; color: { domain: string[]; range: string[] } } {
  const color = seriesColors(series.map((s) => s.label));
  return {
    legend: series.map((s, i) => ({ label: label(s), color: color.range[i]!, mark })),
    color,
  };
}

/**
 * A round upper bound for an axis: the next of 1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8 times a
 * power of ten at or above `value`.
 *
 * @param value The largest value to show.
 * @returns The bound (1 when `value` is not positive).
 */
export function niceCeiling(value: number): number {
  if (!(value > 0) || !Number.isFinite(value)) return 1;
  const power = 10 ** Math.floor(Math.log10(value));
  for (const step of [1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10]) {
    if (step * power >= value * (1 - 1e-12)) return step * power;
  }
  return 10 * power;
}

/**
 * A number with about three significant digits, for labels.
 *
 * @param value The number.
 * @returns The text.
 */
export function formatValue(value: number): string {
  const size = Math.abs(value);
  if (size >= 100) return value.toFixed(0);
  if (size >= 10) return value.toFixed(1);
  return value.toFixed(2);
}
