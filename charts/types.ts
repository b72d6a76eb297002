/**
 * The chart types and the shapes shared by the chart modules: what a chart is asked for,
 * what it gives back, and what a chart module hands to the frame.
 *
 * @module
 */
import type { PlotOptions } from "@observablehq/plot";
import type { SeriesFilter, SeriesKey, Store } from "../store/mod.ts";

/**
 * Every chart type: its id (as the command line and file names use it), title and what it
 * shows.
 *
 * @example Listing the ids
 * ```ts
 * import { CHART_TYPES } from "./types.ts";
 * console.log(CHART_TYPES.length, CHART_TYPES[0].id); // 8 latency_over_time
 * ```
 */
export const CHART_TYPES = [
  {
    id: "latency_over_time",
    title: "Latency over time",
    description: "Round trips per bucket: min-max band, bold average, dashed p95 and dotted p99, " +
      "one colour per target or interface",
  },
  {
    id: "jitter_over_time",
    title: "Jitter over time",
    description: "Mean absolute difference of consecutive round trips (IPDV) per bucket",
  },
  {
    id: "packet_loss_over_time",
    title: "Packet loss over time",
    description: "Share of probes lost per bucket",
  },
  {
    id: "throughput_over_time",
    title: "Throughput over time",
    description: "Download and upload speed per bucket, from the throughput tests",
  },
  {
    id: "latency_distribution",
    title: "Latency distribution",
    description: "Histogram of the round trips over the whole period, one outline per series",
  },
  {
    id: "connection_comparison",
    title: "Connection comparison",
    description: "Interfaces or servers side by side: average latency with p95, jitter, loss",
  },
  {
    id: "daily_heatmap",
    title: "Daily heatmap",
    description: "Average round trip per hour of day (UTC) and day, one panel per series",
  },
  {
    id: "bufferbloat_impact",
    title: "Bufferbloat impact",
    description: "Idle versus loaded latency per test phase, with the grades of the period",
  },
] as const;

/**
 * A chart type id, e.g. `"latency_over_time"`.
 *
 * @example
 * ```ts
 * import type { ChartType } from "./types.ts";
 * const type: ChartType = "daily_heatmap";
 * ```
 */
export type ChartType = typeof CHART_TYPES[number]["id"];

/**
 * The chart type ids, in order.
 *
 * @example
 * ```ts
 * import { CHART_TYPE_IDS } from "./types.ts";
 * console.log(CHART_TYPE_IDS.includes("bufferbloat_impact")); // true
 * ```
 */
export const CHART_TYPE_IDS: readonly ChartType[] = CHART_TYPES.map((type) => type.id);

/**
 * Whether a text is a chart type id.
 *
 * @param text Any text.
 * @returns `true` for one of {@linkcode CHART_TYPE_IDS}.
 *
 * @example
 * ```ts
 * import { isChartType } from "./types.ts";
 * console.log(isChartType("daily_heatmap"), isChartType("pie")); // true false
 * ```
 */
export function isChartType(text: string): text is ChartType {
  return (CHART_TYPE_IDS as readonly string[]).includes(text);
}

/**
 * Output formats: a standalone SVG document or a PNG image.
 *
 * @example
 * ```ts
 * import type { ChartFormat } from "./types.ts";
 * const format: ChartFormat = "svg";
 * ```
 */
export type ChartFormat = "svg" | "png";

/**
 * What to chart, and how big.
 *
 * @example The last day, as a 1280x720 SVG
 * ```ts
 * import type { ChartOptions } from "./types.ts";
 * const end = Date.now();
 * const options: ChartOptions = { start: end - 86_400_000, end, width: 1280, height: 720, format: "svg" };
 * ```
 */
export interface ChartOptions {
  /** First millisecond of the period. */
  start: number;
  /** First millisecond after it. */
  end: number;
  /**
   * Only series matching this filter (on top of what the chart type picks, e.g. round trips).
   *
   * @default {{}}
   */
  filter?: SeriesFilter;
  /**
   * Width in pixels.
   *
   * @default {1920}
   */
  width?: number;
  /**
   * Height in pixels.
   *
   * @default {1080}
   */
  height?: number;
  /**
   * `"png"` or `"svg"`.
   *
   * @default {"png"}
   */
  format?: ChartFormat;
  /**
   * Host name shown under the title.
   *
   * @default {the host of the store's newest run}
   */
  host?: string;
  /**
   * Font files the PNG renderer loads (text is set in their first family).
   *
   * @default {DEJAVU_FONT_FILES}
   */
  fontFiles?: readonly string[];
}

/**
 * A rectangle in pixels, from the top left corner.
 *
 * @example
 * ```ts
 * import type { Rect } from "./types.ts";
 * const area: Rect = { x: 120, y: 200, width: 1700, height: 760 };
 * ```
 */
export interface Rect {
  /** Left edge. */
  x: number;
  /** Top edge. */
  y: number;
  /** Width. */
  width: number;
  /** Height. */
  height: number;
}

/**
 * A rendered chart.
 *
 * @example Saving a chart
 * ```ts ignore
 * import type { RenderedChart } from "./types.ts";
 * declare const chart: RenderedChart;
 * await Deno.writeFile(`${chart.type}.${chart.format}`, chart.bytes);
 * ```
 */
