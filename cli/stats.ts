/**
 * `stats`: figures per series for a period (loss, percentiles, jitter, IPDV, loss bursts,
 * outages, reasons), from the raw samples in the store.
 *
 * @module
 */
import { formatDuration } from "../core/duration.ts";
import { parsePeriod } from "../core/period.ts";
import { type SeriesStats, seriesStats } from "../core/series_stats.ts";
import { Store } from "../store/mod.ts";
import type { SeriesInfo } from "../store/mod.ts";
import { formatPercent, formatTable, formatValue, seriesName } from "../live/format.ts";
import { storePath } from "./options.ts";
import { seriesFilter, type SeriesFilterFlags } from "./series_filter.ts";

/** Flags of the `stats` command. */
export interface StatsCommandOptions extends SeriesFilterFlags {
  /** Period ending now. */
  last?: string;
  /** Period start. */
  start?: string;
  /** Period end. */
  end?: string;
  /** Print JSON. */
  json?: boolean;
  /** Store path. */
  db?: string;
}

/**
 * Formats per-series figures as a table plus outage and reason lines.
 *
 * @example
 * ```ts
 * import { formatStats } from "./stats.ts";
 * import { seriesStats } from "../core/series_stats.ts";
 * const series = { id: 1, plugin: "dns", target: "a", interface: "", server: "", metric: "resolve_time", unit: "ms", sampleCount: 1, firstTs: 0, lastTs: 0 };
 * console.log(formatStats([{ series, stats: seriesStats([{ ts: 0, value: 2, status: "ok" }]) }]).length > 1); // true
 * ```
 */
export function formatStats(rows: { series: SeriesInfo; stats: SeriesStats }[]): string[] {
  const table = [[
    "plugin",
    "series",
    "metric",
    "sent",
    "loss",
    "min",
    "avg",
    "p50",
    "p95",
    "p99",
    "max",
    "jitter",
    "ipdv",
    "bursts",
  ]];
  const details: string[] = [];
  for (const { series, stats } of rows) {
    table.push([
      series.plugin,
      seriesName(series),
      series.unit ? `${series.metric} (${series.unit})` : series.metric,
      String(stats.sent),
      formatPercent(stats.lossPct),
      formatValue(stats.min),
      formatValue(stats.avg),
      formatValue(stats.p50),
      formatValue(stats.p95),
      formatValue(stats.p99),
      formatValue(stats.max),
      formatValue(stats.jitter),
      formatValue(stats.ipdv),
      `${stats.lossBursts.count}/${stats.lossBursts.longest}`,
    ]);
    const name = `${series.plugin} ${seriesName(series)} ${series.metric}`;
    if (stats.reasons.length > 0) {
      details.push(`${name}: ${stats.reasons.map((r) => `${r.count} ${r.reason}`).join(", ")}`);
    }
    for (const outage of stats.outages) {
      details.push(
        `${name}: outage ${new Date(outage.start).toISOString()} for ${
          formatDuration(outage.durationMs)
        } (${outage.lostCount} lost${outage.ongoing ? ", ongoing" : ""})`,
      );
    }
  }
  return [...formatTable(table), ...(details.length ? ["", ...details] : [])];
}

/**
 * Runs the command; returns the exit code.
 *
 * @example
 * ```ts ignore
 * import { statsCommand } from "./stats.ts";
 * await statsCommand({ last: "1h" });
 * ```
 */
export function statsCommand(flags: StatsCommandOptions): Promise<number> {
  const period = parsePeriod(flags);
  const store = Store.open(storePath(flags.db), { readOnly: true });
  try {
    const rows = [];
    for (const series of store.listSeries(seriesFilter(flags))) {
      const samples = store.rawRange({ seriesIds: [series.id], ...period });
      if (samples.length === 0) continue;
      rows.push({ series, stats: seriesStats(samples) });
    }
    const periodText = `${new Date(period.start).toISOString()} .. ${
      new Date(period.end).toISOString()
    }`;
    if (flags.json) {
      console.log(JSON.stringify(
        {
          start: new Date(period.start).toISOString(),
          end: new Date(period.end).toISOString(),
          series: rows.map(({ series, stats }) => ({ ...series, ...stats })),
        },
        null,
        2,
      ));
    } else if (rows.length === 0) {
      console.log(`No samples in ${periodText}`);
    } else {
      console.log(`Period ${periodText}; bursts = count/longest run of lost probes`);
      for (const line of formatStats(rows)) console.log(line);
    }
    return Promise.resolve(0);
  } finally {
    store.close();
  }
}
