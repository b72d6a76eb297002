/**
 * The interactive charts of the HTML report as plotly.js figures (data and layout, plain JSON):
 * one per chart type the preset shows, plus bufferbloat grades over time and DNS timings.
 * Colours of the page (text, grid, background) are left to the page, which sets them for its
 * light or dark theme.
 *
 * @module
 */
import { GRADE_COLORS, SERIES_COLORS } from "../charts/colors.ts";
import { BUFFERBLOAT_GRADES, LOADED_PHASES } from "../charts/bufferbloat_summary.ts";
import { CHART_TYPES, type ChartType } from "../charts/types.ts";
import type { ReportModel, SeriesBuckets, SeriesRole } from "./model.ts";

/**
 * One plotly figure and where the page puts it.
 *
 * @example A figure with one line
 * ```ts
 * import type { PlotlyFigure } from "./plotly_figures.ts";
 * const figure: PlotlyFigure = {
 *   id: "latency_over_time", section: "charts", title: "Latency over time", description: "Round trips",
 *   data: [{ type: "scatter", mode: "lines", x: [0, 1], y: [15, 16] }], layout: {}, legend: [],
 * };
 * ```
 */
export interface PlotlyFigure {
  /** Element id suffix: a chart type, `bufferbloat_grades` or `dns_timings`. */
  id: string;
  /** The section it belongs to: `charts`, `bufferbloat` or `dns`. */
  section: "charts" | "bufferbloat" | "dns";
  /** Title shown above it. */
  title: string;
  /** What it shows, shown under it. */
  description: string;
  /** Plotly traces. */
  data: Record<string, unknown>[];
  /** Plotly layout (plotly's own legend is off: the page draws {@linkcode PlotlyFigure.legend}). */
  layout: Record<string, unknown>;
  /** Legend entries, one per trace group; clicking one shows or hides its traces. */
  legend: LegendEntry[];
}

/**
 * One legend entry of a figure: the traces whose `legendgroup` is `group`.
 *
 * @example A series drawn as a line, shown
 * ```ts
 * import type { LegendEntry } from "./plotly_figures.ts";
 * const entry: LegendEntry = { group: "vienna @eth0", label: "vienna @eth0", color: "#4e79a7", hidden: false };
 * ```
 */
export interface LegendEntry {
  /** The `legendgroup` of its traces. */
  group: string;
  /** The text. */
  label: string;
  /** The colour of its swatch. */
  color: string;
  /** Whether its traces start hidden (`visible: "legendonly"`). */
  hidden: boolean;
}

const BASE_LAYOUT = {
  autosize: true,
  height: 360,
  margin: { l: 56, r: 16, t: 12, b: 44 },
  showlegend: false,
  hovermode: "closest",
} as const;

/** The legend of some traces: one entry per `legendgroup`, in order, coloured as its first trace. */
function legendOf(data: readonly Record<string, unknown>[]): LegendEntry[] {
  const entries = new Map<string, LegendEntry>();
  for (const trace of data) {
    const group = String(trace.legendgroup ?? trace.name ?? "");
    if (group === "" || entries.has(group)) continue;
    const line = trace.line as { color?: string } | undefined;
    const marker = trace.marker as { color?: string } | undefined;
    entries.set(group, {
      group,
      label: group,
      color: line?.color ?? marker?.color ?? "#888888",
      hidden: trace.visible === "legendonly",
    });
  }
  return [...entries.values()];
}

const dateAxis = (model: ReportModel) => ({
  type: "date",
  range: [model.start, model.end],
  title: { text: "Time (UTC)" },
});

/** Completes a figure with its legend. */
function figure(
  base: Pick<PlotlyFigure, "id" | "section" | "title" | "description">,
  data: Record<string, unknown>[],
  layout: Record<string, unknown>,
  withLegend = true,
): PlotlyFigure {
  return { ...base, data, layout, legend: withLegend ? legendOf(data) : [] };
}

/**
 * Builds the figures of a report.
 *
 * @param model The report model.
 * @returns The figures: the preset's chart types in order, then bufferbloat grades over time,
 * then DNS timings (full preset); charts without data are left out.
 *
 * @example Listing the figures of a model
 * ```ts ignore
 * import { plotlyFigures } from "./plotly_figures.ts";
 * declare const model: import("./model.ts").ReportModel;
 * console.log(plotlyFigures(model).map((f) => f.id));
 * ```
 */
