/**
 * Reports of a period of a store, as one self-contained offline HTML file (interactive
 * plotly charts, dark mode, readable on a phone), Markdown with PNG charts beside it, or PDF
 * through headless Chromium. A report leads with the verdicts in words and numbers: which
 * interface is the problem (WiFi against the wire) and whether one server's path is worse
 * (routing), then alerts with a severity timeline, bufferbloat grades over time, DNS timings,
 * throughput, every series and a manifest with hashes of the data it was made from.
 * `redact` masks host names and addresses consistently; presets `compact` and `full` say
 * how much to show.
 *
 * @example The verdicts of a day of synthetic data
 * ```ts
 * import { Store } from "../store/mod.ts";
 * import { writeSyntheticData } from "../synthetic/generate.ts";
 * import { buildReportModel } from "./mod.ts";
 * const store = Store.open(":memory:");
 * const { start, end } = writeSyntheticData(store, { days: 1, intervalMs: 60_000 });
 * const model = buildReportModel(store, { start, end });
 * console.log(model.interfaces.problems, model.servers.problems); // [ "wlan0" ] [ "frankfurt" ]
 * store.close();
 * ```
 *
 * @module
 */
export {
  type AlertEpisode,
  type AlertsSummary,
  type ReportEvent,
  summarizeAlerts,
} from "./alerts.ts";
export {
  type BufferbloatDay,
  type BufferbloatSection,
  type BufferbloatTest,
  summarizeBufferbloat,
} from "./bufferbloat.ts";
export { displayName, formatMs, formatPct, formatRatio } from "./format.ts";
export { escapeHtml, type HtmlOptions, loadPlotlySource, renderHtml } from "./html.ts";
export {
  interfaceKind,
  interfaceLabel,
  KIND_LABELS,
  kindFromName,
  linkLabel,
  recordedKinds,
} from "./interface_kind.ts";
export {
  buildManifest,
  canonicalJson,
  type ManifestInput,
  type ManifestRun,
  type ManifestSeries,
  type ReportManifest,
  sha256Hex,
} from "./manifest.ts";
export { type MarkdownImages, renderMarkdown } from "./markdown.ts";
export {
  buildReportModel,
  type Heatmap,
  type LatencyHistogram,
  type ReportModel,
  type ReportOptions,
  roleOf,
  type SeriesBuckets,
  type SeriesRole,
  type SeriesSummary,
} from "./model.ts";
export { chromiumPrintArgs, findChromium, type PdfOptions, printHtmlToPdf } from "./pdf.ts";
export { type PlotlyFigure, plotlyFigures } from "./plotly_figures.ts";
export {
  type PresetContent,
  presetFromFlags,
  REPORT_PRESETS,
  type ReportPreset,
} from "./preset.ts";
export {
  isAddress,
  isHostName,
  KEEP_KEYS,
  redactDeep,
  redactExportRow,
  Redactor,
  redactorForStore,
  redactSvg,
} from "./redact.ts";
export { renderStaticCharts, type StaticChart, type StaticChartOptions } from "./static_charts.ts";
export { SEVERITY_COLORS, severityTimelineSvg, type TimelineOptions } from "./timeline_svg.ts";
export {
  INTERFACE_THRESHOLDS,
  type InterfaceComparison,
  type InterfaceFigures,
  type InterfacePath,
  type InterfaceVerdict,
  interfaceVerdict,
  type InterfaceVerdictStatus,
} from "./verdict_interfaces.ts";
export {
  SERVER_THRESHOLDS,
  type ServerComparison,
  type ServerPath,
  type ServerVerdict,
  serverVerdict,
  type ServerVerdictStatus,
} from "./verdict_servers.ts";
export {
  markdownPaths,
  REPORT_FORMATS,
  type ReportFormat,
  reportModel,
  writeReport,
  type WriteReportOptions,
  type WrittenReport,
} from "./write.ts";
