/**
 * Renders a chart from a store: picks the bucket width for the period, has the chart type
 * build its panels, draws the frame (title, period, host, what is shown, legend) as a
 * standalone SVG document, and rasterizes it to PNG with resvg at the asked size, with the
 * DejaVu fonts loaded explicitly (no system fonts), so the same data gives the same pixels on
 * every machine.
 *
 * @module
 */
import { BufferbaneError, ErrorCode } from "../core/errors.ts";
import type { Store } from "../store/mod.ts";
import { bufferbloatImpact } from "./bufferbloat_impact.ts";
import { connectionComparison } from "./connection_comparison.ts";
import { dailyHeatmap } from "./daily_heatmap.ts";
import { chooseBucket } from "./data.ts";
import { FONT_FAMILY, renderFrame } from "./frame.ts";
import { jitterOverTime } from "./jitter_over_time.ts";
import { latencyDistribution } from "./latency_distribution.ts";
import { latencyOverTime } from "./latency_over_time.ts";
import { packetLossOverTime } from "./packet_loss_over_time.ts";
import { throughputOverTime } from "./throughput_over_time.ts";
import { formatPeriod } from "./time_axis.ts";
import {
  CHART_TYPES,
  type ChartBody,
  type ChartContext,
  type ChartOptions,
  type ChartType,
  isChartType,
  type RenderedChart,
} from "./types.ts";

/**
 * The fonts PNGs are rendered with: Debian's fonts-dejavu-core.
 *
 * @example
 * ```ts
 * import { DEJAVU_FONT_FILES } from "./render.ts";
 * console.log(DEJAVU_FONT_FILES[0]); // /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf
 * ```
 */
export const DEJAVU_FONT_FILES: readonly string[] = [
  "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
  "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf",
];

/**
 * Defaults of {@linkcode ChartOptions}: 1920x1080 PNG.
 *
 * @example
 * ```ts
 * import { CHART_DEFAULTS } from "./render.ts";
 * console.log(CHART_DEFAULTS.width, CHART_DEFAULTS.height, CHART_DEFAULTS.format); // 1920 1080 png
 * ```
 */
export const CHART_DEFAULTS = { width: 1920, height: 1080, format: "png" } as const;

/** Smallest and largest width or height accepted, in pixels. */
const SIZE_LIMITS = [200, 10_000] as const;

/**
 * What builds each chart type's panels.
 *
 * @example
 * ```ts
 * import { CHART_BUILDERS } from "./render.ts";
 * console.log(Object.keys(CHART_BUILDERS).length); // 8
 * ```
 */
export const CHART_BUILDERS: Readonly<Record<ChartType, (context: ChartContext) => ChartBody>> = {
  latency_over_time: latencyOverTime,
  jitter_over_time: jitterOverTime,
  packet_loss_over_time: packetLossOverTime,
  throughput_over_time: throughputOverTime,
  latency_distribution: latencyDistribution,
  connection_comparison: connectionComparison,
  daily_heatmap: dailyHeatmap,
  bufferbloat_impact: bufferbloatImpact,
};

/**
 * Renders one chart of a store's data over a period.
 *
 * @param type The chart type.
 * @param store An open store.
 * @param options Period, filter, size, format, host.
 * @returns The file's bytes, the SVG, where the data is drawn, and whether there was any.
 * @throws {BufferbaneError} `INVALID_ARGUMENT` for an unknown type, an empty period, a size
 * out of 200 to 10000 pixels, or a missing font file (PNG only).
 *
 * @example A chart of an empty store says there is no data
 * ```ts
 * import { Store } from "../store/mod.ts";
 * import { renderChart } from "./render.ts";
 * const store = Store.open(":memory:");
 * const chart = await renderChart("latency_over_time", store, {
 *   start: 0, end: 3_600_000, format: "svg", width: 800, height: 450, host: "box",
 * });
 * console.log(chart.empty, chart.svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')); // true true
 * store.close();
 * ```
 */
export async function renderChart(
  type: ChartType,
  store: Store,
  options: ChartOptions,
): Promise<RenderedChart> {
  if (!isChartType(type)) {
    throw new BufferbaneError(ErrorCode.InvalidArgument, `Unknown chart type "${type}"`, {
      hint: `use one of ${CHART_TYPES.map((t) => t.id).join(", ")}`,
    });
  }
  const { start, end } = options;
  if (!Number.isFinite(start) || !Number.isFinite(end) || !(start < end)) {
    throw new BufferbaneError(
      ErrorCode.InvalidArgument,
      `Chart period "${start}" to "${end}" is empty: start must be before end`,
    );
  }
  const width = checkSize("width", options.width ?? CHART_DEFAULTS.width);
  const height = checkSize("height", options.height ?? CHART_DEFAULTS.height);
  const format = options.format ?? CHART_DEFAULTS.format;
  const bucketMs = chooseBucket(end - start);
  const body = CHART_BUILDERS[type]({
    store,
    start,
    end,
    filter: options.filter ?? {},
    bucketMs,
  });
  const host = options.host ?? newestHost(store) ?? "unknown host";
  const title = CHART_TYPES.find((t) => t.id === type)!.title;
  const frame = renderFrame({
    width,
    height,
    title,
    subtitle: [`${formatPeriod(start, end)} · host ${host}`, describeSubjects(body.subjects)],
    body,
  });
  const bytes = format === "svg"
    ? new TextEncoder().encode(frame.svg)
    : await svgToPng(frame.svg, { fontFiles: options.fontFiles });
  return {
    type,
    format,
    width,
    height,
    bytes,
    svg: frame.svg,
    plotAreas: frame.plotAreas,
    empty: body.panels.length === 0,
    bucketMs: body.bucketMs ?? bucketMs,
  };
}