export function plotlyFigures(model: ReportModel): PlotlyFigure[] {
  const figures: PlotlyFigure[] = [];
  for (const type of model.charts) {
    const figure = chartFigure(type, model);
    if (figure !== undefined) figures.push(figure);
  }
  const grades = bufferbloatGrades(model);
  if (grades !== undefined) figures.push(grades);
  if (model.preset === "full") {
    const dns = dnsTimings(model);
    if (dns !== undefined) figures.push(dns);
  }
  return figures;
}

function chartFigure(type: ChartType, model: ReportModel): PlotlyFigure | undefined {
  const info = CHART_TYPES.find((t) => t.id === type)!;
  const base = {
    id: type,
    section: "charts" as const,
    title: info.title,
    description: info.description,
  };
  switch (type) {
    case "latency_over_time":
      return lines(model, base, "latency", "avg", "Round trip (ms)", true);
    case "jitter_over_time":
      return lines(model, base, "latency", "ipdv", "Jitter (ms)", false);
    case "packet_loss_over_time":
      return lines(model, base, "latency", "lossPct", "Loss (%)", false);
    case "throughput_over_time":
      return lines(model, base, "throughput", "avg", "Throughput (Mbit/s)", false, "lines+markers");
    case "latency_distribution":
      return distribution(model, base);
    case "connection_comparison":
      return comparison(model, base);
    case "daily_heatmap":
      return heatmap(model, base);
    case "bufferbloat_impact":
      return bufferbloatImpact(model, base);
  }
}

type FigureBase = Pick<PlotlyFigure, "id" | "section" | "title" | "description">;

/** x and y with a `null` wherever buckets are missing, so lines break at outages. */
function withGaps(
  buckets: SeriesBuckets,
  values: readonly (number | null)[],
): { x: (number | null)[]; y: (number | null)[] } {
  const { bucketMs } = buckets;
  const x: (number | null)[] = [];
  const y: (number | null)[] = [];
  let previous: number | undefined;
  buckets.t.forEach((t, i) => {
    if (previous !== undefined && t - previous > bucketMs * 1.5) {
      x.push(previous + bucketMs);
      y.push(null);
    }
    x.push(t + bucketMs / 2);
    y.push(values[i] ?? null);
    previous = t;
  });
  return { x, y };
}

const color = (i: number) => SERIES_COLORS[i % SERIES_COLORS.length]!;

function lines(
  model: ReportModel,
  base: FigureBase,
  role: SeriesRole,
  key: "avg" | "ipdv" | "lossPct",
  axis: string,
  withP95: boolean,
  mode = "lines",
): PlotlyFigure | undefined {
  const series = model.buckets.filter((b) => b.role === role);
  if (series.length === 0) return undefined;
  const data: Record<string, unknown>[] = [];
  series.forEach((s, i) => {
    data.push({
      type: "scatter",
      mode,
      name: s.label,
      legendgroup: s.label,
      ...withGaps(s, s[key]),
      line: { color: color(i), width: 2 },
      hovertemplate: `%{x|%Y-%m-%d %H:%M} UTC<br>%{y:.2f}<extra>${s.label}</extra>`,
    });
    if (withP95) {
      data.push({
        type: "scatter",
        mode: "lines",
        name: `${s.label} p95`,
        legendgroup: `${s.label} p95`,
        visible: "legendonly",
        ...withGaps(s, s.p95),
        line: { color: color(i), width: 1, dash: "dash" },
        hovertemplate: `%{x|%Y-%m-%d %H:%M} UTC<br>p95 %{y:.2f}<extra>${s.label}</extra>`,
      });
    }
  });
  return figure(base, data, {
    ...BASE_LAYOUT,
    xaxis: dateAxis(model),
    yaxis: { title: { text: axis }, rangemode: "tozero" },
  });
}

