/**
 * `connection_comparison`: interfaces (or servers, or targets) side by side over the period,
 * in three panels: average round trip with its 95th percentile, jitter, and loss. One bar per
 * series, coloured by interface when the series use two or more, else by server, else by
 * target; a note compares the groups.
 *
 * @module
 */
import * as Plot from "@observablehq/plot";
import { INK, seriesColors } from "./colors.ts";
import { type ChartSeries, histogramQuantile, periodTotals } from "./data.ts";
import { textWidth } from "./frame.ts";
import { formatValue, latencySeries, niceCeiling } from "./_series.ts";
import type { ChartBody, ChartContext, ChartPanel } from "./types.ts";

/** One bar: a series' figure over the period. */
interface Bar {
  label: string;
  group: string;
  value: number;
  p95?: number;
  text: string;
}

/**
 * Builds the comparison chart.
 *
 * @param context Store, period, filter, bucket width.
 * @returns Legend (the groups), notes with the groups' figures, three panels; no panel when
 * no round trips were recorded.
 *
 * @example
 * ```ts
 * import { Store } from "../store/mod.ts";
 * import { connectionComparison } from "./connection_comparison.ts";
 * const store = Store.open(":memory:");
 * console.log(connectionComparison({ store, start: 0, end: 60_000, filter: {}, bucketMs: 1000 }).panels.length); // 0
 * store.close();
 * ```
 */
export function connectionComparison(context: ChartContext): ChartBody {
  const { series, notes } = latencySeries(context);
  if (series.length === 0) {
    return {
      subjects: [],
      legend: [],
      notes,
      panels: [],
      emptyMessage: "No round trips recorded in this period",
    };
  }
  const dimension = groupDimension(series);
  const groupOf = (s: ChartSeries) =>
    s[dimension] || (dimension === "interface" ? "default route" : s.plugin);
  const groups = [...new Set(series.map(groupOf))];
  const color = seriesColors(groups);
  const histograms = new Map(
    context.store.rollupHistogram({
      seriesIds: series.map((s) => s.id),
      start: context.start,
      end: context.end,
    }).map((h) => [h.seriesId, h]),
  );
  const latency: Bar[] = [];
  const jitter: Bar[] = [];
  const loss: Bar[] = [];
  for (const s of series) {
    const totals = periodTotals(s.rows);
    const group = groupOf(s);
    const histogram = histograms.get(s.id);
    const p95 = histogram === undefined ? null : histogramQuantile(histogram, 95);
    if (totals.avg !== null) {
      latency.push({
        label: s.label,
        group,
        value: totals.avg,
        ...(p95 === null ? {} : { p95 }),
        text: `${formatValue(totals.avg)} ms` + (p95 === null ? "" : ` (p95 ${formatValue(p95)})`),
      });
    }
    if (totals.ipdv !== null) {
      jitter.push({
        label: s.label,
        group,
        value: totals.ipdv,
        text: `${formatValue(totals.ipdv)} ms`,
      });
    }
    const lossPct = totals.lossPct ?? 0;
    loss.push({ label: s.label, group, value: lossPct, text: `${lossPct.toFixed(2)} %` });
  }
  const labels = series.map((s) => s.label);
  return {
    subjects: series,
    legend: groups.map((group, i) => ({ label: group, color: color.range[i]!, mark: "swatch" })),
    notes: [
      `Over the whole period, per series; black ticks: 95th percentile (within 1 %). Colour: ${dimension}.`,
      ...groupSummary(series, groupOf, groups),
      ...notes,
    ],
    columns: 3,
    panels: [
      barPanel("Average round trip (ms)", latency, labels, color, "ms"),
      barPanel("Jitter (ms)", jitter, labels, color, "ms"),
      barPanel("Packet loss (%)", loss, labels, color, "%"),
    ],
  };
}

/** Which key tells the compared connections apart. */
function groupDimension(series: readonly ChartSeries[]): "interface" | "server" | "target" {
  const distinct = (key: "interface" | "server") =>
    new Set(series.map((s) => s[key]).filter((value) => value !== "")).size;
  if (distinct("interface") >= 2) return "interface";
  if (distinct("server") >= 2) return "server";
  return "target";
}

/** One line per group: its figures over all its series. */
function groupSummary(
  series: readonly ChartSeries[],
  groupOf: (s: ChartSeries) => string,
  groups: readonly string[],
): string[] {
  if (groups.length < 2) return [];
  const parts = groups.map((group) => {
    const totals = periodTotals(series.filter((s) => groupOf(s) === group).flatMap((s) => s.rows));
    const avg = totals.avg === null ? "–" : `${formatValue(totals.avg)} ms`;
    const jitter = totals.ipdv === null ? "–" : `${formatValue(totals.ipdv)} ms`;
    return `${group}: latency ${avg}, jitter ${jitter}, loss ${(totals.lossPct ?? 0).toFixed(2)} %`;
  });
  return [parts.join(" · ")];
}

function barPanel(
  caption: string,
  bars: readonly Bar[],
  labels: readonly string[],
  color: { domain: string[]; range: string[] },
  unit: string,
): ChartPanel {
  const top = Math.max(0, ...bars.map((bar) => Math.max(bar.value, bar.p95 ?? 0)));
  return {
    caption,
    plot: ({ scale }) => ({
      marginLeft: Math.max(...labels.map((label) => textWidth(label, 16 * scale))) + 16 * scale,
      marginRight: 24 * scale,
      x: {
        domain: [0, niceCeiling(top * 1.35)],
        label: unit,
        labelAnchor: "center",
        labelArrow: "none",
        grid: true,
      },
      y: { domain: [...labels], label: null, tickSize: 0, padding: 0.25 },
      color,
      marks: [
        Plot.barX(bars, { y: "label", x: "value", fill: "group" }),
        Plot.tickX(bars.filter((bar) => bar.p95 !== undefined), {
          y: "label",
          x: "p95",
          stroke: INK.text,
          strokeWidth: 2.5 * scale,
        }),
        Plot.text(bars, {
          y: "label",
          x: (bar: Bar) => Math.max(bar.value, bar.p95 ?? 0),
          text: "text",
          dx: 8 * scale,
          textAnchor: "start",
          fill: INK.text,
        }),
        Plot.ruleX([0], { stroke: INK.faint }),
      ],
    }),
  };
}
