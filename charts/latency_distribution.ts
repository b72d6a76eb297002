/**
 * `latency_distribution`: a histogram of the round trips over the whole period, one outline
 * per series, as the share of each series' probes in each bin. Read from the store's value
 * histograms (bins of 2 %), regrouped into even bins.
 *
 * @module
 */
import * as Plot from "@observablehq/plot";
import { INK } from "./colors.ts";
import { histogramQuantile, labelSeries, matchingSeries } from "./data.ts";
import { capSeries, formatValue, LATENCY_METRICS, seriesLegend } from "./_series.ts";
import type { ChartBody, ChartContext } from "./types.ts";

/** About how many bins the x axis holds. */
const BINS = 80;

/**
 * Builds the latency-distribution chart. Legend entries carry each series' median; the axis
 * ends at the 99.5th percentile of all series, and a note says how much lies beyond.
 *
 * @param context Store, period, filter.
 * @returns Legend, notes and one panel; no panel when no round trips were recorded.
 *
 * @example
 * ```ts
 * import { Store } from "../store/mod.ts";
 * import { latencyDistribution } from "./latency_distribution.ts";
 * const store = Store.open(":memory:");
 * console.log(latencyDistribution({ store, start: 0, end: 60_000, filter: {}, bucketMs: 1000 }).panels.length); // 0
 * store.close();
 * ```
 */
export function latencyDistribution(context: ChartContext): ChartBody {
  const found = matchingSeries(context.store, {
    filter: context.filter,
    metrics: LATENCY_METRICS,
    units: ["ms"],
  });
  const histograms = context.store.rollupHistogram({
    seriesIds: found.map((s) => s.id),
    start: context.start,
    end: context.end,
  });
  const byId = new Map(histograms.map((h) => [h.seriesId, h]));
  const { series: shown, notes } = capSeries(
    labelSeries(found.filter((s) => (byId.get(s.id)?.okCount ?? 0) > 0))
      .map((s) => ({ ...s, rows: [] })),
  );
  if (shown.length === 0) {
    return {
      subjects: [],
      legend: [],
      notes,
      panels: [],
      emptyMessage: "No round trips recorded in this period",
    };
  }
  // One axis for all: up to the 99.5th percentile of the series that reaches farthest.
  const xMax = Math.max(...shown.map((s) => histogramQuantile(byId.get(s.id)!, 99.5) ?? 0));
  const width = niceStep(Math.max(xMax, 1e-3) / BINS);
  const binCount = Math.ceil(xMax / width) + 1;
  const bars: { label: string; x1: number; x2: number; share: number }[] = [];
  let beyond = 0;
  let total = 0;
  for (const s of shown) {
    const histogram = byId.get(s.id)!;
    const counts = new Float64Array(binCount);
    for (const bin of histogram.bins) beyond += spread(counts, width, bin);
    total += histogram.okCount;
    counts.forEach((count, index) => {
      bars.push({
        label: s.label,
        x1: index * width,
        x2: (index + 1) * width,
        share: count / histogram.okCount * 100,
      });
    });
  }
  const { legend, color } = seriesLegend(shown, "swatch", (s) => {
    const median = histogramQuantile(byId.get(s.id)!, 50);
    return median === null ? s.label : `${s.label} (median ${formatValue(median)} ms)`;
  });
  const beyondNote = beyond > 0
    ? [
      `${(beyond / total * 100).toFixed(2)} % of the round trips lie beyond ${
        formatValue(binCount * width)
      } ms, off the axis.`,
    ]
    : [];
  return {
    subjects: shown,
    legend,
    notes: [
      `Share of each series' round trips per ${formatValue(width)} ms bin over the period ` +
      `(values within 1 %).`,
      ...beyondNote,
      ...notes,
    ],
    panels: [{
      plot: ({ scale }) => ({
        x: {
          domain: [0, binCount * width],
          label: "Round-trip time (ms)",
          labelAnchor: "center",
          labelArrow: "none",
        },
        y: {
          label: "Share of probes (%)",
          labelAnchor: "center",
          labelArrow: "none",
          grid: true,
        },
        color,
        marks: [
          Plot.rectY(bars, {
            x1: "x1",
            x2: "x2",
            y1: 0,
            y2: "share",
            fill: "label",
            fillOpacity: 0.15,
          }),
          Plot.lineY(bars, {
            x: "x1",
            y: "share",
            z: "label",
            stroke: "label",
            strokeWidth: 2 * scale,
            curve: "step-after",
          }),
          Plot.ruleY([0], { stroke: INK.faint }),
        ],
      }),
    }],
  };
}

/**
 * Shares a store bin's count among the even bins it overlaps, in proportion (a store bin is
 * about 2 % wide, so at large values it spans several even bins). Values below zero count in
 * the first bin.
 *
 * @returns The part of the count beyond the last even bin.
 */
function spread(
  counts: Float64Array,
  width: number,
  bin: { lower: number; upper: number; count: number },
): number {
  const lower = Math.max(0, bin.lower);
  const upper = Math.max(0, bin.upper);
  const end = counts.length * width;
  if (upper <= lower) {
    const index = Math.floor(lower / width);
    if (index >= counts.length) return bin.count;
    counts[index]! += bin.count;
    return 0;
  }
  const perMs = bin.count / (upper - lower);
  for (let index = Math.floor(lower / width); index * width < Math.min(upper, end); index++) {
    const overlap = Math.min(upper, (index + 1) * width) - Math.max(lower, index * width);
    counts[index]! += overlap * perMs;
  }
  return upper > end ? (upper - Math.max(lower, end)) * perMs : 0;
}

/** A bin width of 1, 2 or 5 times a power of ten, at or above `value`. */
function niceStep(value: number): number {
  const power = 10 ** Math.floor(Math.log10(value));
  for (const step of [1, 2, 5]) {
    if (step * power >= value) return step * power;
  }
  return 10 * power;
}