function distribution(model: ReportModel, base: FigureBase): PlotlyFigure | undefined {
  if (model.histograms.length === 0) return undefined;
  const data = model.histograms.map((h, i) => {
    const total = h.counts.reduce((sum, c) => sum + c, 0);
    return {
      type: "scatter",
      mode: "lines",
      name: h.label,
      legendgroup: h.label,
      x: h.values,
      y: h.counts.map((c) => Math.round(c / total * 1e5) / 1e3),
      line: { color: color(i), width: 2, shape: "hvh" },
      hovertemplate: `%{x:.2f} ms: %{y:.2f} %<extra>${h.label}</extra>`,
    };
  });
  return figure(base, data, {
    ...BASE_LAYOUT,
    xaxis: { title: { text: "Round trip (ms, log scale)" }, type: "log" },
    yaxis: { title: { text: "Share of round trips (%)" }, rangemode: "tozero" },
  });
}

function comparison(model: ReportModel, base: FigureBase): PlotlyFigure | undefined {
  const series = model.series.filter((s) => s.role === "latency");
  if (series.length === 0) return undefined;
  const byInterface = new Set(series.map((s) => s.interface).filter(Boolean)).size >= 2;
  const groupOf = (s: typeof series[number]) =>
    byInterface ? s.interface || "default route" : s.server || s.target || s.plugin;
  const groups = [...new Set(series.map(groupOf))];
  const labels = series.map((s) => s.label);
  const panels = [
    { key: "avg", title: "Average round trip (ms)", axis: "" },
    { key: "jitter", title: "Jitter (ms)", axis: "2" },
    { key: "lossPct", title: "Packet loss (%)", axis: "3" },
  ] as const;
  const data = panels.flatMap((panel) =>
    groups.map((group, g) => {
      const mine = series.filter((s) => groupOf(s) === group);
      return {
        type: "bar",
        orientation: "h",
        name: group,
        legendgroup: group,
        x: mine.map((s) => s[panel.key]),
        y: mine.map((s) => s.label),
        xaxis: `x${panel.axis}`,
        yaxis: `y${panel.axis}`,
        marker: { color: color(g) },
        hovertemplate: `%{y}: %{x:.2f}<extra>${panel.title}</extra>`,
      };
    })
  );
  const rowHeight = Math.max(150, labels.length * 20 + 50);
  const layout: Record<string, unknown> = {
    ...BASE_LAYOUT,
    height: rowHeight * 3 + 60,
    margin: { l: 16, r: 16, t: 12, b: 44 },
    grid: { rows: 3, columns: 1, pattern: "independent", roworder: "top to bottom", ygap: 0.35 },
    barmode: "group",
  };
  for (const panel of panels) {
    layout[`xaxis${panel.axis}`] = { title: { text: panel.title }, rangemode: "tozero" };
    layout[`yaxis${panel.axis}`] = {
      categoryorder: "array",
      categoryarray: [...labels].reverse(),
      automargin: true,
    };
  }
  return figure(base, data, layout);
}

/** The 2nd and 98th percentile of some values, so one spike does not wash out the colours. */
function colourRange(values: readonly (number | null)[]): [number, number] {
  const sorted = values.filter((v): v is number => v !== null).sort((a, b) => a - b);
  if (sorted.length === 0) return [0, 1];
  const low = sorted[Math.floor((sorted.length - 1) * 0.02)]!;
  const high = sorted[Math.floor((sorted.length - 1) * 0.98)]!;
  return [low, Math.max(high, low + 0.1)];
}

function heatmap(model: ReportModel, base: FigureBase): PlotlyFigure | undefined {
  if (model.heatmaps.length === 0) return undefined;
  const data = model.heatmaps.map((h, i) => {
    const [zmin, zmax] = colourRange(h.z.flat());
    return {
      type: "heatmap",
      name: h.label,
      visible: i === 0,
      x: Array.from({ length: 24 }, (_, hour) => hour),
      y: h.days,
      z: h.z,
      zmin,
      zmax,
      colorscale: "YlOrRd",
      reversescale: true,
      colorbar: { title: { text: "ms" }, thickness: 12 },
      hovertemplate: `%{y} %{x}:00 UTC: %{z:.1f} ms<extra>${h.label}</extra>`,
    };
  });
  return figure(
    base,
    data,
    {
      ...BASE_LAYOUT,
      height: Math.max(300, model.heatmaps[0]!.days.length * 22 + 130),
      margin: { l: 16, r: 16, t: 48, b: 44 },
      xaxis: { title: { text: "Hour of day (UTC)" }, dtick: 3 },
      yaxis: { autorange: "reversed", type: "category", automargin: true },
      updatemenus: [{
        type: "dropdown",
        x: 0,
        y: 1.02,
        xanchor: "left",
        yanchor: "bottom",
        buttons: model.heatmaps.map((h, i) => ({
          label: h.label,
          method: "restyle",
          args: ["visible", model.heatmaps.map((_, j) => j === i)],
        })),
      }],
    },
    false,
  );
}