export interface RenderedChart {
  /** The chart type. */
  type: ChartType;
  /** The format of `bytes`. */
  format: ChartFormat;
  /** Width in pixels. */
  width: number;
  /** Height in pixels. */
  height: number;
  /** The file's content: the SVG text (UTF-8) or the PNG image. */
  bytes: Uint8Array;
  /** The SVG document (also for a PNG: what was rasterized). */
  svg: string;
  /** Where the data is drawn: the inner rectangle of each panel (none when empty). */
  plotAreas: Rect[];
  /** `true` when the period held no data for this chart: the frame says so. */
  empty: boolean;
  /** Bucket width the time series were summarized in, in ms. */
  bucketMs: number;
}

/**
 * What a chart module gets: the store, the period, the filter and the bucket width chosen
 * for the period.
 *
 * @example
 * ```ts ignore
 * import type { ChartContext } from "./types.ts";
 * declare const context: ChartContext;
 * const rows = context.store.rollupAggregate({ seriesIds: [1], start: context.start, end: context.end, bucketMs: context.bucketMs });
 * ```
 */
export interface ChartContext {
  /** The store to read. */
  store: Store;
  /** First millisecond of the period. */
  start: number;
  /** First millisecond after it. */
  end: number;
  /** The user's series filter. */
  filter: SeriesFilter;
  /** Bucket width for time series, from {@linkcode chooseBucket}. */
  bucketMs: number;
}

/**
 * One legend entry: a coloured mark and its label. `mark` says how the mark looks.
 *
 * @example A dashed line for the 95th percentile
 * ```ts
 * import type { LegendItem } from "./types.ts";
 * const item: LegendItem = { label: "p95", color: "#555", mark: "dashed" };
 * ```
 */
export interface LegendItem {
  /** The text. */
  label: string;
  /** Its colour. */
  color: string;
  /**
   * `"swatch"` (a square), `"line"` (bold), `"dashed"`, `"dotted"` or `"band"` (a light bar).
   *
   * @default {"swatch"}
   */
  mark?: "swatch" | "line" | "dashed" | "dotted" | "band";
}

/**
 * A colour ramp legend for a continuous scale.
 *
 * @example Latency from 10 to 60 ms
 * ```ts
 * import type { RampLegend } from "./types.ts";
 * const ramp: RampLegend = { label: "Average RTT (ms)", colors: ["#ffffcc", "#bd0026"], min: 10, max: 60 };
 * ```
 */
export interface RampLegend {
  /** What the colour means, with its unit. */
  label: string;
  /** Colours from `min` to `max`, evenly spaced. */
  colors: readonly string[];
  /** Value of the first colour. */
  min: number;
  /** Value of the last colour. */
  max: number;
}

/**
 * One panel of a chart: a caption and the Plot options for its size. The frame adds the
 * document, the size, the font and margins the panel does not set.
 *
 * @example A panel with one line
 * ```ts
 * import * as Plot from "@observablehq/plot";
 * import type { ChartPanel } from "./types.ts";
 * const panel: ChartPanel = {
 *   plot: () => ({ marks: [Plot.lineY([1, 3, 2])] }),
 * };
 * ```
 */
export interface ChartPanel {
  /** A heading drawn above the panel. */
  caption?: string;
  /**
   * Width relative to the other panels of its row.
   *
   * @default {1}
   */
  weight?: number;
  /** The Plot options, given the panel's size and the font scale. */
  plot(size: PanelSize): PlotOptions;
}

/**
 * The size a panel is drawn at.
 *
 * @example
 * ```ts
 * import type { PanelSize } from "./types.ts";
 * const size: PanelSize = { width: 1860, height: 820, scale: 1 };
 * ```
 */
export interface PanelSize {
  /** Width in pixels. */
  width: number;
  /** Height in pixels. */
  height: number;
  /** Font and stroke scale: 1 at 1920x1080. */
  scale: number;
}

/**
 * What a chart module gives the frame.
 *
 * @example A chart without data
 * ```ts
 * import type { ChartBody } from "./types.ts";
 * const body: ChartBody = { subjects: [], legend: [], notes: [], panels: [] };
 * ```
 */
export interface ChartBody {
  /**
   * Bucket width of the time series drawn, when it differs from the context's (probes too
   * far apart for it, or a chart with its own width).
   *
   * @default {the context's bucketMs}
   */
  bucketMs?: number;
  /** The series (or tests) shown, for the subtitle: their targets, interfaces, servers. */
  subjects: readonly Pick<SeriesKey, "target" | "interface" | "server">[];
  /** Legend entries, in order. */
  legend: readonly LegendItem[];
  /** A colour ramp legend, for continuous colours. */
  ramp?: RampLegend;
  /** Lines under the chart: how to read it, what was left out. */
  notes: readonly string[];
  /** The panels; none means there is no data, and the frame says so. */
  panels: readonly ChartPanel[];
  /**
   * Panels per row.
   *
   * @default {the number of panels}
   */
  columns?: number;
  /**
   * What the frame says when there are no panels.
   *
   * @default {"No data for this period"}
   */
  emptyMessage?: string;
}
