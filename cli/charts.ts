/**
 * `charts --start "2026-10-18 18:00" --end "2026-10-18 22:00" --output-dir ./diagnosis/`:
 * every chart type (or those of `--types`) of one period, each as `<type>.png` (or `.svg`)
 * in one folder, created when missing.
 *
 * @module
 */
import { join } from "node:path";
import { BufferbaneError, ErrorCode } from "../core/errors.ts";
import { parsePeriod } from "../core/period.ts";
import { Store } from "../store/mod.ts";
import { renderChart } from "../charts/render.ts";
import { CHART_TYPE_IDS, type ChartType } from "../charts/types.ts";
import { chartFormat, chartType, describeChartFile, pixels, writeChartFile } from "./chart.ts";
import { storePath } from "./options.ts";
import { seriesFilter, type SeriesFilterFlags } from "./series_filter.ts";

/**
 * Flags of the `charts` command, as commander passes them.
 *
 * @example
 * ```ts
 * import type { ChartsCommandOptions } from "./charts.ts";
 * const flags: ChartsCommandOptions = { start: "2026-10-18 18:00", end: "2026-10-18 22:00", outputDir: "diagnosis" };
 * ```
 */
export interface ChartsCommandOptions extends SeriesFilterFlags {
  /** Folder to write to; default the current one. */
  outputDir?: string;
  /** Comma-separated chart types; default all. */
  types?: string;
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
  /** `png` (default) or `svg`. */
  format?: string;
  /** Host name shown; default the newest run's. */
  host?: string;
  /** Store path. */
  db?: string;
}

/**
 * The chart types of `--types`: comma-separated ids, every type when not given.
 *
 * @param text The flag's value.
 * @returns The types, without repeats, in the given order.
 * @throws {BufferbaneError} `INVALID_ARGUMENT` for an unknown type or an empty list.
 *
 * @example
 * ```ts
 * import { chartTypes } from "./charts.ts";
 * console.log(chartTypes("daily_heatmap, latency_over_time")); // [ "daily_heatmap", "latency_over_time" ]
 * console.log(chartTypes(undefined).length); // 8
 * ```
 */
export function chartTypes(text: string | undefined): ChartType[] {
  if (text === undefined) return [...CHART_TYPE_IDS];
  const types = [...new Set(text.split(",").map((part) => part.trim()).filter(Boolean))];
  if (types.length === 0) {
    throw new BufferbaneError(ErrorCode.InvalidArgument, `--types "${text}": no chart type`, {
      hint: `use some of ${CHART_TYPE_IDS.join(", ")}`,
    });
  }
  return types.map(chartType);
}

/**
 * Runs the command; returns the exit code.
 *
 * @param flags The flags.
 * @returns 0.
 *
 * @example
 * ```ts ignore
 * import { chartsCommand } from "./charts.ts";
 * await chartsCommand({ start: "2026-10-18 18:00", end: "2026-10-18 22:00", outputDir: "diagnosis" });
 * ```
 */
export async function chartsCommand(flags: ChartsCommandOptions): Promise<number> {
  const types = chartTypes(flags.types);
  const format = chartFormat(flags.format);
  const width = pixels(flags.width, "--width");
  const height = pixels(flags.height, "--height");
  const period = parsePeriod(flags);
  const folder = flags.outputDir ?? ".";
  const store = Store.open(storePath(flags.db), { readOnly: true });
  try {
    await Deno.mkdir(folder, { recursive: true });
    for (const type of types) {
      const chart = await renderChart(type, store, {
        ...period,
        filter: seriesFilter(flags),
        format,
        ...(width === undefined ? {} : { width }),
        ...(height === undefined ? {} : { height }),
        ...(flags.host === undefined ? {} : { host: flags.host }),
      });
      const path = join(folder, `${type}.${format}`);
      await writeChartFile(path, chart);
      console.log(describeChartFile(path, chart));
    }
    return 0;
  } finally {
    store.close();
  }
}