function median(values: readonly number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

function bufferbloatImpact(model: ReportModel, base: FigureBase): PlotlyFigure | undefined {
  const graded = model.bufferbloat.tests.filter((t) => t.grade !== null && t.loadedMs !== null);
  if (graded.length === 0) return undefined;
  const servers = [...new Set(graded.map((t) => t.server || "default"))];
  const phases = ["idle", ...LOADED_PHASES] as const;
  const data = servers.map((server, i) => {
    const mine = graded.filter((t) => (t.server || "default") === server);
    return {
      type: "bar",
      name: server,
      legendgroup: server,
      x: [...phases],
      y: phases.map((phase) =>
        median(mine.flatMap((t) => phase === "idle" ? t.idleMs ?? [] : t.loadedMs![phase]))
      ),
      marker: { color: color(i) },
      hovertemplate: `%{x}: %{y:.1f} ms (median of ${mine.length} tests)<extra>${server}</extra>`,
    };
  });
  return figure(base, data, {
    ...BASE_LAYOUT,
    barmode: "group",
    xaxis: { title: { text: "Test phase" } },
    yaxis: { title: { text: "Median round trip (ms)" }, rangemode: "tozero" },
  });
}

function bufferbloatGrades(model: ReportModel): PlotlyFigure | undefined {
  const graded = model.bufferbloat.tests.filter((t) => t.grade !== null);
  if (graded.length === 0) return undefined;
  const data = BUFFERBLOAT_GRADES.flatMap((grade) => {
    const mine = graded.filter((t) => t.grade === grade);
    if (mine.length === 0) return [];
    return [{
      type: "scatter",
      mode: "markers",
      name: `grade ${grade}`,
      legendgroup: `grade ${grade}`,
      x: mine.map((t) => t.ts),
      y: mine.map((t) => t.increaseMs),
      marker: { color: GRADE_COLORS[grade], size: 7 },
      hovertemplate: `%{x|%Y-%m-%d %H:%M} UTC: +%{y:.0f} ms<extra>grade ${grade}</extra>`,
    }];
  });
  return figure(
    {
      id: "bufferbloat_grades",
      section: "bufferbloat",
      title: "Bufferbloat grades over time",
      description: "Latency increase under load per test, coloured by grade",
    },
    data,
    {
      ...BASE_LAYOUT,
      xaxis: dateAxis(model),
      yaxis: { title: { text: "Increase under load (ms)" }, rangemode: "tozero" },
    },
  );
}

function dnsTimings(model: ReportModel): PlotlyFigure | undefined {
  const series = model.buckets.filter((b) => b.role === "dns");
  if (series.length === 0) return undefined;
  const data = series.flatMap((s, i) => [
    {
      type: "scatter",
      mode: "lines",
      name: `${s.label} median`,
      legendgroup: s.label,
      ...withGaps(s, s.p50),
      line: { color: color(i), width: 2 },
      hovertemplate: `%{x|%Y-%m-%d %H:%M} UTC<br>median %{y:.1f} ms<extra>${s.label}</extra>`,
    },
    {
      type: "scatter",
      mode: "lines",
      name: `${s.label} p95`,
      legendgroup: s.label,
      ...withGaps(s, s.p95),
      line: { color: color(i), width: 1, dash: "dash" },
      hovertemplate: `%{x|%Y-%m-%d %H:%M} UTC<br>p95 %{y:.1f} ms<extra>${s.label}</extra>`,
    },
  ]);
  return figure(
    {
      id: "dns_timings",
      section: "dns",
      title: "DNS resolution time",
      description: "Median (solid) and 95th percentile (dashed) resolution time per bucket",
    },
    data,
    {
      ...BASE_LAYOUT,
      xaxis: dateAxis(model),
      yaxis: { title: { text: "Resolution time (ms)" }, rangemode: "tozero" },
    },
  );
}
