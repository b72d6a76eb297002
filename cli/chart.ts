/**
 * `chart --last 24h --output latency.png [--type ...]`: one chart of a period, as PNG or SVG
 * (from the file name, or `--format`). The file appears only once it is complete.
 *
 * @module
 */
import { extname } from "node:path";
import { BufferbaneError, ErrorCode } from "../core/errors.ts";
import { parsePeriod } from "../core/period.ts";
import { Store } from "../store/mod.ts";
import { renderChart } from "../charts/render.ts";
import {
  CHART_TYPE_IDS,
  type ChartFormat,
  type ChartType,
  isChartType,
  type RenderedChart,
} from "../charts/types.ts";
import { storePath } from "./options.ts";
import { seriesFilter, type SeriesFilterFlags } from "./series_filter.ts";

/**
 * Flags of the `chart` command, as commander passes them.
 *
 * @example
 * ```ts
 * import type { ChartCommandOptions } from "./chart.ts";
 * const flags: ChartCommandOptions = { last: "24h", output: "latency.png", interface: "wlan0" };
 * ```
 */
export interface ChartCommandOptions extends SeriesFilterFlags {
  /** File to write. */
  output: string;
  /** Chart type; default `latency_over_time`. */
  type?: string;
  /** Period ending now. */
  last?: string;
  /** Period start. */
  start?: string;
  /** Period end. */
  end?: string;
  /** Width in pixels. */
  width?: string;
  /** Height in pixels. */
  height?: string;
  /** `png` or `svg`; default from the file name. */
  format?: string;
  /** Host name shown; default the newest run's. */
  host?: string;
  /** Store path. */
  db?: string;
}

/**
 * Checks a chart type given on the command line.
 *
 * @param text The flag's value.
 * @returns The type.
 * @throws {BufferbaneError} `INVALID_ARGUMENT` naming the known types.
 *
 * @example
 * ```ts
 * import { chartType } from "./chart.ts";
 * console.log(chartType("daily_heatmap")); // daily_heatmap
 * ```
 */
export function chartType(text: string): ChartType {
  if (isChartType(text)) return text;
  throw new BufferbaneError(ErrorCode.InvalidArgument, `Unknown chart type "${text}"`, {
    hint: `use one of ${CHART_TYPE_IDS.join(", ")}`,
  });
}

/**
 * The output format: `--format` when given, else the file's extension.
 *
 * @param format The `--format` flag.
 * @param file The output file, if any.
 * @returns `"png"` or `"svg"`.
 * @throws {BufferbaneError} `INVALID_ARGUMENT` for another format or extension.
 *
 * @example
 * ```ts
 * import { chartFormat } from "./chart.ts";
 * console.log(chartFormat(undefined, "latency.SVG"), chartFormat("png", "x")); // svg png
 * ```
 */
export function chartFormat(format: string | undefined, file?: string): ChartFormat {
  const value = (format ?? (file === undefined ? "png" : extname(file).slice(1))).toLowerCase();
  if (value === "png" || value === "svg") return value;
  throw new BufferbaneError(
    ErrorCode.InvalidArgument,
    format === undefined
      ? `--output "${file}": cannot tell the format from the file name`
      : `--format "${format}": unknown format`,
    { hint: "use a .png or .svg file name, or --format png|svg" },
  );
}

/**
 * A size in pixels from the command line.
 *
 * @param value The flag's value, if given.
 * @param flag The flag's name, for the error.
 * @returns The number, `undefined` when not given.
 * @throws {BufferbaneError} `INVALID_ARGUMENT` when it is not a whole number.
 *
 * @example
 * ```ts
 * import { pixels } from "./chart.ts";
 * console.log(pixels("1280", "--width"), pixels(undefined, "--width")); // 1280 undefined
 * ```
 */
export function pixels(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value.trim())) {
    throw new BufferbaneError(ErrorCode.InvalidArgument, `${flag} "${value}": not a whole number`, {
      hint: "give pixels, e.g. 1920",
    });
  }
  return Number(value);
}

/**
 * Writes a chart file so that it appears only when complete (written beside it, renamed).
 *
 * @param path The file.
 * @param chart The chart.
 *
 * @example
 * ```ts ignore
 * import { writeChartFile } from "./chart.ts";
 * declare const chart: import("../charts/types.ts").RenderedChart;
 * await writeChartFile("latency.png", chart);
 * ```
 */
export async function writeChartFile(path: string, chart: RenderedChart): Promise<void> {
  const temp = `${path}.partial-${Deno.pid}`;
  try {
    await Deno.writeFile(temp, chart.bytes);
    await Deno.rename(temp, path);
  } catch (error) {
    await Deno.remove(temp).catch(() => {});
    throw error;
  }
}

/**
 * One line about a written chart.
 *
 * @param path Where it was written.
 * @param chart The chart.
 * @returns E.g. `latency.png: latency_over_time, 1920x1080 png`.
 *
 * @example
 * ```ts
 * import { describeChartFile } from "./chart.ts";
 * const chart = { type: "daily_heatmap", format: "png", width: 800, height: 600, empty: true } as const;
 * console.log(describeChartFile("h.png", chart)); // h.png: daily_heatmap, 800x600 png, no data in the period
 * ```
 */
export function describeChartFile(
  path: string,
  chart: Pick<RenderedChart, "type" | "format" | "width" | "height" | "empty">,
): string {
  return `${path}: ${chart.type}, ${chart.width}x${chart.height} ${chart.format}` +
    (chart.empty ? ", no data in the period" : "");
}

/**
 * Runs the command; returns the exit code.
 *
 * @param flags The flags.
 * @returns 0.
 *
 * @example
 * ```ts ignore
 * import { chartCommand } from "./chart.ts";
 * await chartCommand({ last: "24h", output: "latency.png" });
 * ```
 */
export async function chartCommand(flags: ChartCommandOptions): Promise<number> {
  const type = chartType(flags.type ?? "latency_over_time");
  const format = chartFormat(flags.format, flags.output);
  const width = pixels(flags.width, "--width");
  const height = pixels(flags.height, "--height");
  const period = parsePeriod(flags);
  const store = Store.open(storePath(flags.db), { readOnly: true });
  try {
    const chart = await renderChart(type, store, {
      ...period,
      filter: seriesFilter(flags),
      format,
      ...(width === undefined ? {} : { width }),
      ...(height === undefined ? {} : { height }),
      ...(flags.host === undefined ? {} : { host: flags.host }),
    });
    await writeChartFile(flags.output, chart);
    console.log(describeChartFile(flags.output, chart));
    return 0;
  } finally {
    store.close();
  }
}
