/**
 * Charts of a store's data, drawn with Observable Plot into standalone SVG documents and
 * rasterized to PNG with resvg (1920x1080 by default, DejaVu fonts, legends drawn in the
 * SVG). Eight types (see {@linkcode CHART_TYPES}); every chart carries its title, the period,
 * the host, what is shown and axis units. Time series are read in buckets sized to the period
 * from the store's rollups, so a month draws about as fast as a day.
 *
 * @example A day of synthetic data as an SVG heatmap
 * ```ts
 * import { Store } from "../store/mod.ts";
 * import { writeSyntheticData } from "../synthetic/generate.ts";
 * import { renderChart } from "./mod.ts";
 * const store = Store.open(":memory:");
 * const { start, end } = writeSyntheticData(store, { days: 1, intervalMs: 60_000 });
 * const chart = await renderChart("daily_heatmap", store, { start, end, format: "svg" });
 * console.log(chart.empty, chart.svg.includes(">Daily heatmap</text>")); // false true
 * store.close();
 * ```
 *
 * @module
 */
export {
  CHART_BUILDERS,
  CHART_DEFAULTS,
  DEJAVU_FONT_FILES,
  describeSubjects,
  newestHost,
  renderChart,
  svgToPng,
  type SvgToPngOptions,
} from "./render.ts";
export {
  CHART_TYPE_IDS,
  CHART_TYPES,
  type ChartBody,
  type ChartContext,
  type ChartFormat,
  type ChartOptions,
  type ChartPanel,
  type ChartType,
  isChartType,
  type LegendItem,
  type PanelSize,
  type RampLegend,
  type Rect,
  type RenderedChart,
} from "./types.ts";
export {
  type ChartSeries,
  chooseBucket,
  type ChooseBucketOptions,
  histogramQuantile,
  isThroughputUnit,
  labelSeries,
  type LoadedSeries,
  loadSeries,
  type LoadSeriesOptions,
  matchingSeries,
  NICE_BUCKETS_MS,
  type PeriodTotals,
  periodTotals,
  type SeriesChoice,
  seriesLabels,
  widerBucket,
} from "./data.ts";
export {
  escapeXml,
  FONT_FAMILY,
  type Frame,
  frameScale,
  type FrameSpec,
  renderFrame,
  textWidth,
} from "./frame.ts";
export { formatPeriod, formatTick, formatUtc, timeScale } from "./time_axis.ts";
export { GRADE_COLORS, HEAT_COLORS, INK, SERIES_COLORS, seriesColors } from "./colors.ts";
export {
  BUFFERBLOAT_GRADES,
  type BufferbloatSummary,
  LOADED_PHASES,
  type LoadedPhase,
  type PhaseLatency,
  readBufferbloatSummary,
} from "./bufferbloat_summary.ts";
export { latencyOverTime } from "./latency_over_time.ts";
export { jitterOverTime } from "./jitter_over_time.ts";
export { packetLossOverTime } from "./packet_loss_over_time.ts";
export { THROUGHPUT_METRICS, throughputOverTime } from "./throughput_over_time.ts";
export { latencyDistribution } from "./latency_distribution.ts";
export { connectionComparison } from "./connection_comparison.ts";
export { dailyHeatmap } from "./daily_heatmap.ts";
export { bufferbloatImpact } from "./bufferbloat_impact.ts";
