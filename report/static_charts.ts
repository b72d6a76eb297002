/**
 * The static charts of a report (for Markdown and PDF): the preset's chart types drawn by
 * `charts/render.ts` over the report's period, with the report's host name and, when the
 * report is redacted, the same tokens in their texts as in the report.
 *
 * @module
 */
import { renderChart, svgToPng } from "../charts/render.ts";
import type { ChartFormat, ChartType, Rect } from "../charts/types.ts";
import type { SeriesFilter, Store } from "../store/mod.ts";
import type { ReportModel } from "./model.ts";
import { type Redactor, redactSvg } from "./redact.ts";

/**
 * Options for {@linkcode renderStaticCharts}.
 *
 * @example 1280x720 PNGs
 * ```ts
 * import type { StaticChartOptions } from "./static_charts.ts";
 * const options: StaticChartOptions = { format: "png", width: 1280, height: 720 };
 * ```
 */
export interface StaticChartOptions {
  /** `"svg"` or `"png"`. */
  format: ChartFormat;
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
   * Masks the charts' texts like the report's (pass the report's redactor).
   *
   * @default {undefined (no masking)}
   */
  redactor?: Redactor;
  /**
   * Only series matching this filter.
   *
   * @default {{}}
   */
  filter?: SeriesFilter;
}

/**
 * One static chart of a report.
 *
 * @example Saving a chart
 * ```ts ignore
 * import type { StaticChart } from "./static_charts.ts";
 * declare const chart: StaticChart;
 * await Deno.writeFile(`${chart.type}.png`, chart.bytes);
 * ```
 */
export interface StaticChart {
  /** The chart type. */
  type: ChartType;
  /** The SVG document (masked when redacted). */
  svg: string;
  /** The file's bytes: the SVG text or the PNG. */
  bytes: Uint8Array;
  /** Width in pixels. */
  width: number;
  /** Height in pixels. */
  height: number;
  /** Where data is drawn. */
  plotAreas: Rect[];
  /** Whether the period held no data for it. */
  empty: boolean;
}

/**
 * Draws the report's charts.
 *
 * @param store The store the model was read from.
 * @param model The report model (its period, host and chart types).
 * @param options Format, size, redactor.
 * @returns The charts, in the model's order.
 *
 * @example The compact report's charts as SVG
 * ```ts
 * import { Store } from "../store/mod.ts";
 * import { writeSyntheticData } from "../synthetic/generate.ts";
 * import { buildReportModel } from "./model.ts";
 * import { renderStaticCharts } from "./static_charts.ts";
 * const store = Store.open(":memory:");
 * const { start, end } = writeSyntheticData(store, { days: 1, intervalMs: 60_000 });
 * const charts = await renderStaticCharts(store, buildReportModel(store, { start, end, preset: "compact" }), { format: "svg" });
 * console.log(charts.map((c) => c.type)); // [ "latency_over_time", "connection_comparison", "bufferbloat_impact" ]
 * store.close();
 * ```
 */
export async function renderStaticCharts(
  store: Store,
  model: ReportModel,
  options: StaticChartOptions,
): Promise<StaticChart[]> {
  const charts: StaticChart[] = [];
  for (const type of model.charts) {
    const chart = await renderChart(type, store, {
      start: model.start,
      end: model.end,
      format: "svg",
      host: model.host,
      filter: options.filter ?? {},
      ...(options.width === undefined ? {} : { width: options.width }),
      ...(options.height === undefined ? {} : { height: options.height }),
    });
    const svg = options.redactor === undefined ? chart.svg : redactSvg(chart.svg, options.redactor);
    const bytes = options.format === "png" ? await svgToPng(svg) : new TextEncoder().encode(svg);
    charts.push({
      type,
      svg,
      bytes,
      width: chart.width,
      height: chart.height,
      plotAreas: chart.plotAreas,
      empty: chart.empty,
    });
  }
  return charts;
}