/**
 * Options for {@linkcode svgToPng}.
 *
 * @example
 * ```ts
 * import type { SvgToPngOptions } from "./render.ts";
 * const options: SvgToPngOptions = { fontFiles: ["/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"] };
 * ```
 */
export interface SvgToPngOptions {
  /**
   * Font files to load; the first one's family is the default.
   *
   * @default {DEJAVU_FONT_FILES}
   */
  fontFiles?: readonly string[] | undefined;
}

/**
 * Rasterizes an SVG document at its own size with resvg, on a white background, with only the
 * given fonts.
 *
 * @param svg The SVG document (with `width` and `height`).
 * @param options Font files.
 * @returns The PNG bytes.
 * @throws {BufferbaneError} `INVALID_ARGUMENT` when a font file does not exist.
 *
 * @example A red square
 * ```ts
 * import { svgToPng } from "./render.ts";
 * const png = await svgToPng('<svg xmlns="http://www.w3.org/2000/svg" width="4" height="4"><rect width="4" height="4" fill="red"/></svg>');
 * console.log(png.length > 0, png[1] === 0x50); // true true
 * ```
 */
export async function svgToPng(svg: string, options: SvgToPngOptions = {}): Promise<Uint8Array> {
  const fontFiles = [...(options.fontFiles ?? DEJAVU_FONT_FILES)];
  for (const file of fontFiles) {
    try {
      Deno.statSync(file);
    } catch (error) {
      throw new BufferbaneError(ErrorCode.InvalidArgument, `Font file "${file}" cannot be read`, {
        cause: error,
        hint: "install the Debian package fonts-dejavu-core, or pass other font files",
      });
    }
  }
  // Loaded on first use: SVG output needs no native code (nor --allow-ffi).
  const { Resvg } = await import("@resvg/resvg-js");
  const resvg = new Resvg(svg, {
    background: "#ffffff",
    fitTo: { mode: "original" },
    font: { loadSystemFonts: false, fontFiles, defaultFontFamily: FONT_FAMILY },
  });
  return new Uint8Array(resvg.render().asPng());
}

/**
 * The host of the store's newest run.
 *
 * @param store An open store.
 * @returns The host name, `undefined` when there is no run.
 *
 * @example
 * ```ts
 * import { Store } from "../store/mod.ts";
 * import { newestHost } from "./render.ts";
 * const store = Store.open(":memory:", { host: "box" });
 * store.startRun({ startedAt: 0, recipeName: "r", recipeText: "", effectiveRecipe: {}, toolVersion: "0" });
 * console.log(newestHost(store)); // box
 * store.close();
 * ```
 */
export function newestHost(store: Store): string | undefined {
  const row = store.db.prepare("SELECT host FROM runs ORDER BY id DESC LIMIT 1").get() as
    | { host: string }
    | undefined;
  return row?.host;
}

/**
 * The subtitle line naming what a chart shows.
 *
 * @param subjects Targets, interfaces and servers of the series or tests shown.
 * @returns E.g. `targets: a, b · interfaces: eth0 · servers: vienna`.
 *
 * @example
 * ```ts
 * import { describeSubjects } from "./render.ts";
 * console.log(describeSubjects([
 *   { target: "vienna", interface: "eth0", server: "" },
 *   { target: "vienna", interface: "wlan0", server: "" },
 * ]));
 * // targets: vienna · interfaces: eth0, wlan0
 * ```
 */
export function describeSubjects(
  subjects: ChartBody["subjects"],
): string {
  const distinct = (key: "target" | "interface" | "server") => [
    ...new Set(subjects.map((s) => s[key]).filter((value) => value !== "")),
  ];
  const parts = [
    ["targets", distinct("target")],
    ["interfaces", distinct("interface")],
    ["servers", distinct("server")],
  ] as const;
  const text = parts.filter(([, values]) => values.length > 0)
    .map(([name, values]) => `${name}: ${values.join(", ")}`).join(" · ");
  return text || "no targets in this period";
}

function checkSize(name: string, value: number): number {
  if (!Number.isInteger(value) || value < SIZE_LIMITS[0] || value > SIZE_LIMITS[1]) {
    throw new BufferbaneError(
      ErrorCode.InvalidArgument,
      `Chart ${name} "${value}" is not a whole number of pixels from ${SIZE_LIMITS[0]} to ${
        SIZE_LIMITS[1]
      }`,
    );
  }
  return value;
}
